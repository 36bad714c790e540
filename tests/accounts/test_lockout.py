"""Guessing passwords cannot lock the owner out: known devices, per-address throttling, direction is told."""
from __future__ import annotations

from sqlmodel import select

from tests.conftest import PASSWORD, build_app, csrf_token
from webapp.models import AuditEvent, KnownDevice
from webapp.platform.db import get_engine

ATTACKER = "203.0.113.66"


def try_login(client, email: str, password: str, ip: str, **headers):
    """Post the login form from `ip` (no second factor step)."""
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)},
                       environ_base={"REMOTE_ADDR": ip}, headers=headers)


def test_owner_logs_in_from_a_known_device_while_strangers_keep_the_account_locked(app, users, db):
    owner = app.test_client()
    email = users["supervisor"].email
    assert try_login(owner, email, PASSWORD, "192.0.2.10").status_code == 303
    assert db.exec(select(KnownDevice).where(KnownDevice.user_id == users["supervisor"].id)).one()
    post_logout = owner.post("/logout", data={"csrf_token": csrf_token(owner)})
    assert post_logout.status_code == 303

    attacker = app.test_client()
    for n in range(12):  # from many addresses, as a botnet would
        assert try_login(attacker, email, f"guess number {n}!", f"198.51.100.{n}").status_code == 422
    refused = try_login(app.test_client(), email, PASSWORD, "198.51.100.99")
    assert refused.status_code == 422 and "Trop de tentatives sur ce compte" in refused.get_data(as_text=True)
    assert try_login(owner, email, PASSWORD, "192.0.2.10").status_code == 303
    assert owner.get("/").status_code == 200


def test_a_known_device_is_throttled_on_its_own_failures(app, users):
    owner = app.test_client()
    email = users["supervisor"].email
    assert try_login(owner, email, PASSWORD, "192.0.2.10").status_code == 303
    owner.post("/logout", data={"csrf_token": csrf_token(owner)})
    for n in range(10):
        assert try_login(owner, email, f"typo {n} in password", "192.0.2.10").status_code == 422
    refused = try_login(owner, email, PASSWORD, "192.0.2.10")
    assert "Trop de tentatives depuis cet appareil" in refused.get_data(as_text=True)
    # The device's own failures do not lock the account for the owner's other browsers.
    assert try_login(app.test_client(), email, PASSWORD, "192.0.2.11").status_code == 303


def test_spraying_from_one_address_is_throttled_and_reported_to_direction(app, client, make, structure, users, db,
                                                                           login_as):
    victims = [make.user("supervisor", structure) for _ in range(3)] + [users["counsellor"]]
    attacker = app.test_client()
    statuses = []
    for victim in victims:
        for n in range(9):  # below the per-account limit on every account
            statuses.append(try_login(attacker, victim.email, f"Printemps2026!{n}", ATTACKER).status_code)
    assert statuses.count(422) == len(statuses)
    # Past 30 failures the address gets no more password checks, even with a right password.
    refused = try_login(attacker, users["coordinator"].email, PASSWORD, ATTACKER)
    assert "Trop de tentatives depuis ce réseau" in refused.get_data(as_text=True)
    # Someone else's login from another address is unaffected.
    assert try_login(app.test_client(), users["coordinator"].email, PASSWORD, "192.0.2.20").status_code == 303

    sprays = db.exec(select(AuditEvent).where(AuditEvent.action == "login.spray")).all()
    assert [(e.structure_id, e.actor_label) for e in sprays] == [(structure.id, ATTACKER)]
    login_as("director")
    home = client.get("/").get_data(as_text=True)
    assert "Tentatives de connexion suspectes" in home and f"4 comptes depuis {ATTACKER}" in home
    journal = client.get("/journal/?action=login.spray").get_data(as_text=True)
    assert ATTACKER in journal


def test_coordination_does_not_see_the_security_banner(app, client, users, login_as, db):
    attacker = app.test_client()
    for n in range(10):
        try_login(attacker, users["supervisor"].email, f"guess {n} guess", ATTACKER)
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "login.locked")).one()
    login_as("coordinator")
    assert "Tentatives de connexion suspectes" not in client.get("/").get_data(as_text=True)


def test_behind_a_proxy_each_client_address_is_throttled_apart(app, users):
    proxied = build_app(app.config["DATABASE_URL"], upload_folder=app.config["UPLOAD_FOLDER"], PROXY_HOPS=1)
    client = proxied.test_client()
    try:
        for n in range(30):
            try_login(client, f"x{n}@nowhere.test", "wrong password!", "127.0.0.1", **{"X-Forwarded-For": ATTACKER})
        blocked = try_login(client, users["supervisor"].email, PASSWORD, "127.0.0.1", **{"X-Forwarded-For": ATTACKER})
        assert "Trop de tentatives depuis ce réseau" in blocked.get_data(as_text=True)
        other = try_login(proxied.test_client(), users["supervisor"].email, PASSWORD, "127.0.0.1",
                          **{"X-Forwarded-For": "192.0.2.30"})
        assert other.status_code == 303
    finally:
        get_engine(proxied).dispose()

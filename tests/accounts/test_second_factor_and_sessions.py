"""Second factor, password rules, own sessions and password change."""

import pyotp
import pytest
from sqlmodel import select

from tests.conftest import PASSWORD, TOTP_SECRETS, post
from webapp.models import AuditEvent, User, UserSession


def test_director_login_asks_for_the_code_before_opening_a_session(client, users, db):
    director = users["director"]
    response = post(client, "/login", {"email": director.email, "password": PASSWORD})
    assert response.headers["Location"] == "/login/code"
    assert client.get("/").status_code == 302
    assert db.exec(select(UserSession).where(UserSession.user_id == director.id)).first() is None
    code = pyotp.TOTP(TOTP_SECRETS[director.email]).now()
    assert post(client, "/login/code", {"code": code}).status_code == 303
    assert client.get("/").status_code == 200


def test_wrong_code_is_refused_and_counted(client, users, db):
    director = users["director"]
    post(client, "/login", {"email": director.email, "password": PASSWORD})
    response = post(client, "/login/code", {"code": "000000"})
    assert response.status_code == 422
    assert "Code incorrect ou expiré." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    failures = db.exec(select(AuditEvent).where(AuditEvent.action == "login.failure")).all()
    assert failures and failures[-1].detail == "code de double authentification"


def test_a_code_cannot_be_replayed(app, client, users):
    director = users["director"]
    code = pyotp.TOTP(TOTP_SECRETS[director.email]).now()
    post(client, "/login", {"email": director.email, "password": PASSWORD})
    assert post(client, "/login/code", {"code": code}).status_code == 303
    other = app.test_client()
    post(other, "/login", {"email": director.email, "password": PASSWORD})
    assert post(other, "/login/code", {"code": code}).status_code == 422


def test_code_page_without_password_step_goes_back_to_login(client):
    assert client.get("/login/code").headers["Location"] == "/login"


def test_role_requiring_second_factor_is_sent_to_setup(client, make, structure, db):
    director = make.user("director", structure, totp_secret=None)
    post(client, "/login", {"email": director.email, "password": PASSWORD})
    response = client.get("/salaries/")
    assert response.status_code == 302 and response.headers["Location"] == "/compte/double-authentification"
    htmx = client.get("/salaries/", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == "/compte/double-authentification"
    page = client.get("/compte/double-authentification").get_data(as_text=True)
    assert "obligatoire" in page and "data:image/svg+xml" in page
    secret = page.split('<code class="secret">')[1].split("</code>")[0]
    response = post(client, "/compte/double-authentification", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 303
    assert client.get("/salaries/").status_code == 200
    db.expire_all()
    assert db.get(User, director.id).totp_secret == secret


def test_setup_with_wrong_code_keeps_the_same_secret(client, login_as):
    login_as("counsellor")
    page = client.get("/compte/double-authentification").get_data(as_text=True)
    secret = page.split('<code class="secret">')[1].split("</code>")[0]
    response = post(client, "/compte/double-authentification", {"code": "123456"})
    assert response.status_code == 422
    assert secret in response.get_data(as_text=True)


@pytest.mark.parametrize("password", ["motdepasse2026!", "azertyuiop123", "123456789012", "Password1234",
                                      "abcabcabcabc"])
def test_common_passwords_are_refused(client, login_as, password):
    login_as("director")
    response = post(client, "/comptes/nouveau", {
        "full_name": "Léa", "email": "lea@test.terrain", "role": "counsellor", "password": password,
    })
    assert response.status_code == 422
    assert "plus courants" in response.get_data(as_text=True)


def test_long_passphrases_are_accepted(client, login_as, db):
    login_as("director")
    passphrase = "le chantier ouvre à sept heures trente le lundi matin près du canal " * 1
    response = post(client, "/comptes/nouveau", {
        "full_name": "Léa", "email": "lea@test.terrain", "role": "counsellor", "password": passphrase.strip(),
    })
    assert response.status_code == 303
    assert len(passphrase.strip()) > 64


def test_user_ends_another_of_their_sessions(app, client, auth, users, db):
    other_device = app.test_client()
    post(other_device, "/login", {"email": users["supervisor"].email, "password": PASSWORD})
    auth.login(users["supervisor"].email)
    page = client.get("/compte/").get_data(as_text=True)
    assert "Sessions ouvertes (2)" in page
    other = db.exec(select(UserSession).where(UserSession.user_id == users["supervisor"].id)
                    .order_by(UserSession.id)).first()
    response = post(client, f"/compte/sessions/{other.id}/fermer", htmx=True)
    assert "Sessions ouvertes (1)" in response.get_data(as_text=True)
    assert other_device.get("/").status_code == 302
    assert client.get("/").status_code == 200


def test_user_cannot_end_someone_elses_session(app, client, users, login_as, db):
    victim = app.test_client()
    post(victim, "/login", {"email": users["counsellor"].email, "password": PASSWORD})
    row = db.exec(select(UserSession).where(UserSession.user_id == users["counsellor"].id)).one()
    login_as("supervisor")
    assert post(client, f"/compte/sessions/{row.id}/fermer").status_code == 404
    assert victim.get("/").status_code == 200


def test_password_change_keeps_this_session_and_ends_the_others(app, client, auth, users):
    other_device = app.test_client()
    post(other_device, "/login", {"email": users["supervisor"].email, "password": PASSWORD})
    auth.login(users["supervisor"].email)
    wrong = post(client, "/compte/mot-de-passe", {"current": "pas le bon mot", "new": "une nouvelle phrase"})
    assert wrong.status_code == 422 and "Mot de passe actuel incorrect." in wrong.get_data(as_text=True)
    response = post(client, "/compte/mot-de-passe", {"current": PASSWORD, "new": "une nouvelle phrase de passe"})
    assert response.status_code == 303
    assert client.get("/").status_code == 200
    assert other_device.get("/").status_code == 302
    fresh = app.test_client()
    assert post(fresh, "/login", {"email": users["supervisor"].email,
                                  "password": "une nouvelle phrase de passe"}).status_code == 303

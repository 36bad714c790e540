"""The audit trail: what is recorded, who can browse it, how long it is kept."""
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.conftest import post
from webapp.domain.accounts import audit
from webapp.models import AuditEvent, utcnow


def events(db, action):
    db.rollback()
    return db.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def test_logins_are_recorded_with_address(client, auth, users, db):
    auth.login(users["supervisor"].email, "wrong password!!")
    auth.login(users["supervisor"].email)
    failure, = events(db, "login.failure")
    success, = events(db, "login.success")
    assert failure.actor_label == users["supervisor"].email and failure.user_id is None
    assert success.user_id == users["supervisor"].id and success.structure_id == users["supervisor"].structure_id
    assert success.ip == "127.0.0.1"


def test_role_change_and_deactivation_are_recorded(client, login_as, users, db):
    login_as("director")
    target = users["supervisor"]
    post(client, f"/comptes/{target.id}", {"full_name": target.full_name, "email": target.email,
                                          "role": "coordinator", "active": "y"})
    post(client, f"/comptes/{target.id}", {"full_name": target.full_name, "email": target.email,
                                          "role": "coordinator"})
    role, = events(db, "user.role")
    assert role.detail == "supervisor → coordinator" and role.user_id == users["director"].id
    assert events(db, "user.deactivate")[0].object_id == target.id


def test_settings_change_is_recorded(client, login_as, db):
    login_as("director")
    post(client, "/structure", {"name": "Nouveau nom", "kind": "ACI", "siret": "", "address": "", "phone": "",
                                "retention_months": "30"})
    change, = events(db, "structure.settings")
    assert change.detail == "name, retention_months"


@pytest.mark.parametrize("role,status", [
    ("supervisor", 403), ("counsellor", 403), ("coordinator", 403), ("director", 200), ("admin", 403),
])
def test_only_direction_browses_the_journal(client, login_as, role, status):
    login_as(role)
    assert client.get("/journal/").status_code == status


def test_journal_shows_only_the_structures_events_and_filters(client, login_as, make, users, db):
    other = make.structure("Autre")
    audit.record(db, action="sensitive.read", user=None, structure_id=other.id, actor_label="x@autre", detail="AUTRE-STRUCTURE")
    audit.record(db, action="sensitive.read", user=users["counsellor"], detail="LECTURE-ICI")
    db.commit()
    login_as("director")
    body = client.get("/journal/").get_data(as_text=True)
    assert "LECTURE-ICI" in body and "AUTRE-STRUCTURE" not in body
    filtered = client.get("/journal/?action=login.success", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "LECTURE-ICI" not in filtered and "Connexion réussie" in filtered


def test_journal_ignores_malformed_filters(client, login_as):
    login_as("director")
    response = client.get("/journal/?action=drop&user=abc&du=hier&avant=-5&employee=99999999999999")
    assert response.status_code == 200


def test_journal_pages_by_id(client, login_as, users, db):
    for n in range(60):
        audit.record(db, action="sensitive.read", user=users["counsellor"], detail=f"lecture-{n:02d}")
    db.commit()
    login_as("director")
    first = client.get("/journal/?action=sensitive.read").get_data(as_text=True)
    assert "lecture-59" in first and "lecture-05" not in first
    link = first.split('href="/journal/?')[-1].split('"')[0].replace("&amp;", "&")
    second = client.get("/journal/?" + link).get_data(as_text=True)
    assert "lecture-05" in second and "lecture-59" not in second


def test_purge_removes_events_older_than_the_retention(db, users):
    old = audit.record(db, action="login.success", user=users["supervisor"])
    old.at = utcnow() - timedelta(days=400)
    recent = audit.record(db, action="login.success", user=users["supervisor"])
    db.commit()
    assert audit.purge(db, months=12) == 1
    db.commit()
    remaining = db.exec(select(AuditEvent.id)).all()
    assert remaining == [recent.id]


def _note(db, make, users, employee, visibility, text):
    from datetime import date

    from webapp.models import Observation, ObservationEmployee

    obs = Observation(structure_id=employee.structure_id, author_id=users["supervisor"].id, observed_on=date.today(),
                      category="sante_travail", tone="preoccupante", text=text, visibility=visibility,
                      client_key=f"{text:x<16}"[:16])
    db.add(obs)
    db.flush()
    db.add(ObservationEmployee(observation_id=obs.id, employee_id=employee.id, structure_id=employee.structure_id))
    db.commit()
    return obs


def test_reading_restricted_observations_is_traced(client, login_as, users, make, structure, db):
    employee = make.employee(structure, referent_cip_id=users["counsellor"].id)
    restricted = _note(db, make, users, employee, "restricted", "Note restricted")
    _note(db, make, users, employee, "team", "Note team")
    login_as("supervisor")
    assert "Note restricted" not in client.get(f"/salaries/{employee.id}/parcours").get_data(as_text=True)
    assert events(db, "sensitive.read") == []
    post(client, "/logout")
    login_as("counsellor")
    assert "Note restricted" in client.get(f"/salaries/{employee.id}/parcours").get_data(as_text=True)
    read, = events(db, "sensitive.read")
    assert (read.employee_id, read.user_id) == (employee.id, users["counsellor"].id)
    assert read.detail == f"1 observation(s) réservée(s) CIP et direction : n° {restricted.id}"


def test_the_same_reading_is_traced_once_in_ten_minutes_and_anything_new_again(client, login_as, users, make,
                                                                                 structure, db):
    employee = make.employee(structure, referent_cip_id=users["counsellor"].id)
    first = _note(db, make, users, employee, "restricted", "Premiere note")
    login_as("counsellor")
    parcours = f"/salaries/{employee.id}/parcours"
    for url in (parcours, parcours, "/observations/fil", "/observations/fil"):
        assert "Premiere note" in client.get(url).get_data(as_text=True)
    read, = events(db, "sensitive.read")
    assert read.detail.endswith(f": n° {first.id}")

    # A new note shown is a new reading, traced at once with every note shown.
    second = _note(db, make, users, employee, "restricted", "Seconde note")
    assert "Seconde note" in client.get(parcours).get_data(as_text=True)
    assert events(db, "sensitive.read")[-1].detail == (
        f"2 observation(s) réservée(s) CIP et direction : n° {first.id}, n° {second.id}")
    assert len(events(db, "sensitive.read")) == 2

    # The same content from another address is traced.
    client.get(parcours, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert [e.ip for e in events(db, "sensitive.read")][-1] == "10.1.2.3"

    # Ten minutes later, the same reading is traced again.
    for event in events(db, "sensitive.read"):
        event.at = utcnow() - audit.READ_TRACE_WINDOW - timedelta(seconds=1)
    db.commit()
    client.get(parcours)
    assert len(events(db, "sensitive.read")) == 4

    # Another reader leaves their own trace.
    post(client, "/logout")
    login_as("director")
    client.get(parcours)
    assert [e.user_id for e in events(db, "sensitive.read")][-1] == users["director"].id
    assert len(events(db, "sensitive.read")) == 5

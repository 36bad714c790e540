"""Sensitive follow-up data (health, finances, justice) reaches only the CIP and direction, and each reading is
traced: sensitive strings are planted through the services, then every role's pages, fragments, PDFs and JSON
are crawled for them."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlmodel import select

from tests.conftest import AuthActions
from tests.test_access_matrix import MATRIX, _url
from webapp.domain.followup import followup, reviews, sensitivity
from webapp.models import AuditEvent
from webapp.platform.db import writing

TODAY = date.today()
# Items only the CIP and direction may read.
SENSITIVE = {
    "frein": "PLANT-SENS-frein diabète déclaré",
    "frein note": "PLANT-SENS-note-frein",
    "objectif MDPH": "PLANT-SENS-objectif : constituer le dossier MDPH",
    "étape": "PLANT-SENS-etape",
    "surendettement": "plan de surendettement",
    "aide juridictionnelle": "aide juridictionnelle",
    "dossier MDPH": "dossier MDPH",
    "orientation MDPH": "Orientation vers la MDPH",
    "RQTH": "Evaluation RQTH",
}
# Items every role that reads the bilan or the follow-up may see: they prove the crawl reached the pages.
OPEN = {"objectif": "PLANT-OPEN-objectif", "action": "Inscription à Pôle emploi",
        "conclusion": "PLANT-OPEN-conclusion"}
DONE = ["Mise en place d’un plan de surendettement", "Réalisation d’une demande d’aide juridictionnelle",
        "Inscription à Pôle emploi"]
PLANNED = ["Constitution d’un dossier MDPH", "Orientation vers la MDPH", "Evaluation RQTH"]


def test_actions_are_judged_by_theme_and_wording():
    assert sensitivity.action_is_sensitive("Mise en place d’un plan de surendettement")  # theme: finances
    assert sensitivity.action_is_sensitive("Orientation vers la MDPH")  # theme "emploi", wording: disability
    assert not sensitivity.action_is_sensitive("Inscription à Pôle emploi")


def test_every_field_of_the_bilan_document_declares_its_sensitivity(db, users, crew):
    person = crew["people"][0]
    with writing():
        review = reviews.create_review(db, user=users["counsellor"], employee=person, kind="integration",
                                       due_date=TODAY)
        db.flush()
        doc = reviews.document(db, review=review)
        finalised = reviews.finalise(db, user=users["counsellor"], review=_decided(db, review))
        db.rollback()
    assert set(doc) <= set(sensitivity.DOCUMENT_FIELDS), set(doc) - set(sensitivity.DOCUMENT_FIELDS)
    assert set(finalised.snapshot) <= set(sensitivity.DOCUMENT_FIELDS)
    # a field nobody declared is hidden from those who may not read sensitive data
    assert "new_field" not in sensitivity.for_viewer({"new_field": "x", "kind": "k"}, sensitive=False)["new_field"]


def _decided(db, review):
    reviews.save_counsellor_part(db, review=review, needs={}, done=[], planned=[], decision="poursuite",
                                 exit_type="", conclusion="")
    db.flush()
    return review


def _plant(db, users, crew) -> dict:
    """Sensitive and open items about one employee, written through the services."""
    cip = users["counsellor"]
    person = crew["people"][0]
    barrier = followup.add_barrier(db, user=cip, employee=person, theme="sante", situation=SENSITIVE["frein"],
                                   status="identifie", note=SENSITIVE["frein note"], today=TODAY)
    db.flush()
    # no theme, no frein: the wording alone makes it sensitive
    goal = followup.create_goal(db, user=cip, employee=person, today=TODAY, data=followup.GoalInput(
        text=SENSITIVE["objectif MDPH"], next_step=SENSITIVE["étape"], due_date=TODAY + timedelta(days=5)))
    followup.create_goal(db, user=cip, employee=person, today=TODAY, data=followup.GoalInput(
        text=OPEN["objectif"], due_date=TODAY + timedelta(days=5)))
    ids = {"employee": person.id, "barrier": barrier.id, "goal": goal.id, "worksite": crew["site"].id,
           "reviews": []}
    for kind, finalise in (("integration", True), ("intermediaire", False)):
        review = reviews.create_review(db, user=cip, employee=person, kind=kind, due_date=TODAY)
        db.flush()
        reviews.save_counsellor_part(db, review=review, needs={"sante": "++", "mobilite": "+"}, done=DONE,
                                     planned=PLANNED, decision="poursuite", exit_type="",
                                     conclusion=OPEN["conclusion"])
        db.flush()
        if finalise:
            reviews.finalise(db, user=cip, review=review, today=TODAY)
        ids["reviews"].append(review.id)
    db.commit()
    return ids


def _pages(app, email: str, ids: dict) -> dict[str, str]:
    """Every GET page, fragment, PDF and JSON a user may open about the planted objects, as text by URL."""
    client = app.test_client()
    assert AuthActions(client).login(email).status_code == 303
    seen = {}
    for endpoint, rule in sorted(MATRIX.items()):
        if rule.method != "GET":
            continue
        if rule.kind == "review":
            object_ids = ids["reviews"]
        elif rule.kind is None or rule.kind in ids:
            object_ids = [ids.get(rule.kind, 1)]
        else:
            continue  # objects that hold no follow-up data (photos, alerts, frameworks, sessions...)
        for object_id in object_ids:
            url = _url(app, endpoint, rule, ids, object_id)
            for headers in ({}, {"HX-Request": "true"}):
                response = client.get(url, headers=headers)
                if response.status_code != 200:
                    continue
                if response.mimetype == "application/pdf":
                    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
                else:
                    text = response.get_data(as_text=True)
                seen[f"{url} {headers}"] = text.replace("&#39;", "'").replace("’", "'")
    return seen


def _found(pages: dict[str, str], needle: str) -> list[str]:
    needle = needle.replace("’", "'").casefold()
    return [url for url, text in pages.items() if needle in text.casefold()]


@pytest.fixture
def planted(app, db, users, crew):
    with writing():
        return _plant(db, users, crew)


@pytest.mark.parametrize("role", ["supervisor", "coordinator"])
def test_roles_without_the_right_see_no_sensitive_item(app, db, users, planted, role):
    pages = _pages(app, users[role].email, planted)
    leaks = {label: _found(pages, text) for label, text in SENSITIVE.items()}
    assert not {label: urls for label, urls in leaks.items() if urls}, f"{role} saw sensitive items"
    if role == "coordinator":  # the crawl did reach the bilan and the follow-up
        assert all(_found(pages, text) for text in OPEN.values())
        assert any(".pdf" in url for url in _found(pages, OPEN["conclusion"]))
    db.rollback()
    assert not db.exec(select(AuditEvent).where(AuditEvent.action == "sensitive.read",
                                                AuditEvent.user_id == users[role].id)).all()


@pytest.mark.parametrize("role", ["counsellor", "director"])
def test_cip_and_direction_see_sensitive_items_and_the_reading_is_traced(app, db, users, planted, role):
    pages = _pages(app, users[role].email, planted)
    for label, text in SENSITIVE.items():
        assert _found(pages, text), f"{role} does not see {label}"
    for review_id in planted["reviews"]:
        shown = [url for url in _found(pages, "plan de surendettement") if f"/bilans/{review_id}" in url]
        assert any(url.startswith(f"/bilans/{review_id}/bilan.pdf") for url in shown)
        assert any(url.startswith(f"/bilans/{review_id}/imprimer") for url in shown)
    db.rollback()
    traced = db.exec(select(AuditEvent).where(AuditEvent.action == "sensitive.read",
                                              AuditEvent.user_id == users[role].id)).all()
    assert {e.object_id for e in traced if e.object_type == "review"} == set(planted["reviews"])
    assert any(e.object_type == "barrier" and e.employee_id == planted["employee"] for e in traced)


def test_migration_makes_existing_sensitive_wordings_sensitive(app, db, users, crew):
    from webapp.models import Barrier, Goal
    from webapp.platform.migrate import downgrade, upgrade

    cip, person = users["counsellor"], crew["people"][0]
    with writing():
        judicial = Barrier(structure_id=person.structure_id, employee_id=person.id, theme="mobilite",
                           situation="Obligations judiciaires (pointage)", detected_by_id=cip.id, detected_on=TODAY)
        db.add(judicial)
        db.flush()
        rows = [Goal(structure_id=person.structure_id, employee_id=person.id, text=text, barrier_id=barrier_id,
                     created_by_id=cip.id)
                for text, barrier_id in (("Constituer le dossier MDPH", None), ("Respecter les horaires", judicial.id),
                                         ("Passer le permis B", None))]
        db.add_all(rows)
        db.commit()
    db.close()
    downgrade(app, "0006")
    upgrade(app)
    assert db.get(Barrier, judicial.id).sensitive
    assert [db.get(Goal, g.id).sensitive for g in rows] == [True, True, False]

"""Follow-up screens: who sees what (sensitive freins by role, in rendered HTML), audit, signals, bad input, bilans."""
import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlmodel import select

from tests.conftest import post
from webapp.domain.followup import followup
from webapp.models import (
    AuditEvent,
    Barrier,
    BarrierSignal,
    Contract,
    Goal,
    Review,
    WelcomeCheck,
    WorkConstraint,
)

SENSITIVE_SITUATION = "Difficulté déclarée entrainant des absences régulières"
SENSITIVE_GOAL = "Constituer un dossier MDPH/invalidité"
PUBLIC_SITUATION = "Dépendant des transports en commun"


@pytest.fixture
def diagnosed(make, structure, users, crew):
    """Amina has a sensitive frein, a sensitive objective, a public frein, a public objective and a constraint."""
    person = crew["people"][0]
    cip = users["counsellor"]
    make._save(Barrier(structure_id=structure.id, employee_id=person.id, theme="sante", situation=SENSITIVE_SITUATION,
                       sensitive=True, detected_by_id=cip.id, detected_on=date.today(), history=[]))
    make._save(Barrier(structure_id=structure.id, employee_id=person.id, theme="mobilite",
                       situation=PUBLIC_SITUATION, detected_by_id=cip.id, detected_on=date.today(), history=[]))
    make._save(Goal(structure_id=structure.id, employee_id=person.id, text=SENSITIVE_GOAL, theme="sante",
                    sensitive=True, created_by_id=cip.id, due_date=date.today() + timedelta(days=3)))
    make._save(Goal(structure_id=structure.id, employee_id=person.id, text="Passer le code de la route",
                    created_by_id=cip.id, due_date=date.today() + timedelta(days=10)))
    make._save(WorkConstraint(structure_id=structure.id, employee_id=person.id, text="Pas de port de charges",
                              created_by_id=cip.id))
    review = make._save(Review(structure_id=structure.id, employee_id=person.id, kind="integration",
                               due_date=date.today(), period_start=date.today() - timedelta(days=30),
                               period_end=date.today(), created_by_id=cip.id))
    return {"person": person, "review": review}


def _pages(person, review):
    return ["/", "/aujourdhui/", f"/suivi/salaries/{person.id}", f"/salaries/{person.id}", "/echeances/",
            "/bilans/", f"/bilans/{review.id}"]


def test_supervisor_never_receives_a_sensitive_frein_or_objective(client, login_as, diagnosed):
    login_as("supervisor")
    person, review = diagnosed["person"], diagnosed["review"]
    for url in _pages(person, review) + [f"/suivi/salaries/{person.id}/signaler"]:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            assert response.status_code == 200, url
            body = response.get_data(as_text=True)
            assert SENSITIVE_SITUATION not in body and SENSITIVE_GOAL not in body, url
            assert PUBLIC_SITUATION not in body, url  # the diagnostic itself stays with the CIP
            assert "Santé" not in body, url
    today = client.get("/aujourdhui/").get_data(as_text=True)
    assert "Pas de port de charges" in today and "Passer le code de la route" in today


def test_supervisor_cannot_open_a_frein_or_print_a_bilan(client, login_as, diagnosed):
    login_as("supervisor")
    review = diagnosed["review"]
    assert client.get(f"/bilans/{review.id}/imprimer").status_code == 403
    assert client.get(f"/bilans/{review.id}/bilan.pdf").status_code == 403


def test_coordinator_sees_the_diagnostic_without_sensitive_freins(client, login_as, diagnosed):
    login_as("coordinator")
    person, review = diagnosed["person"], diagnosed["review"]
    for url in (f"/suivi/salaries/{person.id}", f"/bilans/{review.id}", f"/bilans/{review.id}/imprimer"):
        body = client.get(url).get_data(as_text=True)
        assert PUBLIC_SITUATION in body, url
        assert SENSITIVE_SITUATION not in body and SENSITIVE_GOAL not in body, url


@pytest.mark.parametrize("role", ["counsellor", "director"])
def test_counsellor_and_direction_read_sensitive_freins_and_each_read_is_traced(client, login_as, diagnosed, db, role):
    user = login_as(role)
    person, review = diagnosed["person"], diagnosed["review"]
    for url in (f"/suivi/salaries/{person.id}", f"/bilans/{review.id}", f"/bilans/{review.id}/imprimer"):
        body = client.get(url).get_data(as_text=True)
        assert SENSITIVE_SITUATION in body, url
    db.rollback()
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "sensitive.read",
                                              AuditEvent.user_id == user.id)).all()
    assert len(events) == 3 and {e.employee_id for e in events} == {person.id}


def test_reading_only_public_freins_writes_no_sensitive_audit(client, login_as, crew, db, make, structure, users):
    person = crew["people"][1]
    make._save(Barrier(structure_id=structure.id, employee_id=person.id, theme="mobilite", situation=PUBLIC_SITUATION,
                       detected_by_id=users["counsellor"].id, detected_on=date.today(), history=[]))
    login_as("counsellor")
    assert PUBLIC_SITUATION in client.get(f"/suivi/salaries/{person.id}").get_data(as_text=True)
    db.rollback()
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "sensitive.read")).all() == []


def test_supervisor_signal_goes_to_the_counsellor_who_qualifies_it(client, auth, users, crew, db):
    person = crew["people"][0]
    auth.login(users["supervisor"].email)
    form = client.get(f"/suivi/salaries/{person.id}/signaler").get_data(as_text=True)
    assert "Santé" not in form and "Difficultés financières" not in form
    response = post(client, f"/suivi/salaries/{person.id}/signaler", {"theme": "mobilite", "text": "Arrive à pied, épuisé."})
    assert response.status_code == 200 and "Signalement envoyé" in response.get_data(as_text=True)
    refused = post(client, f"/suivi/salaries/{person.id}/signaler", {"theme": "sante", "text": "x"})
    assert refused.status_code == 422
    auth.logout()
    auth.login(users["counsellor"].email)
    assert "Arrive à pied, épuisé." in client.get(f"/suivi/salaries/{person.id}").get_data(as_text=True)
    signal = db.exec(select(BarrierSignal)).one()
    response = post(client, f"/suivi/signalements/{signal.id}", {"decision": "qualifier", "theme": "mobilite",
                                                                  "situation": PUBLIC_SITUATION})
    assert response.status_code == 303
    db.rollback()
    barrier = db.exec(select(Barrier)).one()
    assert barrier.situation == PUBLIC_SITUATION and "épuisé" in barrier.note
    again = post(client, f"/suivi/signalements/{signal.id}", {"decision": "classer"})
    assert again.status_code == 422 and "déjà été traité" in again.get_data(as_text=True)


def test_objective_without_text_is_refused_in_french_and_keeps_the_input(client, login_as, crew, db):
    login_as("counsellor")
    person = crew["people"][0]
    response = post(client, f"/suivi/salaries/{person.id}/objectifs/nouveau",
                    {"text": "", "next_step": "Appeler l'auto-école"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "Écrivez l&#39;objectif" in body and "Appeler l&#39;auto-école" in body
    early = post(client, f"/suivi/salaries/{person.id}/objectifs/nouveau",
                 {"text": "Passer le code", "due_date": "2001-01-01"})
    assert early.status_code == 422 and "précéder le début du contrat" in early.get_data(as_text=True)
    assert db.exec(select(Goal)).all() == []
    ok = post(client, f"/suivi/salaries/{person.id}/objectifs/nouveau",
              {"text": "Passer le code", "due_date": (date.today() + timedelta(days=30)).isoformat(),
               "agreed_on": date.today().isoformat()})
    assert ok.status_code == 303
    db.rollback()
    goal = db.exec(select(Goal)).one()
    assert goal.agreed_on == date.today()
    changed = post(client, f"/suivi/objectifs/{goal.id}", {"text": "Passer le code", "status": "atteint",
                                                            "due_date": goal.due_date.isoformat()})
    assert changed.status_code == 303
    assert "En cours → Atteint" in client.get(f"/suivi/objectifs/{goal.id}").get_data(as_text=True)


def test_today_card_shows_three_current_objectives_by_due_date(client, login_as, crew, make, structure, users):
    person = crew["people"][0]
    for days, text in [(40, "Quatrième"), (5, "Premier"), (20, "Troisième"), (10, "Deuxième")]:
        make._save(Goal(structure_id=structure.id, employee_id=person.id, text=f"Objectif {text}",
                        due_date=date.today() + timedelta(days=days), created_by_id=users["counsellor"].id))
    login_as("supervisor")
    body = client.get("/aujourdhui/").get_data(as_text=True)
    positions = [body.index(f"Objectif {t}") for t in ("Premier", "Deuxième", "Troisième")]
    assert positions == sorted(positions) and "Objectif Quatrième" not in body


def test_welcome_step_ticked_with_date_and_who_and_integration_on_today(client, login_as, crew, db):
    user = login_as("supervisor")
    person = crew["people"][0]
    today_body = client.get("/aujourdhui/").get_data(as_text=True)
    assert "En intégration" in today_body and "8 étape(s) à faire" in today_body
    client.get(f"/suivi/salaries/{person.id}")  # creates the structure's checklist from accueil.csv
    step_id = followup.ensure_welcome_steps(db, person.structure_id)[5].id
    response = post(client, f"/suivi/salaries/{person.id}/accueil", {"step_id": step_id, "note": "Veste L, 43"},
                    htmx=True)
    assert response.status_code == 200 and "Veste L, 43" in response.get_data(as_text=True)
    assert f"par {user.full_name}" in response.get_data(as_text=True)
    db.rollback()
    check = db.exec(select(WelcomeCheck)).one()
    assert check.done_on == date.today() and check.done_by_id == user.id
    assert "7 étape(s) à faire" in client.get("/aujourdhui/").get_data(as_text=True)
    assert post(client, f"/suivi/salaries/{person.id}/accueil", {"step_id": "999999"}).status_code == 422


def test_bilan_prepared_contributed_finalised_once_then_addendum_and_pdf(client, auth, users, crew, db):
    person = crew["people"][0]
    auth.login(users["counsellor"].email)
    early = post(client, f"/bilans/salaries/{person.id}", {"kind": "intermediaire", "due_date": "2001-01-01"})
    assert early.status_code == 422 and "précéder le début du contrat" in early.get_data(as_text=True)
    created = post(client, f"/bilans/salaries/{person.id}",
                   {"kind": "intermediaire", "due_date": (date.today() + timedelta(days=20)).isoformat()})
    assert created.status_code == 303
    review_id = int(created.headers["Location"].rsplit("/", 1)[1])
    auth.logout()
    auth.login(users["supervisor"].email)
    page = client.get(f"/bilans/{review_id}").get_data(as_text=True)
    assert "Ma contribution" in page or "Enregistrer ma contribution" in page
    assert post(client, f"/bilans/{review_id}/contribution", {}).status_code == 422
    assert post(client, f"/bilans/{review_id}/contribution",
                {"technique": "Taille les haies seul.", "proposal": "Renouveler"}).status_code == 303
    auth.logout()
    auth.login(users["counsellor"].email)
    page = client.get(f"/bilans/{review_id}").get_data(as_text=True)
    assert "Taille les haies seul." in page
    # Actions are wrapping checkbox chips: no fixed-height multiple select cutting its options off.
    assert "multiple" not in page and 'type="checkbox" id="planned-' in page and 'value="Bourse au permis"' in page
    assert post(client, f"/bilans/{review_id}", {"need_mobilite": "++", "decision": "renouvellement",
                                                  "planned": "Bourse au permis"}).status_code == 303
    assert post(client, f"/bilans/{review_id}/finaliser").status_code == 303
    twice = post(client, f"/bilans/{review_id}/finaliser")
    assert twice.status_code == 422 and "finalisé" in twice.get_data(as_text=True)
    assert post(client, f"/bilans/{review_id}", {"decision": "sortie"}).status_code == 422
    db.rollback()
    review = db.get(Review, review_id)
    assert review.status == "finalised" and review.decision == "renouvellement"
    assert post(client, f"/bilans/{review_id}/avenant", {"text": "Permis obtenu."}).status_code == 303
    pdf = client.get(f"/bilans/{review_id}/bilan.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Taille les haies seul." in text and "Renouvellement du contrat" in text and "Permis obtenu." in text


def test_deadlines_are_coloured_with_words(client, login_as, crew, make, structure, users):
    person = crew["people"][0]
    make._save(Goal(structure_id=structure.id, employee_id=person.id, text="Objectif en retard",
                    due_date=date.today() - timedelta(days=2), created_by_id=users["counsellor"].id))
    login_as("counsellor")
    body = client.get("/echeances/").get_data(as_text=True)
    assert "Objectif en retard" in body and "En retard" in body and 'class="deadline late"' in body


def test_direction_edits_the_welcome_template(client, login_as, db, structure):
    login_as("director")
    assert post(client, "/suivi/accueil/modele", {"label": "Remise du badge d'accès"}).status_code == 303
    assert "Remise du badge" in client.get("/suivi/accueil/modele").get_data(as_text=True)
    assert post(client, "/suivi/accueil/modele", {"label": ""}).status_code == 422


def test_today_query_count_does_not_grow_with_follow_up_data(app, client, login_as, crew, make, structure, users):
    from tests.field.test_today import count_queries

    login_as("supervisor")
    client.get(f"/suivi/salaries/{crew['people'][0].id}")  # the structure's welcome checklist exists
    counts = []
    for batch in (1, 10):
        for _ in range(batch):
            person = make.employee(structure, referent_eti_id=users["supervisor"].id, team_id=crew["team"].id)
            make._save(Goal(structure_id=structure.id, employee_id=person.id, text="Objectif",
                            due_date=date.today() + timedelta(days=9), created_by_id=users["counsellor"].id))
            make._save(WorkConstraint(structure_id=structure.id, employee_id=person.id, text="Contrainte",
                                      created_by_id=users["counsellor"].id))
        counts.append(count_queries(app, client, "/aujourdhui/"))
    assert counts[0] == counts[1]


def test_direction_edits_the_situations_offered_for_freins(client, login_as, crew, db, structure):
    login_as("director")
    assert post(client, "/suivi/situations", {"theme": "mobilite", "label": "Vélo prêté par la structure"}).status_code == 303
    assert post(client, "/suivi/situations", {"theme": "inconnu", "label": "x"}).status_code == 422
    db.rollback()
    rows = followup.ensure_situations(db, structure.id)
    removed = next(r for r in rows if r.label == "Permis B")
    assert post(client, "/suivi/situations", {"action": "remove", "situation_id": removed.id}).status_code == 303
    db.rollback()
    offered = [label for _, label in followup.situations_of(db, structure.id)]
    assert "Vélo prêté par la structure" in offered and "Permis B" not in offered
    page = client.get(f"/suivi/salaries/{crew['people'][0].id}").get_data(as_text=True)
    assert "Vélo prêté par la structure" in page and 'value="Permis B"' not in page


def test_integration_left_lists_the_active_steps_not_done_and_forgets_who_is_done_or_settled(crew, db, users):
    first, second, settled = crew["people"][:3]
    today = date.today()
    steps = followup.ensure_welcome_steps(db, first.structure_id)
    steps[0].active = False  # a step the direction removed is never asked for
    db.add(steps[0])
    for step in steps[1:]:
        followup.tick_welcome(db, user=users["supervisor"], employee=second, step_id=step.id, done=True, note="",
                              today=today)
    followup.tick_welcome(db, user=users["supervisor"], employee=first, step_id=steps[1].id, done=True, note="",
                          today=today)
    for contract in db.exec(select(Contract).where(Contract.employee_id == settled.id)).all():
        contract.start_date = today - timedelta(days=followup.INTEGRATION_DAYS)
        db.add(contract)
    db.commit()
    left = followup.integration_left(db, structure_id=first.structure_id,
                                     employee_ids=[first.id, second.id, settled.id], today=today)
    assert left == {first.id: [step.label for step in steps[2:]]}

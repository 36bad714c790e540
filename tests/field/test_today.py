"""Today, attendance, point du matin and consignes: captures, validation, idempotency, query counts."""
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from tests.conftest import client_key, post
from webapp.domain import field
from webapp.domain.alerts import alerts
from webapp.domain.followup import followup
from webapp.domain.skills import skills
from webapp.models import (
    Assignment,
    Attendance,
    Goal,
    Instruction,
    InstructionAck,
    InstructionTemplate,
    Skill,
    TeamBriefing,
    WorkConstraint,
    utcnow,
)
from webapp.platform import dates
from webapp.platform.db import get_engine, writing


def make_session(app):
    """A session of its own on the application's database, as a second device would have."""
    return Session(get_engine(app), expire_on_commit=False)


def count_queries(app, client, url):
    """Number of SQL statements run to answer GET `url`."""
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(get_engine(app), "before_cursor_execute", listener)
    try:
        response = client.get(url)
        assert response.status_code == 200
    finally:
        event.remove(get_engine(app), "before_cursor_execute", listener)
    return len(statements)


def test_supervisor_home_is_today_with_referent_team(client, login_as, crew):
    login_as("supervisor")
    body = client.get("/").get_data(as_text=True)
    assert "Aujourd&#39;hui" in body
    for person in crew["people"]:
        assert person.full_name in body
    assert "Pas d'affectation saisie" in body
    assert "Point du matin" in body


def test_today_uses_assignments_when_present(client, login_as, crew, make, structure):
    other = make.employee(structure, first_name="Zoé", last_name="Renfort")
    make._save(Assignment(structure_id=structure.id, day=date.today(), employee_id=other.id,
                          worksite_id=crew["site"].id, team_id=crew["team"].id))
    login_as("supervisor")
    body = client.get("/aujourdhui/").get_data(as_text=True)
    assert "Zoé Renfort" in body
    assert "Amina Test" not in body


@pytest.mark.parametrize("role,status", [("supervisor", 200), ("coordinator", 200), ("director", 200),
                                         ("counsellor", 403), ("admin", 403)])
def test_today_access_by_role(client, login_as, crew, role, status):
    login_as(role)
    assert client.get("/aujourdhui/").status_code == status


def test_today_query_count_does_not_grow_with_team(app, client, login_as, crew, make, structure, users):
    login_as("supervisor")
    counts = []
    for batch in (1, 12):
        for _ in range(batch):
            person = make.employee(structure, referent_eti_id=users["supervisor"].id, team_id=crew["team"].id)
            with writing():
                app_db = make.db
                app_db.add(Attendance(structure_id=structure.id, employee_id=person.id, day=date.today(),
                                      status="present", recorded_by_id=users["supervisor"].id))
                app_db.commit()
        counts.append(count_queries(app, client, "/aujourdhui/"))
    assert counts[0] == counts[1]


def test_team_change_turns_referents_into_assignments(client, login_as, crew, make, structure, db):
    extra = make.employee(structure, first_name="Extra", last_name="Renfort")
    login_as("supervisor")
    response = post(client, f"/aujourdhui/equipe/{extra.id}", {"on": "1"}, htmx=True)
    assert response.status_code == 204
    rows = db.exec(select(Assignment).where(Assignment.day == date.today())).all()
    assert {r.employee_id for r in rows} == {p.id for p in crew["people"]} | {extra.id}
    post(client, f"/aujourdhui/equipe/{crew['people'][0].id}", {"on": "0"}, htmx=True)
    body = client.get("/aujourdhui/").get_data(as_text=True)
    assert "Extra Renfort" in body and "Amina Test" not in body


def test_one_tap_marks_attendance_and_answers_small_fragment(client, login_as, crew, db):
    login_as("supervisor")
    amina = crew["people"][0]
    response = post(client, f"/aujourdhui/presences/{amina.id}", {"status": "absent", "day": date.today().isoformat()},
                    htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body and len(body.encode()) < 5000
    assert 'value="absent" class="seg on" aria-pressed="true"' in body
    post(client, f"/aujourdhui/presences/{amina.id}", {"status": "absent", "day": date.today().isoformat()}, htmx=True)
    rows = db.exec(select(Attendance).where(Attendance.employee_id == amina.id)).all()
    assert len(rows) == 1 and rows[0].status == "absent"


def test_lateness_records_minutes(client, login_as, crew, db):
    login_as("supervisor")
    amina = crew["people"][0]
    post(client, f"/aujourdhui/presences/{amina.id}", {"status": "late"}, htmx=True)
    response = post(client, f"/aujourdhui/presences/{amina.id}", {"late_minutes": "15"}, htmx=True)
    assert "Retard : 15 min" in response.get_data(as_text=True)
    row = db.exec(select(Attendance).where(Attendance.employee_id == amina.id)).one()
    assert (row.status, row.late_minutes) == ("late", 15)


# Days computed when the test runs, not when it is collected: a run may cross midnight between the two.
@pytest.mark.parametrize("day_of,message", [
    (lambda today: today + timedelta(days=1), "futur"),
    (lambda today: today - timedelta(days=today.weekday() + 1), "semaine en cours"),
], ids=["tomorrow", "last-sunday"])
def test_attendance_outside_this_week_is_refused(client, login_as, crew, db, day_of, message):
    day = day_of(date.today())
    login_as("supervisor")
    response = post(client, f"/aujourdhui/presences/{crew['people'][0].id}",
                    {"status": "present", "day": day.isoformat()}, htmx=True)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.exec(select(Attendance)).all() == []


def test_attendance_for_another_structures_employee_is_404(client, login_as, crew, make):
    foreign = make.employee(make.structure("Autre"))
    login_as("supervisor")
    assert post(client, f"/aujourdhui/presences/{foreign.id}", {"status": "present"}, htmx=True).status_code == 404


def test_attendance_page_for_a_past_day_of_the_week(client, login_as, crew):
    login_as("supervisor")
    monday = date.today() - timedelta(days=date.today().weekday())
    assert client.get(f"/aujourdhui/presences?jour={monday.isoformat()}").status_code == 200
    assert client.get(f"/aujourdhui/presences?jour={(monday - timedelta(days=1)).isoformat()}").status_code == 404


def test_attendance_rates_count_present_and_late_over_expected_days(db, crew, structure, users, make):
    amina, bruno = crew["people"][:2]
    start = date.today() - timedelta(days=30)
    with writing():
        for offset, status in enumerate(["present", "present", "late", "absent", "excused"]):
            db.add(Attendance(structure_id=structure.id, employee_id=amina.id, day=start + timedelta(days=offset),
                              status=status, late_minutes=20 if status == "late" else None,
                              recorded_by_id=users["supervisor"].id))
        db.commit()
    rates = field.attendance.attendance_rates(db, structure_id=structure.id, employee_ids=[amina.id, bruno.id],
                                   start=start, end=date.today())
    assert rates[amina.id].rate == pytest.approx(3 / 4)
    assert rates[amina.id].late_minutes == 20
    assert rates[bruno.id].rate is None


def test_point_du_matin_is_saved_once_per_site_and_day(client, login_as, crew, db):
    login_as("supervisor")
    url = f"/aujourdhui/point/{crew['site'].id}"
    post(client, url, {"safety": "Gants obligatoires", "organisation": "Amina à la tonte"}, htmx=True)
    response = post(client, url, {"safety": "Gants et lunettes", "organisation": "Amina à la tonte"}, htmx=True)
    assert "Point du matin enregistré" in response.get_data(as_text=True)
    rows = db.exec(select(TeamBriefing)).all()
    assert len(rows) == 1 and rows[0].safety == "Gants et lunettes"


def test_overlong_briefing_is_refused_and_text_kept(client, login_as, crew, db):
    login_as("supervisor")
    response = post(client, f"/aujourdhui/point/{crew['site'].id}", {"safety": "x" * 1001, "organisation": "garde"},
                    htmx=True)
    assert response.status_code == 422
    assert "garde" in response.get_data(as_text=True)
    assert db.exec(select(TeamBriefing)).all() == []


def consigne(key=client_key("k"), **overrides):
    data = {"client_key": key, "category": "securite", "text": "Port des gants obligatoire", "target": "all"}
    data.update(overrides)
    return data


def test_consigne_to_the_team_answers_card_and_fresh_form(client, login_as, crew, db):
    login_as("supervisor")
    response = post(client, "/consignes/", consigne(), htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "compris par 0/4" in body
    assert 'id="instruction-form"' in body and 'hx-swap-oob="true"' in body
    assert len(body.encode()) < 8600  # the card, its « Annuler » form and the fresh form
    instruction = db.exec(select(Instruction)).one()
    assert len(db.exec(select(InstructionAck).where(InstructionAck.instruction_id == instruction.id)).all()) == 4


def test_double_submit_of_a_consigne_records_it_once(client, login_as, crew, db):
    login_as("supervisor")
    first = post(client, "/consignes/", consigne(), htmx=True)
    second = post(client, "/consignes/", consigne(), htmx=True)
    assert first.status_code == second.status_code == 200
    assert len(db.exec(select(Instruction)).all()) == 1


def test_consigne_to_chosen_people_and_acknowledgements(client, login_as, crew, db):
    login_as("supervisor")
    amina, bruno = crew["people"][:2]
    post(client, "/consignes/", consigne(target="chosen", employee_ids=[str(amina.id), str(bruno.id)]), htmx=True)
    instruction = db.exec(select(Instruction)).one()
    response = post(client, f"/consignes/{instruction.id}/compris", {"employee_id": amina.id}, htmx=True)
    assert "compris par 1/2" in response.get_data(as_text=True)
    response = post(client, f"/consignes/{instruction.id}/compris", {"tous": "1"}, htmx=True)
    assert "compris par 2/2" in response.get_data(as_text=True)
    response = post(client, f"/consignes/{instruction.id}/compris", {"employee_id": bruno.id, "understood": "0"},
                    htmx=True)
    assert "compris par 1/2" in response.get_data(as_text=True)


def test_ack_for_someone_who_did_not_receive_the_consigne_is_404(client, login_as, crew, db):
    login_as("supervisor")
    amina, bruno = crew["people"][:2]
    post(client, "/consignes/", consigne(target="chosen", employee_ids=[str(amina.id)]), htmx=True)
    instruction = db.exec(select(Instruction)).one()
    assert post(client, f"/consignes/{instruction.id}/compris", {"employee_id": bruno.id}, htmx=True).status_code == 404


@pytest.mark.parametrize("overrides,message", [
    ({"text": "  "}, "Écrivez la consigne"),
    ({"text": "x" * 501}, "500 caractères"),
    ({"category": "inconnue"}, "Choisissez une catégorie"),
    ({"target": "chosen"}, "au moins une personne"),
])
def test_invalid_consigne_answers_422_in_the_form(client, login_as, crew, db, overrides, message):
    login_as("supervisor")
    response = post(client, "/consignes/", consigne(**overrides), htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body
    assert response.headers["HX-Retarget"] == "#instruction-form"
    assert db.exec(select(Instruction)).all() == []


def test_consigne_for_another_structures_employee_is_404(client, login_as, crew, make, db):
    foreign = make.employee(make.structure("Autre"))
    login_as("supervisor")
    response = post(client, "/consignes/", consigne(target="chosen", employee_ids=[str(foreign.id)]), htmx=True)
    assert response.status_code == 404
    assert db.exec(select(Instruction)).all() == []


def test_consigne_without_key_is_refused(client, login_as, crew):
    login_as("supervisor")
    assert post(client, "/consignes/", consigne(key=""), htmx=True).status_code == 400


def test_saved_template_is_reused_in_one_tap(client, login_as, crew, db):
    login_as("supervisor")
    post(client, "/consignes/", consigne(save_template="1"), htmx=True)
    template = db.exec(select(InstructionTemplate)).one()
    today_page = client.get("/aujourdhui/").get_data(as_text=True)
    assert "Port des gants obligatoire" in today_page
    # Said in words on screen, not only to screen readers: one tap gives it to the whole team.
    assert "un toucher la donne à toute l'équipe" in today_page and "Donner à tous :" in today_page
    response = post(client, "/consignes/", {"client_key": client_key("t"), "template_id": template.id}, htmx=True)
    assert response.status_code == 200
    db.rollback()
    assert len(db.exec(select(Instruction)).all()) == 2


def test_unacknowledged_consignes_stay_on_today(client, login_as, crew):
    login_as("supervisor")
    post(client, "/consignes/", consigne(text="Ranger le local"), htmx=True)
    body = client.get("/aujourdhui/").get_data(as_text=True)
    assert "Ranger le local" in body and "compris par 0/4" in body


def test_demo_seed_brings_two_weeks_of_field_life(app, db, client, auth):
    from tests.conftest import PASSWORD
    from webapp.demo import DEMO_EMAILS, seed_demo_data
    from webapp.models import Observation, Photo, ProductionTask

    with app.app_context(), writing():
        seed_demo_data(db, PASSWORD, today=date.today())
        db.commit()
    assert len(db.exec(select(Attendance).where(Attendance.status == "absent")).all()) > 0
    assert {o.tone for o in db.exec(select(Observation)).all()} == {"positive", "neutre", "preoccupante"}
    assert db.exec(select(Photo)).first() is not None
    assert db.exec(select(ProductionTask)).first() is not None
    auth.login(DEMO_EMAILS["supervisor"])
    assert client.get("/").status_code == 200
    auth.logout()
    auth.login(DEMO_EMAILS["counsellor"])
    assert client.get("/observations/fil").status_code == 200


def test_today_first_visit_weighs_under_100_kb_compressed(app, client, login_as, crew, make, structure, users):
    import gzip
    from pathlib import Path

    for _ in range(4):
        make.employee(structure, referent_eti_id=users["supervisor"].id, team_id=crew["team"].id)
    login_as("supervisor")
    post(client, "/consignes/", consigne(), htmx=True)
    html = client.get("/aujourdhui/").data
    static = Path(app.static_folder)
    assets = [static / "css/terrain.css", static / "js/terrain.js", static / "vendor/htmx-2.0.11.min.js",
              static / "icons/field.svg", static / "icons/sprite.svg"]
    total = len(gzip.compress(html)) + sum(len(gzip.compress(p.read_bytes())) for p in assets)
    assert total < 100 * 1024, total


def test_today_card_shows_the_five_things_checked_before_the_shift(app, client, login_as, crew, users, structure):
    """Goals, skills being worked on, constraints, the open alert and the last observation, in one flat request."""
    amina, bruno = crew["people"][0], crew["people"][1]
    with writing():
        db = make_session(app)
        skills.ensure_frameworks(db, structure.id)
        skill = db.exec(select(Skill).where(Skill.structure_id == structure.id)).first()
        skills.record_rating(db, employee=bruno, skill=skill, level=2, user=users["supervisor"])
        alert, _ = alerts.raise_alert(db=db, raiser=users["supervisor"], employee_id=amina.id, type_code="sante",
                                      facts="Malaise sur le chantier", client_key=uuid.uuid4().hex)
        db.commit()
        db.close()
    login_as("supervisor")
    body = client.get("/aujourdhui/").get_data(as_text=True)
    assert "Alerte ouverte" in body and f"/alertes/{alert.id}" in body
    assert "Compétences<span class=\"sr-only\"> travaillées" in body and skill.label in body
    assert f"/competences/salaries/{bruno.id}/evaluer?competence={skill.code}#c-{skill.code}" in body  # rate in 2 taps
    assert body.count("Alerte ouverte") == 1
    with_data = count_queries(app, client, "/aujourdhui/")
    with writing():
        db = make_session(app)
        for person in crew["people"][2:]:
            skills.record_rating(db, employee=person, skill=skill, level=1, user=users["supervisor"])
            alerts.raise_alert(db=db, raiser=users["supervisor"], employee_id=person.id, type_code="sante",
                               facts="x", client_key=uuid.uuid4().hex)
        db.commit()
        db.close()
    assert count_queries(app, client, "/aujourdhui/") == with_data


def test_the_day_is_the_structures_day_not_the_servers(client, login_as, crew, structure, db):
    """Nouméa is eleven hours ahead of Paris and Pago Pago eleven behind: at any hour one of them is on another
    day than the server. Attendance and consignes go to the day the supervisor is living."""
    paris = dates.today("Europe/Paris")
    zone = next(name for name in ("Pacific/Kiritimati", "Pacific/Pago_Pago") if dates.today(name) != paris)
    with writing():
        structure.timezone = zone
        db.add(structure)
        db.commit()
    local = dates.today(zone)
    amina = crew["people"][0]
    login_as("supervisor")
    page = client.get("/aujourdhui/presences").get_data(as_text=True)
    assert f"att-{amina.id}-{local.isoformat()}" in page and f"att-{amina.id}-{paris.isoformat()}" not in page
    response = post(client, f"/aujourdhui/presences/{amina.id}", {"status": "present"}, htmx=True)
    assert response.status_code == 200
    db.rollback()
    assert [a.day for a in db.exec(select(Attendance)).all()] == [local]


def test_cards_read_in_one_statement_give_each_list_as_read_alone(db, crew, structure, users):
    """The cards' lists come from one statement, rows of every kind mixed: each person gets their own, in the order
    each list is shown in (objectives soonest due first, constraints oldest first, skills by label, the newest open
    alert), whatever order the rows were stored in."""
    amina, bruno, chloe = crew["people"][:3]
    supervisor, counsellor = users["supervisor"], users["counsellor"]
    today = date.today()
    now = utcnow()
    skills.ensure_frameworks(db, structure.id)
    # Skills stored in reverse label order, one acquired (not being worked on).
    chosen = sorted(db.exec(select(Skill).where(Skill.structure_id == structure.id)).all(), key=lambda s: s.label)[:4]
    for level, skill in zip((1, 2, 3, 1), reversed(chosen)):
        skills.record_rating(db, employee=amina, skill=skill, level=level, user=supervisor)
    for days, text in ((30, "Objectif tard"), (None, "Objectif sans date"), (3, "Objectif bientôt")):
        db.add(Goal(structure_id=structure.id, employee_id=bruno.id, text=text, created_by_id=counsellor.id,
                    due_date=today + timedelta(days=days) if days else None))
    for hours, text in ((1, "Pas de port de charges"), (48, "Pas de travail en hauteur")):
        db.add(WorkConstraint(structure_id=structure.id, employee_id=bruno.id, text=text,
                              created_by_id=counsellor.id, created_at=now - timedelta(hours=hours)))
    raised = []
    for hours in (5, 1, 30):  # the newest stored neither first nor last
        alert, _ = alerts.raise_alert(db=db, raiser=supervisor, employee_id=chloe.id, type_code="sante", facts="x",
                                      client_key=uuid.uuid4().hex)
        alert.raised_at = now - timedelta(hours=hours)
        db.add(alert)
        raised.append(alert)
    db.commit()
    ids = [amina.id, bruno.id, chloe.id, crew["people"][3].id]
    cards = {card.employee.id: card for card in field.today.team_cards(db, user=supervisor, employees=crew["people"],
                                                                        day=today)}
    goals, constraints = field.today.followup.card_notes(db, user=supervisor, employee_ids=ids)
    working = skills.working_skills(db, ids)
    integration = followup.integration_left(db, structure_id=structure.id, employee_ids=ids, today=today)
    open_alerts = alerts.unresolved_by_employee(db, structure_id=structure.id, employee_ids=ids)
    for person in ids:
        card = cards[person]
        assert card.objectives == goals.get(person, []) and card.constraints == constraints.get(person, [])
        assert card.skills == working[person][:3] and card.integration_left == integration.get(person)
        assert card.open_alert == open_alerts.get(person)
    expected_skills = [s.label for s, level in zip(reversed(chosen), (1, 2, 3, 1)) if level < 3]
    assert [s.label for s in cards[amina.id].skills] == sorted(expected_skills)
    assert cards[bruno.id].objectives == ["Objectif bientôt", "Objectif tard", "Objectif sans date"]
    assert cards[bruno.id].constraints == ["Pas de travail en hauteur", "Pas de port de charges"]
    assert cards[chloe.id].open_alert.id == raised[1].id and cards[amina.id].open_alert is None
    assert cards[amina.id].integration_left is not None  # their first weeks: every welcome step is left
    assert cards[amina.id].objectives == [] and cards[chloe.id].skills == []

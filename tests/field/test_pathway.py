"""The parcours timeline shows every kind (observations, consignes, attendance, alerts, ratings, objectives and
their changes, bilans) to whoever may read it, with filters that work as plain links, paged by keyset."""
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event
from sqlmodel import select

from tests.conftest import client_key, post
from tests.field.test_observations import observation
from webapp.domain.field import pathway
from webapp.domain.skills import skills
from webapp.models import (
    Alert,
    AlertRecipient,
    Attendance,
    Goal,
    GoalChange,
    Instruction,
    InstructionAck,
    Review,
    Skill,
    utcnow,
)
from webapp.platform.db import get_engine, writing


def every_kind(db, structure, person, users, days_ago=0, sensitive_goal=False):
    """One event of each kind about `person`, `days_ago` days back."""
    when = utcnow() - timedelta(days=days_ago)
    day = when.date()
    supervisor, counsellor = users["supervisor"], users["counsellor"]
    with writing():
        skills.ensure_frameworks(db, structure.id)
        skill = db.exec(select(Skill).where(Skill.structure_id == structure.id)).first()
        skills.record_rating(db, employee=person, skill=skill, level=2, user=supervisor, at=when)
        alert = Alert(structure_id=structure.id, employee_id=person.id, type_code="sante", severity="haute",
                      raised_by_id=supervisor.id, raised_at=when, received_at=when, client_key=uuid.uuid4().hex)
        db.add(alert)
        goal = Goal(structure_id=structure.id, employee_id=person.id, text=f"Arriver à l'heure {days_ago}",
                    created_by_id=counsellor.id, created_at=when, sensitive=sensitive_goal)
        db.add(goal)
        db.flush()
        db.add(AlertRecipient(structure_id=structure.id, alert_id=alert.id, user_id=counsellor.id, reason="cip"))
        db.add(GoalChange(structure_id=structure.id, goal_id=goal.id, changed_by_id=counsellor.id, changed_at=when,
                          summary="Échéance : 31/12 → 31/01"))
        db.add(Review(structure_id=structure.id, employee_id=person.id, kind="intermediaire", due_date=day,
                      period_start=day - timedelta(days=90), period_end=day, created_by_id=counsellor.id,
                      created_at=when))
        db.add(Attendance(structure_id=structure.id, employee_id=person.id, day=day, status="late", late_minutes=10,
                          recorded_by_id=supervisor.id))
        instruction = Instruction(structure_id=structure.id, day=day, category="securite", text="Gants",
                                  given_by_id=supervisor.id, client_key=uuid.uuid4().hex)
        db.add(instruction)
        db.flush()
        db.add(InstructionAck(structure_id=structure.id, instruction_id=instruction.id, employee_id=person.id,
                              acknowledged_at=when, acknowledged_by_id=supervisor.id))
        db.commit()


def test_the_counsellor_sees_every_kind_in_the_parcours(client, auth, login_as, crew, db, structure, users):
    amina = crew["people"][0]
    every_kind(db, structure, amina, users)
    login_as("supervisor")
    post(client, "/observations/", observation([amina], key=client_key("tl")), htmx=True)
    auth.logout()
    login_as("counsellor")
    body = client.get(f"/salaries/{amina.id}/parcours").get_data(as_text=True)
    for seen in ("A taillé la haie seul", "Consigne comprise", "En retard", "Alerte : ", "Compétence évaluée",
                 "Objectif fixé", "Objectif modifié", "Échéance : 31/12 → 31/01", "Bilan intermédiaire"):
        assert seen in body, seen
    assert "UTC" not in body


def test_the_supervisor_sees_no_bilan_and_no_sensitive_objective(client, login_as, crew, db, structure, users):
    amina = crew["people"][0]
    every_kind(db, structure, amina, users, sensitive_goal=True)
    login_as("supervisor")
    body = client.get(f"/salaries/{amina.id}/parcours").get_data(as_text=True)
    assert "Compétence évaluée" in body and "Alerte : " in body
    assert "Bilan intermédiaire" not in body and ">Bilans</a>" not in body
    assert "Arriver à l'heure" not in body
    assert client.get(f"/salaries/{amina.id}/parcours?type=review").get_data(as_text=True).count("Bilan ") == 0


def test_filters_are_links_that_keep_the_dates_and_show_one_kind(client, login_as, crew, db, structure, users):
    amina = crew["people"][0]
    every_kind(db, structure, amina, users)
    login_as("counsellor")
    page = client.get(f"/salaries/{amina.id}/parcours?du=2000-01-01").get_data(as_text=True)
    assert f'href="/salaries/{amina.id}/parcours?type=goal&amp;du=2000-01-01"' in page  # works without JavaScript
    goals = client.get(f"/salaries/{amina.id}/parcours?type=goal").get_data(as_text=True)
    assert "Objectif fixé" in goals and "Objectif modifié" in goals
    assert "Compétence évaluée" not in goals and "Alerte : " not in goals
    assert 'aria-current="true">Objectifs</a>' in goals


def test_the_timeline_of_every_kind_pages_by_keyset_without_gaps_or_duplicates(db, crew, structure, users):
    amina = crew["people"][0]
    for days_ago in (0, 1, 3):
        every_kind(db, structure, amina, users, days_ago=days_ago)
    whole, _ = pathway.timeline(db, user=users["counsellor"], employee=amina, limit=500)
    assert {e.kind for e in whole} == set(pathway.KINDS) - {"observation"}
    seen, cursor = [], None
    while True:
        entries, cursor = pathway.timeline(db, user=users["counsellor"], employee=amina, cursor=cursor, limit=4)
        seen += [(e.kind, e.id) for e in entries]
        if cursor is None:
            break
    assert seen == [(e.kind, e.id) for e in whole]
    assert [e.day for e in whole] == sorted((e.day for e in whole), reverse=True)


def test_the_parcours_query_count_does_not_grow_with_every_kind_of_history(app, client, login_as, crew, db,
                                                                         structure, users):
    amina = crew["people"][0]
    every_kind(db, structure, amina, users)
    login_as("counsellor")
    counts = []
    for round_ in range(2):
        if round_:
            for days_ago in range(1, 25):
                every_kind(db, structure, amina, users, days_ago=days_ago)
        statements = []

        def listener(*args, statements=statements):
            statements.append(args[2])

        event.listen(get_engine(app), "before_cursor_execute", listener)
        try:
            assert client.get(f"/salaries/{amina.id}/parcours").status_code == 200
        finally:
            event.remove(get_engine(app), "before_cursor_execute", listener)
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_a_day_filter_applies_to_dated_kinds(db, crew, structure, users):
    amina = crew["people"][0]
    every_kind(db, structure, amina, users, days_ago=10)
    every_kind(db, structure, amina, users, days_ago=0)
    today = date.today()
    entries, _ = pathway.timeline(db, user=users["counsellor"], employee=amina, start=today - timedelta(days=2))
    assert entries and all(e.day >= today - timedelta(days=2) for e in entries)
    assert {e.kind for e in entries} == set(pathway.KINDS) - {"observation"}


def test_timestamped_entries_fall_on_the_structures_day(db, crew, structure, users):
    """An alert raised at 21:30 UTC is on the next day in Nouméa (UTC+11): shown and filtered there."""
    amina = crew["people"][0]
    raised = datetime(2026, 11, 20, 21, 30, tzinfo=UTC)
    with writing():
        db.add(Alert(structure_id=structure.id, employee_id=amina.id, type_code="sante", severity="haute",
                     raised_by_id=users["supervisor"].id, raised_at=raised, received_at=raised,
                     client_key=uuid.uuid4().hex))
        db.commit()
    director = users["director"]
    noumea = date(2026, 11, 21)
    entries, _ = pathway.timeline(db, user=director, employee=amina, kinds={"alert"}, tz="Pacific/Noumea")
    assert [e.day for e in entries] == [noumea]
    inside, _ = pathway.timeline(db, user=director, employee=amina, kinds={"alert"}, tz="Pacific/Noumea",
                                 start=noumea, end=noumea)
    before, _ = pathway.timeline(db, user=director, employee=amina, kinds={"alert"}, tz="Pacific/Noumea",
                                 start=noumea - timedelta(days=1), end=noumea - timedelta(days=1))
    assert len(inside) == 1 and before == []
    paris, _ = pathway.timeline(db, user=director, employee=amina, kinds={"alert"}, tz="Europe/Paris")
    assert [e.day for e in paris] == [date(2026, 11, 20)]  # 22:30 (or 23:30 in summer) in Paris: still the 20th


def test_ratings_and_alerts_page_by_local_day_whatever_order_they_were_stored_in(db, crew, structure, users):
    """The pages of timestamped kinds are found from the newest times only (`_Kinds._recent`): rows stored out of
    time order, several on a day, some on either side of a local midnight, still come in (day, id) order, each once,
    with and without a period, in a zone far from UTC."""
    amina, director = crew["people"][0], users["director"]
    base = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    # Hours from `base`, in the order of their ids: a day of six ratings, night hours around Nouméa's midnight
    # (13:00 UTC), and gaps of weeks.
    hours = [0, -30 * 24, 1, 2, -3, 12.5, 13.5, -24 * 40, 3, 4, 5, 11, -11, -24 * 41 + 1, 14, 60, -2 * 24, -1]
    with writing():
        skills.ensure_frameworks(db, structure.id)
        skill = db.exec(select(Skill).where(Skill.structure_id == structure.id)).first()
        for index, offset in enumerate(hours):
            when = base + timedelta(hours=offset)
            skills.record_rating(db, employee=amina, skill=skill, level=1 + index % 3, user=users["supervisor"],
                                 at=when)
            db.add(Alert(structure_id=structure.id, employee_id=amina.id, type_code="sante", severity="haute",
                         raised_by_id=users["supervisor"].id, raised_at=when, received_at=when,
                         client_key=uuid.uuid4().hex))
        db.commit()
    for tz in ("Pacific/Noumea", "America/Cayenne"):
        local = pathway.LocalDay.of(tz)
        for start, end in ((None, None), (date(2026, 5, 2), date(2026, 6, 2)), (None, date(2026, 6, 1))):
            whole, _ = pathway.timeline(db, user=director, employee=amina, kinds={"rating", "alert"}, tz=tz,
                                        start=start, end=end, limit=500)
            expected = sorted(((local.of_value(base + timedelta(hours=h)), kind) for h in hours
                               for kind in ("rating", "alert")
                               if (start is None or local.of_value(base + timedelta(hours=h)) >= start)
                               and (end is None or local.of_value(base + timedelta(hours=h)) <= end)),
                              key=lambda pair: (pair[0], pathway.KINDS[pair[1]][1]), reverse=True)
            assert [(e.day, e.kind) for e in whole] == expected
            assert [e.sort_key for e in whole] == sorted((e.sort_key for e in whole), reverse=True)
            for limit in (1, 2, 3, 5):
                seen, cursor = [], None
                while True:
                    entries, cursor = pathway.timeline(db, user=director, employee=amina, kinds={"rating", "alert"},
                                                       tz=tz, start=start, end=end, cursor=cursor, limit=limit)
                    assert len(entries) <= limit
                    seen += [(e.kind, e.id) for e in entries]
                    if cursor is None:
                        break
                assert seen == [(e.kind, e.id) for e in whole], (tz, start, end, limit)


def test_the_parcours_shows_attendance_over_thirty_days_and_since_entry(client, login_as, crew, db, structure,
                                                                        users):
    amina = crew["people"][0]
    today = date.today()
    with writing():
        for days_ago, status, late in ((45, "absent", None), (40, "excused", None), (10, "late", 15), (5, "present", None),
                                       (-1, "absent", None)):  # tomorrow's is not counted yet
            db.add(Attendance(structure_id=structure.id, employee_id=amina.id, day=today - timedelta(days=days_ago),
                              status=status, late_minutes=late, recorded_by_id=users["supervisor"].id))
        db.commit()
    login_as("supervisor")
    body = client.get(f"/salaries/{amina.id}/parcours").get_data(as_text=True)
    recent = body.split("Assiduité, 30 derniers jours</dt>")[1].split("</dd>")[0]
    overall = body.split("Assiduité, depuis l&#39;entrée</dt>")[1].split("</dd>")[0]
    assert "<strong>100 %</strong> · 0 absence, 1 retard" in recent and "excusée" not in recent
    assert "<strong>67 %</strong> · 1 absence, 1 retard, 1 excusée" in overall

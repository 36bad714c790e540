"""The phone's time of a capture made offline (happened_at): believed within the session, else the server's.

Every capture kind the outbox may replay records it: attendance, production (job and day notes), the point du
matin, a skill rating (one person, a group).
"""
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlmodel import select

from tests.conftest import client_key, post
from webapp.domain.skills import skills as skill_service
from webapp.models import (
    Attendance,
    ProductionLog,
    ProductionTask,
    Skill,
    SkillRating,
    TeamBriefing,
    UserSession,
    utcnow,
)
from webapp.platform.db import writing


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive UTC times."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def a_skill(db, structure) -> Skill:
    """An active skill of the structure's frameworks."""
    with writing():
        skill_service.ensure_frameworks(db, structure.id)
        db.commit()
    return db.exec(select(Skill).where(Skill.structure_id == structure.id, Skill.active.is_(True))).first()


def send_attendance(client, db, crew, structure, sent):
    person = crew["people"][0]
    post(client, f"/aujourdhui/presences/{person.id}",
         {"status": "present", "day": date.today().isoformat(), **sent}, htmx=True)
    db.rollback()
    return db.exec(select(Attendance).where(Attendance.employee_id == person.id)).one().recorded_at


def send_production_task(client, db, crew, structure, sent):
    url = f"/production/{crew['site'].id}/{date.today().isoformat()}/taches"
    response = post(client, url, {"client_key": client_key("task"), "task": "Taille de haie", "unit": "m",
                                  "planned_quantity": "40", **sent}, htmx=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    db.rollback()
    return db.exec(select(ProductionTask)).one().created_at


def send_production_log(client, db, crew, structure, sent):
    url = f"/production/{crew['site'].id}/{date.today().isoformat()}/journal"
    response = post(client, url, {"weather": "Pluie l'après-midi", **sent}, htmx=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    db.rollback()
    return db.exec(select(ProductionLog)).one().updated_at


def send_briefing(client, db, crew, structure, sent):
    response = post(client, f"/aujourdhui/point/{crew['site'].id}", {"safety": "Gants et lunettes", **sent}, htmx=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    db.rollback()
    return db.exec(select(TeamBriefing)).one().updated_at


def send_rating(client, db, crew, structure, sent):
    skill = a_skill(db, structure)
    response = post(client, f"/competences/salaries/{crew['people'][0].id}/evaluer",
                    {"client_key": str(uuid.uuid4()), "skill_id": str(skill.id), "level": "2", **sent}, htmx=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    db.rollback()
    return db.exec(select(SkillRating)).one().rated_at


def send_group_rating(client, db, crew, structure, sent):
    skill = a_skill(db, structure)
    response = post(client, f"/competences/groupe/{skill.id}",
                    {"client_key": str(uuid.uuid4()), "chantier": str(crew["site"].id), "employee_ids": [str(p.id) for p in crew["people"][:2]],
                     "level": "3", **sent})
    assert response.status_code == 303, response.get_data(as_text=True)
    db.rollback()
    moments = {r.rated_at for r in db.exec(select(SkillRating)).all()}
    assert len(moments) == 1  # the whole group at the same time
    return moments.pop()


KINDS = [send_attendance, send_production_task, send_production_log, send_briefing, send_rating, send_group_rating]
KIND_IDS = ["attendance", "production-task", "production-log", "briefing", "rating", "group-rating"]


def recorded_at(client, db, crew, structure, kind, happened_at: str) -> datetime:
    """Send one capture of `kind` carrying the phone's `happened_at`; the time the server recorded."""
    return aware(kind(client, db, crew, structure, {"happened_at": happened_at}))


@pytest.fixture
def session_started(client, login_as, db):
    """Log the supervisor in with a session that began two hours ago."""
    login_as("supervisor")
    row = db.exec(select(UserSession).order_by(UserSession.id.desc())).first()
    row.created_at = utcnow() - timedelta(hours=2)
    db.add(row)
    db.commit()
    return row.created_at


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_the_phones_time_within_the_session_is_recorded(client, session_started, crew, structure, db, kind):
    phone_time = (utcnow() - timedelta(minutes=40)).replace(microsecond=0)
    moment = recorded_at(client, db, crew, structure, kind, phone_time.isoformat().replace("+00:00", "Z"))
    assert moment == phone_time


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
@pytest.mark.parametrize("offset", [timedelta(hours=1), timedelta(hours=-3)], ids=["future", "before-session"])
def test_a_time_outside_the_session_is_replaced_by_the_servers(client, session_started, crew, structure, db,
                                                               offset, kind):
    before = utcnow()
    moment = recorded_at(client, db, crew, structure, kind, (before + offset).isoformat())
    assert before - timedelta(seconds=1) <= moment <= utcnow()


@pytest.mark.parametrize("value", ["", "hier", "2026-11-30T10:00:00"], ids=["empty", "garbage", "naive"])
def test_a_missing_or_unreadable_time_is_the_servers(client, session_started, crew, structure, db, value):
    before = utcnow()
    moment = recorded_at(client, db, crew, structure, send_attendance, value)
    assert before - timedelta(seconds=1) <= moment <= utcnow()


def test_a_point_du_matin_sent_the_next_day_belongs_to_the_day_it_was_typed(client, login_as, crew, structure, db):
    typed = datetime(2026, 11, 30, 22, 30, tzinfo=UTC)  # 23:30 in Paris, on the 30th
    with time_machine.travel(typed - timedelta(minutes=30), tick=False):
        login_as("supervisor")
    with time_machine.travel(typed + timedelta(hours=9), tick=False):  # sent the next morning, 08:30 in Paris
        session = db.exec(select(UserSession).order_by(UserSession.id.desc())).first()
        session.last_seen_at = utcnow()  # still active: the phone was not idle
        db.add(session)
        db.commit()
        response = post(client, f"/aujourdhui/point/{crew['site'].id}",
                        {"safety": "Gants", "happened_at": typed.isoformat()}, htmx=True)
    assert response.status_code == 200
    db.rollback()
    briefing = db.exec(select(TeamBriefing)).one()
    assert (briefing.day, aware(briefing.updated_at)) == (date(2026, 11, 30), typed)

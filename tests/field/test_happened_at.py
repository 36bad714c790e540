"""The phone's time of a capture made offline (happened_at): believed within the session, else the server's."""
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from tests.conftest import post
from webapp.models import Attendance, UserSession, utcnow


def recorded_at(client, db, employee, happened_at: str) -> datetime:
    post(client, f"/aujourdhui/presences/{employee.id}",
         {"status": "present", "day": date.today().isoformat(), "happened_at": happened_at}, htmx=True)
    db.rollback()
    moment = db.exec(select(Attendance).where(Attendance.employee_id == employee.id)).one().recorded_at
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@pytest.fixture
def session_started(client, login_as, db):
    """Log the supervisor in with a session that began two hours ago."""
    login_as("supervisor")
    row = db.exec(select(UserSession).order_by(UserSession.id.desc())).first()
    row.created_at = utcnow() - timedelta(hours=2)
    db.add(row)
    db.commit()
    return row.created_at


def test_the_phones_time_within_the_session_is_recorded(client, session_started, crew, db):
    phone_time = (utcnow() - timedelta(minutes=40)).replace(microsecond=0)
    assert recorded_at(client, db, crew["people"][0], phone_time.isoformat().replace("+00:00", "Z")) == phone_time


@pytest.mark.parametrize("offset", [timedelta(hours=1), timedelta(hours=-3)], ids=["future", "before-session"])
def test_a_time_outside_the_session_is_replaced_by_the_servers(client, session_started, crew, db, offset):
    before = utcnow()
    moment = recorded_at(client, db, crew["people"][0], (before + offset).isoformat())
    assert before - timedelta(seconds=1) <= moment <= utcnow()


@pytest.mark.parametrize("value", ["", "hier", "2026-11-30T10:00:00"], ids=["empty", "garbage", "naive"])
def test_a_missing_or_unreadable_time_is_the_servers(client, session_started, crew, db, value):
    before = utcnow()
    moment = recorded_at(client, db, crew["people"][0], value)
    assert before - timedelta(seconds=1) <= moment <= utcnow()

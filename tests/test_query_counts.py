"""Every main page and fragment runs as many SQL statements with ten times the history as with the demo's.

The demo structure is loaded once; each screen is counted (after a first visit that may write once), then the
structure's history (observations, attendance, consignes, ratings, alerts, production...) is copied nine times
further back in time, and each screen is counted again.
"""
from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import Date, DateTime, event, insert, select, text
from sqlmodel import Session, SQLModel

from tests.conftest import TOTP_SECRETS, AuthActions, build_app, forget_used_codes
from webapp.demo import DEMO_EMAILS, seed_demo_data
from webapp.domain.field.observations import record_observation
from webapp.models import Alert, Employee, LearningSession, Review, User, Worksite
from webapp.platform.db import get_engine, writing

PASSWORD = "query counts demo password"
# Copied nine times, in this order (a row may point at a row of a table above it).
HISTORY = ["observation", "observation_employee", "attendance", "assignment", "team_briefing", "instruction",
           "instruction_ack", "skill_rating", "alert", "alert_recipient", "alert_event", "production_task",
           "production_log"]
COPIES = 9
SHIFT_DAYS = 16  # the demo holds two weeks: each copy lies before the previous one


def _grow_history(db: Session, structure_id: int) -> None:
    """Make the structure's history ten times longer: nine shifted copies of every history row."""
    tables = SQLModel.metadata.tables
    originals = {name: db.execute(select(tables[name]).where(tables[name].c.structure_id == structure_id)
                                  .order_by(*tables[name].primary_key.columns)).mappings().all()
                 for name in HISTORY}
    for n in range(1, COPIES + 1):
        new_ids: dict[str, dict[int, int]] = {name: {} for name in HISTORY}
        for name in HISTORY:
            table = tables[name]
            for row in originals[name]:
                values = dict(row)
                for column in table.columns:
                    value = values[column.name]
                    if value is None:
                        continue
                    if isinstance(column.type, (Date, DateTime)):
                        values[column.name] = value - timedelta(days=SHIFT_DAYS * n)
                    elif column.name == "client_key":
                        values[column.name] = f"{value[:50]}-copy{n}"
                    for key in column.foreign_keys:
                        target = key.column.table.name
                        if target in new_ids:
                            values[column.name] = new_ids[target].get(value, value)
                old_id = values.pop("id", None)
                result = db.execute(insert(table).values(**values))
                if old_id is not None:
                    new_ids[name][old_id] = result.inserted_primary_key[0]
    db.commit()


class Counter:
    """Counts the SQL statements sent while it is on."""

    def __init__(self, engine):
        self.engine, self.statements = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *_args):
        self.statements += 1


def _token(client) -> str:
    page = client.get("/compte/").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def _screens(ids: dict) -> dict[str, tuple]:
    """name -> (role, method, URL, form data or None, htmx)."""
    today = date.today().isoformat()

    def observation():
        return {"client_key": uuid.uuid4().hex, "employee_ids": [str(ids["employee"])], "category": "technique",
                "tone": "positive", "visibility": "team", "text": "Coupe nette.", "observed_on": today}

    def consigne():
        return {"client_key": uuid.uuid4().hex, "category": "epi", "text": "Gants pour tout le monde",
                "target": "all", "worksite_id": str(ids["site"])}

    employee, alert = ids["employee"], ids["alert"]
    return {
        "supervisor home (Today)": ("supervisor", "GET", "/", None, False),
        "Today": ("supervisor", "GET", "/aujourdhui/", None, False),
        "attendance of the day": ("supervisor", "GET", "/aujourdhui/presences", None, False),
        "team of the day": ("supervisor", "GET", "/aujourdhui/equipe", None, False),
        "attendance tap (fragment)": ("supervisor", "POST", f"/aujourdhui/presences/{employee}",
                                      lambda: {"status": "present", "day": today}, True),
        "consigne capture (fragment)": ("supervisor", "POST", "/consignes/", consigne, True),
        "observation form": ("supervisor", "GET", f"/observations/nouvelle?salarie={employee}", None, False),
        "observation capture (fragment)": ("supervisor", "POST", "/observations/", observation, True),
        "employees": ("supervisor", "GET", "/salaries/", None, False),
        "employee": ("supervisor", "GET", f"/salaries/{employee}", None, False),
        "timeline page": ("supervisor", "GET", f"/salaries/{employee}/parcours", None, False),
        "timeline (fragment)": ("supervisor", "GET", f"/salaries/{employee}/parcours?type=observation", None, True),
        "timeline, counsellor": ("counsellor", "GET", f"/salaries/{employee}/parcours", None, False),
        "skills matrix": ("supervisor", "GET", "/competences/", None, False),
        "skills progress": ("supervisor", "GET", f"/competences/salaries/{employee}", None, False),
        "skills rating form": ("supervisor", "GET", f"/competences/salaries/{employee}/evaluer", None, False),
        "learning sessions": ("supervisor", "GET", "/seances/", None, False),
        "learning session": ("supervisor", "GET", f"/seances/{ids['session']}", None, False),
        "production": ("supervisor", "GET", "/production/", None, False),
        "production week": ("coordinator", "GET", "/production/semaine", None, False),
        "counsellor home": ("counsellor", "GET", "/", None, False),
        "feed": ("counsellor", "GET", "/observations/fil", None, False),
        "feed (fragment)": ("counsellor", "GET", "/observations/fil", None, True),
        "alerts inbox": ("counsellor", "GET", "/alertes/", None, False),
        "alerts inbox polling (fragment)": ("counsellor", "GET", "/alertes/", None, True),
        "alerts badge (fragment)": ("counsellor", "GET", "/alertes/badge", None, True),
        "alert": ("counsellor", "GET", f"/alertes/{alert}", None, False),
        "alert status (fragment)": ("counsellor", "GET", f"/alertes/{alert}/statut", None, True),
        "follow-up": ("counsellor", "GET", f"/suivi/salaries/{employee}", None, False),
        "reviews": ("counsellor", "GET", "/bilans/", None, False),
        "review": ("counsellor", "GET", f"/bilans/{ids['review']}", None, False),
        "deadlines": ("counsellor", "GET", "/echeances/", None, False),
        "coordinator home": ("coordinator", "GET", "/", None, False),
        "director home": ("director", "GET", "/", None, False),
        "director alerts inbox": ("director", "GET", "/alertes/", None, False),
        "audit journal": ("director", "GET", "/journal/", None, False),
        "accounts": ("director", "GET", "/comptes/", None, False),
    }


@pytest.fixture(scope="module")
def counts(databases, tmp_path_factory):
    """Statements of every screen on the demo data, then on ten times its history."""
    folder = tmp_path_factory.mktemp("query-counts")
    url = databases.new(folder)
    app = build_app(url, upload_folder=folder / "uploads")
    app.instance_path = str(folder)
    engine = get_engine(app)
    with app.app_context(), writing(), Session(engine, expire_on_commit=False) as db:
        structure = seed_demo_data(db, PASSWORD)
        db.commit()
        for user in db.exec(select(User).where(User.totp_secret.is_not(None))).scalars():
            TOTP_SECRETS[user.email] = user.totp_secret
        supervisor = db.exec(select(User).where(User.email == DEMO_EMAILS["supervisor"])).scalar_one()
        employee = db.execute(text(
            "SELECT e.id FROM employee e JOIN observation_employee oe ON oe.employee_id = e.id "
            "WHERE e.referent_eti_id = :s AND e.active = :t GROUP BY e.id ORDER BY COUNT(*) DESC, e.id"),
            {"s": supervisor.id, "t": True}).scalars().first()
        # A worrying note reserved to the CIP heads the feed in both passes: its reading is traced both times.
        followed = db.exec(select(Employee).join(User, User.id == Employee.referent_cip_id).where(
            User.email == DEMO_EMAILS["counsellor"], Employee.active.is_(True))).scalars().first()
        record_observation(db, user=supervisor, employees=[followed], category="sante_travail", tone="preoccupante",
                           text="Douleurs au dos signalées.", visibility="restricted", observed_on=date.today(),
                           today=date.today(), client_key="query-counts-restricted")
        db.commit()
        ids = {
            "structure": structure.id, "employee": employee,
            "site": db.get(Employee, employee).worksite_id or db.exec(select(Worksite.id)).scalars().first(),
            "alert": db.exec(select(Alert.id).where(Alert.status != "resolved").order_by(Alert.id)).scalars().first(),
            "review": db.exec(select(Review.id).order_by(Review.id)).scalars().first(),
            "session": db.exec(select(LearningSession.id).order_by(LearningSession.id)).scalars().first(),
        }
    forget_used_codes()
    clients = {}
    for role in ("supervisor", "counsellor", "coordinator", "director"):
        client = app.test_client()
        AuthActions(client).login(DEMO_EMAILS[role], PASSWORD)
        clients[role] = (client, _token(client))
    screens = _screens(ids)

    def count_all() -> dict[str, int]:
        result = {}
        for name, (role, method, path, data, htmx) in screens.items():
            client, token = clients[role]
            headers = {"HX-Request": "true"} if htmx else {}

            def send():
                if method == "GET":
                    return client.get(path, headers=headers)
                return client.post(path, data={**data(), "csrf_token": token}, headers=headers)

            first = send()  # a first visit may write once (frameworks created, alert marked seen...)
            assert first.status_code in (200, 204), (name, first.status_code)
            with Counter(engine) as counter:
                response = send()
            assert response.status_code in (200, 204), (name, response.status_code)
            result[name] = counter.statements
        return result

    before = count_all()
    with writing(), Session(engine) as db:
        observations = db.execute(text("SELECT COUNT(*) FROM observation")).scalar()
        _grow_history(db, ids["structure"])
        assert db.execute(text("SELECT COUNT(*) FROM observation")).scalar() >= 10 * observations
    after = count_all()
    yield before, after
    engine.dispose()
    databases.drop(url)


@pytest.mark.parametrize("screen", list(_screens({"employee": 1, "alert": 1, "review": 1, "session": 1,
                                                   "site": 1, "structure": 1})))
def test_statements_do_not_grow_with_ten_times_the_history(counts, screen):
    before, after = counts
    assert after[screen] == before[screen], f"{screen}: {before[screen]} → {after[screen]} statements"

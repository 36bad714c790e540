"""Generate a large deployment: 200 structures, 10,000 employees and three years of field history.

Usage:
  .venv/bin/python bench/generate.py --database-url sqlite:////tmp/terrain-1m.sqlite [--observations 1000000]
  .venv/bin/python bench/generate.py --database-url postgresql+psycopg://user@127.0.0.1:5432/terrain

Structure 1 is the demo structure (its accounts log in with --password), one of the busiest. Every structure, user,
work site, team, employee and contract exists whatever the size; the history (observations, ratings, alerts,
assignments, attendance, consignes) is generated day by day at the same daily rate, over a window long enough to
reach --observations: 1,000,000 is three years, 10,000 about eleven days (the same deployment, younger). Sizes are
skewed: a few busy structures, most small; a few employees much more observed than the rest.
Bulk inserts (executemany on SQLite, COPY on PostgreSQL) in one transaction; the same seed gives the same data.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, text
from sqlmodel import Session, SQLModel, select

ROOT = Path(__file__).resolve().parents[1]
# TERRAIN_APP_DIR: generate with another checkout's schema (e.g. the previous version, for a before/after run).
sys.path.insert(0, os.environ.get("TERRAIN_APP_DIR", str(ROOT)))

from webapp import create_app  # noqa: E402
from webapp.demo import seed_demo_data  # noqa: E402
from webapp.demo.field import CONSIGNES, OBSERVATIONS  # noqa: E402
from webapp.domain.accounts.auth import hash_password  # noqa: E402
from webapp.domain.alerts.alerts import alert_types  # noqa: E402
from webapp.domain.skills.skills import ensure_frameworks  # noqa: E402
from webapp.models import (  # noqa: E402
    Contract,
    Employee,
    Skill,
    SkillActivity,
    SkillFramework,
    Team,
    User,
    Worksite,
)
from webapp.platform.db import get_engine, writing  # noqa: E402
from webapp.platform.migrate import upgrade  # noqa: E402

FULL_DAYS = 3 * 365  # the history behind 1,000,000 observations
FULL_OBSERVATIONS = 1_000_000
STRUCTURES = 200
EMPLOYEES = 10_000
RATINGS_PER_OBSERVATION = 0.5
ALERTS_PER_OBSERVATION = 0.1
SECTORS = [("Espaces verts", "A1203"), ("Espaces naturels", "A1202"), ("Maraîchage / horticulture", "A1414"),
           ("Recyclerie / ressourcerie", "K2304"), ("Propreté de locaux", "K2204"),
           ("Maçonnerie / aide-maçon", "F1703"), ("Peinture en bâtiment", "F1606"),
           ("Restauration collective", "G1603"), ("Logistique / préparation de commandes", "N1103")]
FIRST = ["Adam", "Aïcha", "Bilal", "Camille", "Dylan", "Emma", "Fatou", "Gabriel", "Hawa", "Ibrahim", "Jade",
         "Kevin", "Léa", "Mamadou", "Nora", "Omar", "Pauline", "Rayan", "Sarah", "Théo", "Yanis", "Zineb"]
LAST = ["Bernard", "Thomas", "Robert", "Richard", "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Michel",
        "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier"]
EMPLOYEE_STAY_DAYS = (120, 730)
LINK_DATES = "observed_on" in SQLModel.metadata.tables["observation_employee"].c
LINK_TONE = "tone" in SQLModel.metadata.tables["observation_employee"].c


def skewed_sizes(total: int, count: int, exponent: float, rng: random.Random) -> list[int]:
    """`count` positive sizes adding up to `total`, Zipf-like: a few large, most small (the first is the largest)."""
    weights = [1 / (rank ** exponent) for rank in range(1, count + 1)]
    scale = total / sum(weights)
    sizes = [max(8, round(w * scale)) for w in weights]
    sizes[0] += total - sum(sizes)
    return sizes


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw (Knuth's method; lam stays small here)."""
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


class Loader:
    """Bulk inserts of tuples into a table: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, connection, dialect: str):
        self.raw = connection.connection.dbapi_connection
        self.sqlite = dialect == "sqlite"
        self.counts: dict[str, int] = defaultdict(int)

    @staticmethod
    def _sqlite_value(value):
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, bool):
            return int(value)
        return value

    def checkpoint(self) -> None:
        """Commit what was inserted so far and go on in a new transaction."""
        if self.sqlite:
            self.raw.execute("COMMIT")
            self.raw.execute("BEGIN IMMEDIATE")
        else:
            self.raw.commit()

    def insert(self, table: str, columns: tuple[str, ...], rows) -> None:
        """Insert every row (a tuple in the order of `columns`)."""
        rows = list(rows)
        if not rows:
            return
        self.counts[table] += len(rows)
        quoted = ", ".join(f'"{c}"' for c in columns)
        cursor = self.raw.cursor()
        if self.sqlite:
            marks = ", ".join("?" * len(columns))
            cursor.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})',
                               [tuple(self._sqlite_value(v) for v in row) for row in rows])
        else:
            with cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        cursor.close()


class Ids:
    """The next free id of each table (ids are chosen here so that rows can point at each other at once)."""

    def __init__(self, connection, tables):
        self.next = {t: (connection.execute(text(f'SELECT COALESCE(MAX(id), 0) FROM "{t}"')).scalar() or 0) + 1
                     for t in tables}

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


def at(day: date, hour: float) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour)


def build_people(db: Session, rng: random.Random, today: date, password_hash: str) -> dict:
    """Structures, staff, work sites and teams through the ORM (a few thousand rows); employees come after."""
    sizes = skewed_sizes(EMPLOYEES, STRUCTURES, 0.75, rng)
    structures = []
    demo_employees = db.exec(select(Employee, func.min(Contract.start_date), func.max(Contract.end_date))
                             .join(Contract, Contract.employee_id == Employee.id)
                             .where(Employee.structure_id == 1).group_by(Employee.id)).all()
    for index, size in enumerate(sizes):
        if index == 0:
            sid = 1
        else:
            row = db.execute(text(
                "INSERT INTO structure (name, kind, siret, address, phone, retention_months, active, created_at) "
                "VALUES (:name, 'ACI', '', '', '', 24, :active, :created) RETURNING id"),
                {"name": f"Structure générée {index:03d}", "active": True,
                 "created": at(today - timedelta(days=FULL_DAYS + 200), 9)})
            sid = row.scalar()
        structures.append({"id": sid, "size": size - (len(demo_employees) if index == 0 else 0)})
    db.flush()
    for info in structures:
        sid = info["id"]
        # At any time about a third of the people of the three years are on a path: a team is ~10 of them.
        team_count = max(1, round(info["size"] / 30))
        counsellors = max(1, round(info["size"] / 120))
        staff = []
        for role, count in (("supervisor", team_count), ("counsellor", counsellors),
                            ("coordinator", 1), ("director", 1)):
            for n in range(count):
                user = User(structure_id=sid, email=f"{role}{n}.s{sid}@bench.terrain", full_name=
                            f"{rng.choice(FIRST)} {rng.choice(LAST)}", role=role, password_hash=password_hash)
                db.add(user)
                staff.append(user)
        db.flush()
        teams = []
        supervisors = [u for u in staff if u.role == "supervisor"]
        for n, supervisor in enumerate(supervisors):
            sector, rome = SECTORS[(sid + n) % len(SECTORS)]
            site = Worksite(structure_id=sid, name=f"Chantier {n + 1} — {sector}", sector=sector, rome_code=rome)
            db.add(site)
            db.flush()
            team = Team(structure_id=sid, name=f"Équipe {n + 1}", worksite_id=site.id, supervisor_id=supervisor.id)
            db.add(team)
            db.flush()
            teams.append({"id": team.id, "site": site.id, "sector": sector, "supervisor": supervisor.id})
        if sid == 1:
            # The demo teams keep their demo people; the demo CIP also follows some of the generated ones.
            demo_cip = db.exec(select(User.id).where(User.email == "cip@demo.terrain")).one()
            counsellor_ids = [demo_cip] + [u.id for u in staff if u.role == "counsellor"]
        else:
            counsellor_ids = [u.id for u in staff if u.role == "counsellor"]
        info.update(teams=teams, counsellors=counsellor_ids,
                    coordinator=next(u.id for u in staff if u.role == "coordinator"),
                    director=next(u.id for u in staff if u.role == "director"))
        ensure_frameworks(db, sid)
    db.flush()
    return {"structures": structures, "demo_employees": demo_employees}


def skills_by_structure(db: Session) -> dict[tuple[int, str], list[tuple]]:
    """(structure, sector) -> the skills one can be rated on there: the sector's and savoir-être."""
    rows = db.exec(select(Skill, SkillActivity, SkillFramework)
                   .join(SkillActivity, SkillActivity.id == Skill.activity_id)
                   .join(SkillFramework, SkillFramework.id == Skill.framework_id)).all()
    by_sector: dict[tuple[int, str], list[tuple]] = defaultdict(list)
    savoir_etre: dict[int, list[tuple]] = defaultdict(list)
    for skill, activity, framework in rows:
        item = (skill.id, skill.code, skill.label, activity.name, framework.sector, framework.rome_code)
        if framework.kind == "savoir_etre":
            savoir_etre[skill.structure_id].append(item)
        else:
            by_sector[(skill.structure_id, framework.sector)].append(item)
    return {key: value + savoir_etre[key[0]] for key, value in by_sector.items()}


def generate(url: str, observations: int, password: str, seed: int = 14) -> dict[str, int]:
    """Create the database at `url` (empty or new) and fill it; returns the row counts inserted."""
    rng = random.Random(seed)
    today = date.today()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "UPLOAD_FOLDER": "/tmp/terrain-bench-uploads"})
    upgrade(app)
    engine = get_engine(app)
    scale = observations / FULL_OBSERVATIONS
    window = max(7, round(FULL_DAYS * scale))
    first_day = today - timedelta(days=window)
    password_hash = hash_password(password)
    started = time.perf_counter()
    with app.app_context(), writing(), Session(engine, expire_on_commit=False) as db:
        seed_demo_data(db, password, today=today)
        db.flush()
        people = build_people(db, rng, today, password_hash)
        skills = skills_by_structure(db)
        db.commit()
    print(f"  structures, comptes, chantiers, référentiels : {time.perf_counter() - started:.0f} s", flush=True)
    types = alert_types()
    with writing(), engine.begin() as connection:
        loader = Loader(connection, engine.dialect.name)
        ids = Ids(connection, ("employee", "contract", "observation", "assignment", "attendance", "instruction",
                               "instruction_ack", "skill_rating", "alert", "alert_recipient", "alert_event"))
        demo_days = {(e, d) for e, d in connection.execute(text("SELECT employee_id, day FROM assignment"))}
        demo_days = {(e, d if isinstance(d, date) else date.fromisoformat(d)) for e, d in demo_days}
        employees = _employees(loader, ids, people, rng, today)
        print(f"  {len(employees)} salarié(e)s : {time.perf_counter() - started:.0f} s", flush=True)
        demo_supervisor = connection.execute(text(
            "SELECT id FROM \"user\" WHERE email = 'encadrant@demo.terrain'")).scalar()
        _history(loader, ids, employees, skills, types, rng, first_day, today, observations, demo_days,
                 demo_supervisor)
        print(f"  historique ({window} jours) : {time.perf_counter() - started:.0f} s", flush=True)
        if engine.dialect.name == "postgresql":
            for table in ids.next:
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                        f"(SELECT MAX(id) FROM \"{table}\"))"))
    engine.dispose()
    return dict(loader.counts)


def _employees(loader: Loader, ids: Ids, people: dict, rng: random.Random, today: date) -> list[dict]:
    """Employees and their contracts: paths of 4 to 24 months starting over the last three years and a half."""
    employees, rows, contracts = [], [], []
    for e, start, end in people["demo_employees"]:
        employees.append({"id": e.id, "structure": 1, "team": e.team_id, "site": e.worksite_id,
                          "cip": e.referent_cip_id, "start": start, "end": today if e.active else end,
                          "demo": True, "eti": e.referent_eti_id})
    for info in people["structures"]:
        for _ in range(info["size"]):
            team = rng.choice(info["teams"])
            stay = rng.randint(*EMPLOYEE_STAY_DAYS)
            start = today - timedelta(days=rng.randint(7, FULL_DAYS + 180))
            end = start + timedelta(days=stay)
            active = end >= today
            eid = ids.take("employee")
            cip = rng.choice(info["counsellors"])
            rows.append((eid, info["id"], rng.choice(FIRST), rng.choice(LAST), "", "", team["site"], team["id"], cip,
                         team["supervisor"], "", end + timedelta(days=365), active, at(start, 8)))
            contracts.append((ids.take("contract"), info["id"], eid, "CDDI", start, end, 26.0, 0,
                              f"Agent(e) — {team['sector']}", at(start, 8)))
            employees.append({"id": eid, "structure": info["id"], "team": team["id"], "site": team["site"],
                              "cip": cip, "start": start, "end": min(end, today), "demo": False})
    loader.insert("employee", ("id", "structure_id", "first_name", "last_name", "phone", "email", "worksite_id",
                               "team_id", "referent_cip_id", "referent_eti_id", "pass_iae_number", "pass_iae_end",
                               "active", "created_at"), rows)
    loader.insert("contract", ("id", "structure_id", "employee_id", "kind", "start_date", "end_date", "weekly_hours",
                               "renewal_number", "job_title", "created_at"), contracts)
    return employees


def _history(loader: Loader, ids: Ids, employees: list[dict], skills: dict, types, rng: random.Random,
             first_day: date, today: date, observations: int, demo_days: set, demo_supervisor: int) -> None:
    """Day by day from `first_day` to today: assignments, attendance, consignes, observations, ratings, alerts."""
    teams: dict[int, dict] = {}
    structure_staff: dict[int, dict] = {}
    for row in employees:
        teams.setdefault(row["team"], {"structure": row["structure"], "site": row["site"]})
    # A few people are observed much more than others (lognormal); most of all, the longest-serving person of
    # the demo supervisor's team (the "busiest employee" of the benchmark's timeline).
    for row in employees:
        row["busy"] = rng.lognormvariate(0, 0.6)
    demo = [row for row in employees if row["demo"] and row["eti"] == demo_supervisor and row["end"] == today]
    if demo:
        min(demo, key=lambda r: r["start"])["busy"] = 6.0
    weekdays = [first_day + timedelta(days=n) for n in range((today - first_day).days + 1)
                if (first_day + timedelta(days=n)).weekday() < 5 or first_day + timedelta(days=n) == today]
    employee_days = sum(row["busy"] * sum(1 for d in weekdays if row["start"] <= d <= (row["end"] or today))
                        for row in employees if row["start"])
    rate = observations / max(employee_days, 1)
    rating_rate = rate * RATINGS_PER_OBSERVATION
    alert_rate = rate * ALERTS_PER_OBSERVATION
    supervisors = {tid: None for tid in teams}
    return _by_day(loader, ids, employees, teams, skills, types, rng, weekdays, today, rate, rating_rate, alert_rate,
                   demo_days, supervisors, structure_staff)


def _by_day(loader, ids, employees, teams, skills, types, rng, weekdays, today, rate, rating_rate, alert_rate,
            demo_days, supervisors, structure_staff) -> None:
    """The daily loop: rows are inserted in time order, as a real deployment writes them."""
    connection_rows = loader.raw.cursor()
    connection_rows.execute("SELECT id, supervisor_id FROM team")
    for tid, supervisor in connection_rows.fetchall():
        supervisors[tid] = supervisor
    connection_rows.execute('SELECT structure_id, id, role FROM "user" WHERE role IN (\'coordinator\', \'director\')')
    for sid, uid, role in connection_rows.fetchall():
        structure_staff.setdefault(sid, {})[role] = uid
    connection_rows.execute("SELECT id, sector FROM worksite")
    sectors = dict(connection_rows.fetchall())
    connection_rows.close()
    by_start = sorted((row for row in employees if row["start"]), key=lambda r: r["start"])
    obs_columns = ("id", "structure_id", "author_id", "observed_on", "category", "tone", "text", "visibility",
                   "skills_note", "root_id", "corrects_id", "client_key", "created_at")
    for day in weekdays:
        active = [row for row in by_start if row["start"] <= day <= (row["end"] or today)]
        crews: dict[int, list[dict]] = defaultdict(list)
        for row in active:
            crews[row["team"]].append(row)
        assignments, attendance, instructions, acks = [], [], [], []
        obs, links, ratings, alerts, recipients, events = [], [], [], [], [], []
        for tid, crew in crews.items():
            team, supervisor = teams[tid], supervisors.get(tid)
            sid = team["structure"]
            for row in crew:
                if (row["id"], day) in demo_days:
                    continue
                assignments.append((ids.take("assignment"), sid, day, row["id"], team["site"], tid))
                if day < today:
                    roll = rng.random()
                    status = ("absent" if roll < 0.06 else "late" if roll < 0.10 else "excused" if roll < 0.12
                              else "present")
                    attendance.append((ids.take("attendance"), sid, row["id"], day, status,
                                       15 if status == "late" else None, supervisor, at(day, 8.2)))
            if rng.random() < 0.15 and supervisor:
                iid = ids.take("instruction")
                category, body = rng.choice(CONSIGNES)
                instructions.append((iid, sid, team["site"], day, category, body, supervisor, f"gen-i{iid}",
                                     at(day, 8.5)))
                for row in crew:
                    understood = day < today and rng.random() < 0.9
                    acks.append((ids.take("instruction_ack"), sid, iid, row["id"],
                                 at(day, 10) if understood else None, supervisor if understood else None))
            for row in crew:
                for _ in range(poisson(rng, rate * row["busy"])):
                    category, tone, body = rng.choice(OBSERVATIONS)
                    tone = rng.choices(("positive", "neutre", "preoccupante"), (55, 35, 10))[0]
                    oid = ids.take("observation")
                    created = at(day, rng.uniform(9, 18))
                    visibility = "restricted" if rng.random() < 0.12 else "team"
                    obs.append((oid, sid, supervisor, day, category, tone, body, visibility, "", None, None,
                                f"gen-o{oid}", created))
                    people = {row["id"]}
                    if rng.random() < 0.08 and len(crew) > 2:
                        people |= {mate["id"] for mate in rng.sample(crew, 2)}
                    links += [(oid, pid, sid, day, created, tone) for pid in people]
                    if rng.random() < 0.01:  # a correction, written later the same day
                        cid = ids.take("observation")
                        corrected = created + timedelta(minutes=40)
                        obs.append((cid, sid, supervisor, day, category, tone, body + " (corrigé)", visibility, "",
                                    oid, oid, f"gen-o{cid}", corrected))
                        links += [(cid, pid, sid, day, corrected, tone) for pid in people]
                choices = skills.get((sid, sectors.get(team["site"], "")))
                if choices:
                    for _ in range(poisson(rng, rating_rate * row["busy"])):
                        skill_id, code, label, activity, sector, rome = rng.choice(choices)
                        ratings.append((ids.take("skill_rating"), sid, row["id"], skill_id, code, label, activity,
                                        sector, rome, rng.choice((1, 2, 2, 3, 3, 4)), supervisor,
                                        at(day, rng.uniform(9, 17)), team["site"], "", "", ""))
                for _ in range(poisson(rng, alert_rate * row["busy"])):
                    _alert(ids, rng, types, sid, row, supervisor, structure_staff.get(sid, {}), day, today,
                           alerts, recipients, events)
        loader.insert("assignment", ("id", "structure_id", "day", "employee_id", "worksite_id", "team_id"),
                      assignments)
        loader.insert("attendance", ("id", "structure_id", "employee_id", "day", "status", "late_minutes",
                                     "recorded_by_id", "recorded_at"), attendance)
        loader.insert("instruction", ("id", "structure_id", "worksite_id", "day", "category", "text", "given_by_id",
                                      "client_key", "created_at"), instructions)
        loader.insert("instruction_ack", ("id", "structure_id", "instruction_id", "employee_id", "acknowledged_at",
                                          "acknowledged_by_id"), acks)
        obs.sort(key=lambda o: o[0])
        loader.insert("observation", obs_columns, obs)
        if LINK_TONE:
            loader.insert("observation_employee", ("observation_id", "employee_id", "structure_id", "observed_on",
                                                   "created_at", "tone"), links)
        elif LINK_DATES:  # an older schema, without the tone copied onto the links
            loader.insert("observation_employee", ("observation_id", "employee_id", "structure_id", "observed_on",
                                                   "created_at"), [link[:5] for link in links])
        else:  # an older schema, without the dates copied onto the links
            loader.insert("observation_employee", ("observation_id", "employee_id", "structure_id"),
                          [link[:3] for link in links])
        loader.insert("skill_rating", ("id", "structure_id", "employee_id", "skill_id", "skill_code", "skill_label",
                                       "activity_label", "sector", "rome_code", "level", "rated_by_id", "rated_at",
                                       "worksite_id", "situation", "evidence_note", "evidence_ref"), ratings)
        loader.insert("alert", ("id", "structure_id", "employee_id", "type_code", "severity", "facts", "raised_by_id",
                                "raised_at", "received_at", "client_key", "status", "owner_id", "seen_at",
                                "acknowledged_at", "resolved_at", "resolution_note", "escalation_level",
                                "next_escalation_at"), alerts)
        loader.insert("alert_recipient", ("id", "structure_id", "alert_id", "user_id", "reason", "added_at",
                                          "seen_at"), recipients)
        loader.insert("alert_event", ("id", "structure_id", "alert_id", "kind", "actor_id", "at", "detail"), events)
        if day.weekday() == 4:
            loader.checkpoint()  # a week at a time: the SQLite write-ahead log stays small
        if day.day == 1 and day.month in (1, 4, 7, 10):
            print(f"    {day.isoformat()} : {loader.counts['observation']} observations", flush=True)


def _alert(ids, rng, types, sid, row, supervisor, staff, day, today, alerts, recipients, events) -> None:
    """One alert with its recipients and history: resolved unless it is recent (or, rarely, forgotten)."""
    atype = rng.choice(types)
    aid = ids.take("alert")
    raised = at(day, rng.uniform(8, 17))
    age = (today - day).days
    status = "resolved"
    if age <= 2:
        status = rng.choice(("raised", "seen", "acknowledged", "resolved"))
    elif rng.random() < 0.003:
        status = "acknowledged"
    cip = row["cip"] or staff.get("coordinator")
    seen = raised + timedelta(minutes=rng.uniform(1, 30)) if status != "raised" else None
    acked = seen + timedelta(minutes=rng.uniform(1, 60)) if status in ("acknowledged", "resolved") else None
    resolved = acked + timedelta(hours=rng.uniform(1, 48)) if status == "resolved" else None
    alerts.append((aid, sid, row["id"], atype.code, atype.severity, "Faits notés sur le chantier.", supervisor,
                   raised, raised, f"gen-a{aid}", status, cip if acked else None, seen, acked, resolved,
                   "Pris en charge avec la personne." if resolved else "", 0, None))
    people = {cip: "referent"}
    for role in ("coordinator", "director"):
        if role[:5] in ";".join(atype.recipients) and staff.get(role):
            people.setdefault(staff[role], "coordination" if role == "coordinator" else "direction")
    for uid, reason in people.items():
        if uid:
            recipients.append((ids.take("alert_recipient"), sid, aid, uid, reason, raised, seen))
    for kind, moment, actor in (("raised", raised, supervisor), ("seen", seen, cip), ("acknowledged", acked, cip),
                                ("resolved", resolved, cip)):
        if moment is not None:
            events.append((ids.take("alert_event"), sid, aid, kind, actor, moment, ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--observations", type=int, default=FULL_OBSERVATIONS)
    parser.add_argument("--password", default="bench password long enough")
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"Génération de {args.observations:,} observations dans {args.database_url}".replace(",", " "), flush=True)
    counts = generate(args.database_url, args.observations, args.password)
    seconds = time.perf_counter() - started
    for table, count in sorted(counts.items()):
        print(f"  {table:<22} {count:>10,}".replace(",", " "))
    print(f"Terminé en {seconds:.0f} s.")
    dialect = args.database_url.split("://")[0].split("+")[0]
    out = Path(__file__).resolve().parent / "results" / f"generate-{dialect}-{args.observations}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M %Z"), "database": dialect,
                               "observations": args.observations, "seconds": round(seconds),
                               "command": f"bench/generate.py --observations {args.observations}",
                               "rows": dict(sorted(counts.items()))}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

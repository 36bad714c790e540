"""Today: the supervisor's team of the day, their cards, the morning briefing; shared checks of field captures."""
from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import Boolean, Date, Integer, String, and_, bindparam, union_all
from sqlmodel import Session, col, select

from webapp.domain.alerts.alerts import UNRESOLVED_OF, newest_unresolved
from webapp.domain.field import instructions
from webapp.domain.field.captures import FieldError, check_day
from webapp.domain.field.observations import visible_clause
from webapp.domain.followup import followup
from webapp.domain.skills import skills
from webapp.domain.viewer import RoleViewer, viewer_params
from webapp.models import (
    ATTENDANCE_STATUSES,
    Alert,
    Assignment,
    Attendance,
    Employee,
    Observation,
    ObservationEmployee,
    Team,
    TeamBriefing,
    User,
    Worksite,
    utcnow,
)
from webapp.platform.plans import plan_once
from webapp.platform.shared_columns import SharedColumns


@dataclass
class TeamToday:
    """Who is on site today for a supervisor, and where."""

    employees: list[Employee]
    worksites: list[Worksite]
    from_assignments: bool
    briefings: dict[int, TeamBriefing] = field(default_factory=dict)  # by work site, when asked for


# Statements built once per process (Today runs them on every page; building one costs more CPU than SQLite
# running it): what varies is passed as bound parameters.
_TEAMS = (select(Team).where(Team.structure_id == bindparam("structure_id"), Team.supervisor_id == bindparam("user_id"),
                             Team.active.is_(True)).order_by(Team.name))
# The supervisor's active teams, each with the people assigned to it for the day (a team without any: one row
# without a person), in one statement.
_TEAMS_AND_ASSIGNED = plan_once(
    select(Team.worksite_id.label("team_site"), Employee, Assignment.worksite_id.label("assigned_site"))
    .select_from(Team)
    .outerjoin(Assignment, and_(Assignment.team_id == Team.id, Assignment.structure_id == bindparam("structure_id"),
                                Assignment.day == bindparam("day")))
    .outerjoin(Employee, Employee.id == Assignment.employee_id)
    .where(Team.structure_id == bindparam("structure_id"), Team.supervisor_id == bindparam("user_id"),
           Team.active.is_(True))
    .order_by(Employee.first_name, Employee.last_name))
_REFERENT_OF = plan_once(
    select(Employee).where(Employee.structure_id == bindparam("structure_id"), Employee.active.is_(True),
                           Employee.referent_eti_id == bindparam("user_id"))
    .order_by(Employee.first_name, Employee.last_name))
_SITES_OF = (col(Worksite.id).in_(bindparam("ids", expanding=True)), Worksite.structure_id == bindparam("structure_id"))
_WORKSITES = plan_once(select(Worksite).where(*_SITES_OF).order_by(Worksite.name))
# The same work sites, each with its point du matin of the day (Today shows them together).
_WORKSITES_AND_BRIEFINGS = plan_once(
    select(Worksite, TeamBriefing).where(*_SITES_OF).order_by(Worksite.name)
    .outerjoin(TeamBriefing, and_(TeamBriefing.worksite_id == Worksite.id,
                                  TeamBriefing.structure_id == bindparam("structure_id"),
                                  TeamBriefing.day == bindparam("day"))))


def supervisor_teams(db: Session, user: User) -> list[Team]:
    """The active teams the supervisor leads."""
    return list(db.exec(_TEAMS, params={"structure_id": user.structure_id, "user_id": user.id}).all())


def team_today(db: Session, *, user: User, day: date, with_briefings: bool = False) -> TeamToday:
    """The day's team from assignments to the supervisor's teams, else the supervisor's referent employees; with
    the points du matin of its work sites for `day` when asked."""
    structure_id = user.structure_id
    rows = db.exec(_TEAMS_AND_ASSIGNED, params={"structure_id": structure_id, "user_id": user.id, "day": day}).all()
    assigned = [(employee, site) for _team_site, employee, site in rows if employee is not None]
    if assigned:
        employees = [employee for employee, _site in assigned]
        site_ids = {site for _employee, site in assigned}
        from_assignments = True
    else:
        employees = list(db.exec(_REFERENT_OF, params={"structure_id": structure_id, "user_id": user.id}).all())
        site_ids = ({team_site for team_site, _e, _s in rows if team_site}
                    | {e.worksite_id for e in employees if e.worksite_id})
        from_assignments = False
    params = {"ids": list(site_ids) or [0], "structure_id": structure_id}
    if not with_briefings:
        return TeamToday(employees, list(db.exec(_WORKSITES, params=params).all()), from_assignments)
    sites = db.exec(_WORKSITES_AND_BRIEFINGS, params={**params, "day": day}).all()
    return TeamToday(employees, [worksite for worksite, _briefing in sites], from_assignments,
                     {briefing.worksite_id: briefing for _worksite, briefing in sites if briefing is not None})


def team_candidates(db: Session, *, user: User) -> list[Employee]:
    """Active employees the supervisor may put on today's team: theirs first, then the rest of the structure."""
    team_ids = [t.id for t in supervisor_teams(db, user)] or [0]
    return list(db.exec(
        select(Employee).where(Employee.structure_id == user.structure_id, Employee.active.is_(True))
        .order_by(
            ((Employee.referent_eti_id == user.id) | col(Employee.team_id).in_(team_ids)).desc(),
            Employee.first_name, Employee.last_name)
    ).all())


def toggle_on_team(db: Session, *, user: User, employee: Employee, day: date, on_team: bool) -> None:
    """Put `employee` on (or take them off) the supervisor's team for `day`; the caller commits."""
    teams = supervisor_teams(db, user)
    if not teams:
        raise FieldError("Aucune équipe ne vous est confiée : demandez à la coordination.")
    current = team_today(db, user=user, day=day)
    team = next((t for t in teams if t.id == employee.team_id), teams[0])
    if not current.from_assignments:
        # The first change turns the implicit team (referent employees) into real assignments.
        for member in current.employees:
            _assign(db, member, teams, day)
    if on_team:
        existing = db.exec(select(Assignment).where(Assignment.employee_id == employee.id,
                                                    Assignment.day == day)).first()
        if existing is None:
            db.add(Assignment(structure_id=user.structure_id, day=day, employee_id=employee.id,
                              worksite_id=team.worksite_id, team_id=team.id))
        else:
            existing.team_id, existing.worksite_id = team.id, team.worksite_id
            db.add(existing)
    else:
        db.flush()
        existing = db.exec(select(Assignment).where(Assignment.employee_id == employee.id, Assignment.day == day,
                                                    col(Assignment.team_id).in_([t.id for t in teams]))).first()
        if existing is not None:
            db.delete(existing)


def _assign(db: Session, employee: Employee, teams: list[Team], day: date) -> None:
    team = next((t for t in teams if t.id == employee.team_id), teams[0])
    if db.exec(select(Assignment.id).where(Assignment.employee_id == employee.id, Assignment.day == day)).first():
        return
    db.add(Assignment(structure_id=employee.structure_id, day=day, employee_id=employee.id,
                      worksite_id=team.worksite_id, team_id=team.id))


class DayAttendance(NamedTuple):
    """A person's attendance of the day, as the card's form shows it."""

    status: str
    late_minutes: int | None


@dataclass
class TeamCard:
    """What the Today screen shows for one person: the five things checked before the shift, and attendance."""

    employee: Employee
    attendance: DayAttendance | None = None
    last_observation: date | None = None
    objectives: list = field(default_factory=list)
    skills: list = field(default_factory=list)
    constraints: list = field(default_factory=list)
    open_alert: Alert | None = None
    integration_left: list | None = None  # welcome steps left while "en intégration", else None


# What the cards show, read in one statement: each kind's rows in shared columns, named as the statement each kind
# comes from names them (its own module folds them: `card_notes_from`, `integration_from`, `working_from`,
# `newest_unresolved`).
_CARD_ROWS = SharedColumns(
    "kind", ("employee_id",),
    {"day": Date(), "at": Alert.__table__.c.raised_at.type, "text1": String(), "text2": String(),
     "number": Integer(), "number2": Integer(), "flag": Boolean()},
    {"facts": {"day": "last_observation", "text1": "status", "number": "late_minutes"},
     "note": {"text1": "text", "number": "is_constraint", "day": "due_date", "at": "created_at", "number2": "id"},
     "welcome": {"text1": "label", "flag": "has_steps", "number": "position", "number2": "step_id"},
     "skill": {"text1": "skill_code", "text2": "skill_label", "number": "planned"},
     "alert": {"number": "id", "text1": "status", "at": "raised_at"}})


def _card_facts(viewer: RoleViewer):
    """Each person's newest note the viewer may read (one short walk of the (employee, day) index per person) and
    their attendance of the day."""
    latest = (select(ObservationEmployee.observed_on)
              .join(Observation, Observation.id == ObservationEmployee.observation_id)
              .where(ObservationEmployee.employee_id == Employee.id, visible_clause(viewer))
              .order_by(col(ObservationEmployee.observed_on).desc()).limit(1).scalar_subquery())
    return (select(Employee.id.label("employee_id"), latest.label("last_observation"), Attendance.status,
                   Attendance.late_minutes)
            .outerjoin(Attendance, and_(Attendance.employee_id == Employee.id, Attendance.day == bindparam("day"),
                                        Attendance.structure_id == viewer.structure_id))
            .where(col(Employee.id).in_(bindparam("ids", expanding=True))))


@functools.cache
def _cards_statement(role: str, without_structure: bool):
    """Every list of the cards in one statement, built once per process for a role (the values are bound at
    execution: `ids` and `employee_ids` are the people, `day`, `since`, the viewer's ids)."""
    viewer = RoleViewer(role, without_structure)
    members = {"facts": _card_facts(viewer), "note": followup.card_notes_statement(role, without_structure),
               "welcome": followup.INTEGRATION, "skill": skills.WORKING, "alert": UNRESOLVED_OF}
    return plan_once(union_all(*(_CARD_ROWS.adopt(kind, statement) for kind, statement in members.items())))


def team_cards(db: Session, *, user: User, employees: list[Employee], day: date) -> list[TeamCard]:
    """One card per employee, filled by one statement whatever the team size."""
    ids = [e.id for e in employees]
    if not ids:
        return []
    rows = _CARD_ROWS.by_kind(db.exec(_cards_statement(user.role, user.structure_id is None), params={
        **viewer_params(user), "ids": ids, "day": day, **followup.integration_params(ids, day)}).all())
    last, attendance = {}, {}
    for employee_id, observed_on, status, late_minutes in rows["facts"]:
        last[employee_id] = observed_on
        if status is not None:
            attendance[employee_id] = DayAttendance(status, late_minutes)
    goals, constraints = followup.card_notes_from(rows["note"])
    integration = followup.integration_from(rows["welcome"])
    working = skills.working_from(rows["skill"], ids)
    alerts = newest_unresolved(rows["alert"])
    return [TeamCard(e, attendance.get(e.id), last.get(e.id), objectives=goals.get(e.id, []),
                     skills=working.get(e.id, [])[:3], constraints=constraints.get(e.id, []),
                     open_alert=alerts.get(e.id), integration_left=integration.get(e.id)) for e in employees]


def save_briefing(db: Session, *, user: User, worksite: Worksite, day: date, safety: str, organisation: str,
                  today: date, happened_at: datetime | None = None) -> TeamBriefing:
    """Write the point du matin of a site and day (one per site and day, updated in place); `updated_at` is when
    it was typed."""
    check_day(day, today)
    row = db.exec(select(TeamBriefing).where(TeamBriefing.worksite_id == worksite.id, TeamBriefing.day == day)).first()
    if row is None:
        row = TeamBriefing(structure_id=worksite.structure_id, worksite_id=worksite.id, day=day, author_id=user.id)
    row.safety, row.organisation, row.author_id, row.updated_at = safety, organisation, user.id, happened_at or utcnow()
    db.add(row)
    return row


def screen(db: Session, *, user: User, day: date) -> dict:
    """Everything the Today screen shows for a supervisor, as plain data (also the supervisor's home)."""
    team = team_today(db, user=user, day=day, with_briefings=True)
    site_ids = [w.id for w in team.worksites]
    templates = instructions.templates_of(db, structure_id=user.structure_id)
    return {
        "today": day, "team": team, "cards": team_cards(db, user=user, employees=team.employees, day=day),
        "instructions": instructions.instruction_cards(
            db, instructions.instructions_of_day(db, user=user, worksite_ids=site_ids, day=day)),
        "briefings": team.briefings,
        "templates": templates, "template_keys": {t.id: str(uuid.uuid4()) for t in templates},
        "form": instructions.form_context(team), "statuses": ATTENDANCE_STATUSES,
    }

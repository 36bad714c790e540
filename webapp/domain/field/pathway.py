"""The parcours timeline of one employee: every event the viewer may see, newest first, paged by keyset."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Date, Integer, Interval, Row, String, bindparam, func, or_
from sqlmodel import Session, col, select

from webapp.domain.alerts.alerts import STATUS_LABELS as ALERT_STATUSES
from webapp.domain.alerts.alerts import alert_types
from webapp.domain.alerts.alerts import readable_clause as alert_clause
from webapp.domain.field.observations import (
    ObservationView,
    current_clause,
    observation_views,
    visible_clause,
)
from webapp.domain.followup.followup import goal_clause
from webapp.domain.policy import PERMISSIONS
from webapp.domain.viewer import RoleViewer, viewer_params
from webapp.models import (
    GOAL_STATUSES,
    REVIEW_KINDS,
    Alert,
    Attendance,
    Employee,
    Goal,
    GoalChange,
    Instruction,
    InstructionAck,
    Observation,
    ObservationEmployee,
    Review,
    SkillRating,
    User,
)
from webapp.platform import dates

# Kinds in their order within a day (higher first): (label, rank).
KINDS = {
    "alert": ("Alertes", 8), "observation": ("Observations", 7), "review": ("Bilans", 6),
    "goal": ("Objectifs", 5), "goal_change": ("Objectifs modifiés", 4), "rating": ("Compétences", 3),
    "instruction": ("Consignes comprises", 2), "attendance": ("Absences et retards", 1),
}
# The filters a person can pick (the `type` parameter): label and the kinds each shows.
FILTERS = {
    "observation": ("Observations", {"observation"}), "instruction": ("Consignes", {"instruction"}),
    "attendance": ("Présences", {"attendance"}), "alert": ("Alertes", {"alert"}),
    "rating": ("Compétences", {"rating"}), "goal": ("Objectifs", {"goal", "goal_change"}),
    "review": ("Bilans", {"review"}),
}
PAGE_SIZE = 20


def filters_for(user: User) -> dict[str, str]:
    """The filters this user may pick, by parameter value: bilans only for those who read them."""
    return {value: label for value, (label, _kinds) in FILTERS.items()
            if value != "review" or user.role in PERMISSIONS["review.view"]}


def kinds_for(user: User, wanted: str | None) -> set[str]:
    """The kinds a timeline shows this user: one filter's, or every kind the user may read."""
    allowed = filters_for(user)
    chosen = [wanted] if wanted in allowed else list(allowed)
    return set().union(*(FILTERS[value][1] for value in chosen))


def labels() -> dict[str, dict[str, str]]:
    """French words for the codes the timeline shows (alert types and statuses, bilans, objectives)."""
    return {"alert_types": {t.code: t.label for t in alert_types()}, "alert_statuses": ALERT_STATUSES,
            "review_kinds": REVIEW_KINDS, "goal_statuses": GOAL_STATUSES}


@dataclass(frozen=True)
class LocalDay:
    """The day of a stored timestamp in the structure's zone, computed alike in SQL (to sort and page) and in
    Python (to show): the zone's offset of today is applied, so a change of summer time moves at most the
    entries of one night hour."""

    minutes: int

    @classmethod
    def of(cls, tz: dates.Zone) -> LocalDay:
        offset = dates.zone(tz).utcoffset(datetime.now(UTC)) or timedelta(0)
        return cls(int(offset.total_seconds() // 60))

    @staticmethod
    def sql(column, dialect: str):
        """The day of `column`, shifted by the bound parameter `shift` (see `shift`)."""
        if dialect == "postgresql":
            return func.date(column + bindparam("shift", type_=Interval), type_=Date)
        return func.date(column, bindparam("shift", type_=String), type_=Date)

    def shift(self, dialect: str):
        """The value of the `shift` parameter: an interval for PostgreSQL, a date modifier for SQLite."""
        if dialect == "postgresql":
            return timedelta(minutes=self.minutes)
        return f"{self.minutes:+d} minutes"

    def of_value(self, value: datetime) -> date:
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return (value.astimezone(UTC) + timedelta(minutes=self.minutes)).date()


@dataclass(frozen=True)
class Cursor:
    """Position after the last entry shown: its day, kind rank and id."""

    day: date
    rank: int
    id: int

    def encode(self) -> str:
        return f"{self.day.isoformat()}.{self.rank}.{self.id}"


@dataclass
class Entry:
    """One line of the timeline."""

    kind: str
    day: date
    id: int
    observation: ObservationView | None = None
    # The other kinds come as plain rows of the columns the timeline shows (see `_statements`).
    instruction: Row | None = None
    attendance: Row | None = None
    alert: Row | None = None
    rating: Row | None = None
    goal: Row | None = None
    change: Row | None = None  # with its objective's text, the same row as `goal`
    review: Row | None = None

    @property
    def sort_key(self) -> tuple:
        return (self.day, KINDS[self.kind][1], self.id)


# Above every id (the largest INTEGER of PostgreSQL): every entry of the cursor's day lies under it.
_EVERY_ID = 2**31 - 1


@dataclass(frozen=True)
class _Bounds:
    """Which bounds a page query has: a period start, a period end, a cursor. Each is a condition only when given,
    as the computed days of a busy person's history cost one function call per row and condition."""

    start: bool
    end: bool
    cursor: bool

    def where(self, day, id_column) -> list:
        """The conditions on a kind's day and id; the keyset one, "strictly after the cursor in (day desc, rank
        desc, id desc) order", takes one form for every kind, the kind's rank deciding the bound id (`_cursor_id`)."""
        conditions = []
        if self.start:
            conditions.append(day >= bindparam("start", type_=Date))
        if self.end:
            conditions.append(day <= bindparam("end", type_=Date))
        if self.cursor:
            cursor_day = bindparam("cursor_day", type_=Date)
            conditions += [day <= cursor_day, or_(day < cursor_day, id_column < bindparam("cursor_id", type_=Integer))]
        return conditions


def _newest(statement, bounds: _Bounds, day, id_column):
    """A kind's rows for a page: in the period, after the cursor, newest first, one more than the page."""
    return (statement.where(*bounds.where(day, id_column))
            .order_by(day.desc(), col(id_column).desc()).limit(bindparam("limit", type_=Integer)))


def _newest_sorted(rows, conditions: tuple, bounds: _Bounds, day, id_column):
    """As `_newest`, for a kind whose day no index gives in order (computed from a time, or joined): the ids
    alone are sorted, from an index when one covers `conditions`, then only the page's `rows` are read."""
    page = _newest(rows.with_only_columns(id_column).where(*conditions), bounds, day, id_column)
    return rows.where(col(id_column).in_(page)).order_by(day.desc(), col(id_column).desc())


def _cursor_id(rank: int, cursor: Cursor | None) -> int:
    """The id bound for a kind of this rank: on the cursor's day, entries of a lower rank all come after the
    cursor, those of a higher rank none, those of its rank those of a lower id."""
    if cursor is None or rank < cursor.rank:
        return _EVERY_ID
    if rank > cursor.rank:
        return 0
    return cursor.id


@functools.cache
def _statements(dialect: str, role: str, bounds: _Bounds) -> dict:
    """Each kind's page query, built once per process for a dialect and a role: building a statement costs more
    than running it. The values are bound at execution (see `timeline`)."""
    viewer = RoleViewer(role)
    employee_id = bindparam("employee_id", type_=Integer)

    def day(column):
        return LocalDay.sql(column, dialect)

    def newest(statement, day, id_column):
        return _newest(statement, bounds, day, id_column)

    def newest_sorted(rows, conditions, day, id_column):
        return _newest_sorted(rows, conditions, bounds, day, id_column)

    link, ack = ObservationEmployee, InstructionAck
    return {
        # Walks the person's (employee, day, observation) index newest first and stops at the page's end.
        "observation": newest(select(Observation).join(link, link.observation_id == Observation.id)
                              .where(link.employee_id == employee_id, visible_clause(viewer), current_clause()),
                              col(link.observed_on), link.observation_id),
        "instruction": newest_sorted(select(ack.id, Instruction.day, Instruction.category, Instruction.text)
                                     .join(Instruction, Instruction.id == ack.instruction_id),
                                     (ack.employee_id == employee_id, ack.structure_id == viewer.structure_id,
                                      col(ack.acknowledged_at).is_not(None)),
                                     col(Instruction.day), ack.id),
        "attendance": newest(select(Attendance.id, Attendance.day, Attendance.status, Attendance.late_minutes)
                             .where(Attendance.employee_id == employee_id,
                                    Attendance.structure_id == viewer.structure_id, Attendance.status != "present"),
                             col(Attendance.day), Attendance.id),
        "alert": newest_sorted(select(Alert.id, Alert.raised_at, Alert.type_code, Alert.status),
                               (Alert.employee_id == employee_id, alert_clause(viewer)),
                               day(Alert.raised_at), Alert.id),
        "rating": newest_sorted(select(SkillRating.id, SkillRating.rated_at, SkillRating.skill_label, SkillRating.level),
                                (SkillRating.employee_id == employee_id,
                                 SkillRating.structure_id == viewer.structure_id),
                                day(SkillRating.rated_at), SkillRating.id),
        # A person has a few objectives and bilans: their rows are sorted as they are.
        "goal": newest(select(Goal.id, Goal.created_at, Goal.text, Goal.status, Goal.sensitive)
                       .where(Goal.employee_id == employee_id, goal_clause(viewer)),
                       day(Goal.created_at), Goal.id),
        "goal_change": newest(select(GoalChange.id, GoalChange.changed_at, GoalChange.summary, Goal.text)
                              .join(Goal, Goal.id == GoalChange.goal_id)
                              .where(Goal.employee_id == employee_id, goal_clause(viewer)),
                              day(GoalChange.changed_at), GoalChange.id),
        "review": newest(select(Review.id, Review.created_at, Review.kind, Review.status, Review.finalised_at,
                                Review.due_date)
                         .where(Review.employee_id == employee_id, Review.structure_id == viewer.structure_id),
                         day(Review.created_at), Review.id),
    }


def timeline(db: Session, *, user: User, employee: Employee, kinds: set[str] | None = None,
             start: date | None = None, end: date | None = None, cursor: Cursor | None = None,
             limit: int = PAGE_SIZE, tz: dates.Zone = None) -> tuple[list[Entry], Cursor | None]:
    """A page of the employee's timeline and the cursor of the next page (None at the end).

    One query per kind plus a fixed number to decorate observations: the cost depends on the page size,
    never on the length of the history.
    """
    kinds = kinds or kinds_for(user, None)
    entries: list[Entry] = []
    local = LocalDay.of(tz)
    dialect = db.get_bind().dialect.name
    statements = _statements(dialect, user.role, _Bounds(start is not None, end is not None, cursor is not None))
    params = {**viewer_params(user), "employee_id": employee.id, "start": start,
              "end": end, "cursor_day": cursor and cursor.day, "limit": limit + 1, "shift": local.shift(dialect)}

    def newest(kind: str):
        """A kind's rows for this page."""
        return db.exec(statements[kind], params={**params, "cursor_id": _cursor_id(KINDS[kind][1], cursor)}).all()

    notes = {o.id: o for o in newest("observation")} if "observation" in kinds else {}
    entries += [Entry("observation", o.observed_on, o.id) for o in notes.values()]
    if "instruction" in kinds:
        entries += [Entry("instruction", i.day, i.id, instruction=i) for i in newest("instruction")]
    if "attendance" in kinds:
        entries += [Entry("attendance", a.day, a.id, attendance=a) for a in newest("attendance")]
    if "alert" in kinds:
        entries += [Entry("alert", local.of_value(a.raised_at), a.id, alert=a) for a in newest("alert")]
    if "rating" in kinds:
        entries += [Entry("rating", local.of_value(r.rated_at), r.id, rating=r) for r in newest("rating")]
    if "goal" in kinds:
        entries += [Entry("goal", local.of_value(g.created_at), g.id, goal=g) for g in newest("goal")]
    if "goal_change" in kinds:
        entries += [Entry("goal_change", local.of_value(c.changed_at), c.id, goal=c, change=c)
                    for c in newest("goal_change")]
    if "review" in kinds:
        entries += [Entry("review", local.of_value(r.created_at), r.id, review=r) for r in newest("review")]
    entries.sort(key=lambda e: e.sort_key, reverse=True)
    page = entries[:limit]
    next_cursor = None
    if len(entries) > limit and page:
        last = page[-1]
        next_cursor = Cursor(last.day, KINDS[last.kind][1], last.id)
    # Only the observations of the page are decorated (people, author, versions): each kind brought a page of rows.
    views = {v.observation.id: v for v in observation_views(
        db, user=user, observations=[notes[e.id] for e in page if e.kind == "observation"])}
    for entry in page:
        if entry.kind == "observation":
            entry.observation = views.get(entry.id)
    page = [e for e in page if e.kind != "observation" or e.observation is not None]
    return page, next_cursor

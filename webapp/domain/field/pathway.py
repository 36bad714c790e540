"""The parcours timeline of one employee: every event the viewer may see, newest first, paged by keyset."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Date, and_, func, or_, true
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
    dialect: str

    @classmethod
    def of(cls, db: Session, tz: dates.Zone) -> LocalDay:
        offset = dates.zone(tz).utcoffset(datetime.now(UTC)) or timedelta(0)
        return cls(int(offset.total_seconds() // 60), db.get_bind().dialect.name)

    def sql(self, column):
        if not self.minutes:
            return func.date(column, type_=Date)
        if self.dialect == "postgresql":
            return func.date(column + timedelta(minutes=self.minutes), type_=Date)
        return func.date(column, f"{self.minutes:+d} minutes", type_=Date)

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
    instruction: Instruction | None = None
    ack: InstructionAck | None = None
    attendance: Attendance | None = None
    alert: Alert | None = None
    rating: SkillRating | None = None
    goal: Goal | None = None
    change: GoalChange | None = None
    review: Review | None = None

    @property
    def sort_key(self) -> tuple:
        return (self.day, KINDS[self.kind][1], self.id)


def _after(day_column, id_column, rank: int, cursor: Cursor | None):
    """Keyset condition: strictly after `cursor` in (day desc, rank desc, id desc) order."""
    if cursor is None:
        return true()
    if rank < cursor.rank:
        return day_column <= cursor.day
    if rank > cursor.rank:
        return day_column < cursor.day
    return or_(day_column < cursor.day, and_(day_column == cursor.day, id_column < cursor.id))


def timeline(db: Session, *, user: User, employee: Employee, kinds: set[str] | None = None,
             start: date | None = None, end: date | None = None, cursor: Cursor | None = None,
             limit: int = PAGE_SIZE, tz: dates.Zone = None) -> tuple[list[Entry], Cursor | None]:
    """A page of the employee's timeline and the cursor of the next page (None at the end).

    One query per kind plus a fixed number to decorate observations: the cost depends on the page size,
    never on the length of the history.
    """
    kinds = kinds or kinds_for(user, None)
    entries: list[Entry] = []
    local = LocalDay.of(db, tz)
    _day = local.sql

    def period(column):
        conditions = []
        if start:
            conditions.append(column >= start)
        if end:
            conditions.append(column <= end)
        return and_(true(), *conditions)

    def newest(statement, day, id_column, kind: str):
        """A kind's rows for this page: in the period, after the cursor, newest first, one more than the page."""
        return db.exec(statement.where(period(day), _after(day, id_column, KINDS[kind][1], cursor))
                       .order_by(day.desc(), col(id_column).desc()).limit(limit + 1)).all()

    if "observation" in kinds:
        # Walks the person's (employee, day, observation) index newest first and stops at the page's end.
        link = ObservationEmployee
        rows = newest(select(Observation).join(link, link.observation_id == Observation.id)
                      .where(link.employee_id == employee.id, visible_clause(user), current_clause()),
                      col(link.observed_on), link.observation_id, "observation")
        views = observation_views(db, user=user, observations=list(rows))
        entries += [Entry("observation", v.observation.observed_on, v.observation.id, observation=v) for v in views]
    if "instruction" in kinds:
        ack = InstructionAck
        rows = newest(select(ack, Instruction).join(Instruction, Instruction.id == ack.instruction_id)
                      .where(ack.employee_id == employee.id, ack.structure_id == user.structure_id,
                             col(ack.acknowledged_at).is_not(None)),
                      col(Instruction.day), ack.id, "instruction")
        entries += [Entry("instruction", i.day, a.id, instruction=i, ack=a) for a, i in rows]
    if "attendance" in kinds:
        rows = newest(select(Attendance).where(Attendance.employee_id == employee.id,
                                               Attendance.structure_id == user.structure_id,
                                               Attendance.status != "present"),
                      col(Attendance.day), Attendance.id, "attendance")
        entries += [Entry("attendance", a.day, a.id, attendance=a) for a in rows]
    if "alert" in kinds:
        rows = newest(select(Alert).where(Alert.employee_id == employee.id, alert_clause(user)),
                      _day(Alert.raised_at), Alert.id, "alert")
        entries += [Entry("alert", local.of_value(a.raised_at), a.id, alert=a) for a in rows]
    if "rating" in kinds:
        rows = newest(select(SkillRating).where(SkillRating.employee_id == employee.id,
                                                SkillRating.structure_id == user.structure_id),
                      _day(SkillRating.rated_at), SkillRating.id, "rating")
        entries += [Entry("rating", local.of_value(r.rated_at), r.id, rating=r) for r in rows]
    if "goal" in kinds:
        rows = newest(select(Goal).where(Goal.employee_id == employee.id, goal_clause(user)),
                      _day(Goal.created_at), Goal.id, "goal")
        entries += [Entry("goal", local.of_value(g.created_at), g.id, goal=g) for g in rows]
    if "goal_change" in kinds:
        rows = newest(select(GoalChange, Goal).join(Goal, Goal.id == GoalChange.goal_id)
                      .where(Goal.employee_id == employee.id, goal_clause(user)),
                      _day(GoalChange.changed_at), GoalChange.id, "goal_change")
        entries += [Entry("goal_change", local.of_value(c.changed_at), c.id, goal=g, change=c) for c, g in rows]
    if "review" in kinds:
        rows = newest(select(Review).where(Review.employee_id == employee.id,
                                           Review.structure_id == user.structure_id),
                      _day(Review.created_at), Review.id, "review")
        entries += [Entry("review", local.of_value(r.created_at), r.id, review=r) for r in rows]
    entries.sort(key=lambda e: e.sort_key, reverse=True)
    page = entries[:limit]
    next_cursor = None
    if len(entries) > limit and page:
        last = page[-1]
        next_cursor = Cursor(last.day, KINDS[last.kind][1], last.id)
    return page, next_cursor

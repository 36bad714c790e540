"""The parcours timeline of one employee: every event the viewer may see, newest first, paged by keyset."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Integer,
    Interval,
    String,
    bindparam,
    func,
    literal,
    or_,
)
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
from webapp.platform.plans import plan_once
from webapp.platform.shared_columns import SharedColumns

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

    def midnight(self, day: date) -> datetime:
        """The UTC time at which `day` starts in the zone (at the offset of `of`)."""
        return datetime.combine(day, datetime.min.time(), UTC) - timedelta(minutes=self.minutes)

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
    # The other kinds come as plain rows of the columns the timeline shows (see `_SHARED`).
    instruction: tuple | None = None
    attendance: tuple | None = None
    alert: tuple | None = None
    rating: tuple | None = None
    goal: tuple | None = None
    change: tuple | None = None  # with its objective's text, the same row as `goal`
    review: tuple | None = None

    @property
    def sort_key(self) -> tuple:
        return (self.day, KINDS[self.kind][1], self.id)


_KIND_OF_RANK = {rank: kind for kind, (_label, rank) in KINDS.items()}
# The Entry attribute each kind's row goes to (a change also goes to `goal`: its row carries the objective's text).
_ENTRY_FIELD = {"instruction": "instruction", "attendance": "attendance", "alert": "alert", "rating": "rating",
                "goal": "goal", "goal_change": "change", "review": "review"}


# Above every id (the largest INTEGER of PostgreSQL): every entry of the cursor's day lies under it.
_EVERY_ID = 2**31 - 1
# The timestamp bounds of a page without a period or a cursor on that side.
_FAR_PAST, _FAR_FUTURE = datetime(1900, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class _Bounds:
    """Which bounds a page query has: a period start, a period end, a cursor. Each is a condition only when given,
    as the computed days of a busy person's history cost one function call per row and condition."""

    start: bool
    end: bool
    cursor: bool

    def where(self, day, id_column, kind: str) -> list:
        """The conditions on a kind's day and id; the keyset one, "strictly after the cursor in (day desc, rank
        desc, id desc) order", takes one form for every kind, the kind's rank deciding the bound id (`_cursor_id`,
        bound as `cursor_id_<kind>`)."""
        conditions = []
        if self.start:
            conditions.append(day >= bindparam("start", type_=Date))
        if self.end:
            conditions.append(day <= bindparam("end", type_=Date))
        if self.cursor:
            cursor_day = bindparam("cursor_day", type_=Date)
            conditions += [day <= cursor_day,
                           or_(day < cursor_day, id_column < bindparam(f"cursor_id_{kind}", type_=Integer))]
        return conditions


def _cursor_id(rank: int, cursor: Cursor | None) -> int:
    """The id bound for a kind of this rank: on the cursor's day, entries of a lower rank all come after the
    cursor, those of a higher rank none, those of its rank those of a lower id."""
    if cursor is None or rank < cursor.rank:
        return _EVERY_ID
    if rank > cursor.rank:
        return 0
    return cursor.id


# The columns every kind's rows share in the one statement that reads them (see `_statements`), with their types,
# and what each column is called in the rows the templates receive; a row's marker is its kind's rank.
_SHARED = SharedColumns(
    "rank", ("id",),
    {"day": Date(), "at": DateTime(timezone=True), "text1": String(), "text2": String(), "number": Integer(),
     "at2": DateTime(timezone=True), "day2": Date(), "flag": Boolean()},
    {"instruction": {"day": "day", "text1": "category", "text2": "text"},
     "attendance": {"day": "day", "text1": "status", "number": "late_minutes"},
     "alert": {"at": "raised_at", "text1": "type_code", "text2": "status"},
     "rating": {"at": "rated_at", "text1": "skill_label", "number": "level"},
     "goal": {"at": "created_at", "text1": "text", "text2": "status", "flag": "sensitive"},
     "goal_change": {"at": "changed_at", "text1": "summary", "text2": "text"},
     "review": {"at": "created_at", "text1": "kind", "text2": "status", "at2": "finalised_at", "day2": "due_date"}},
    markers={kind: rank for kind, (_label, rank) in KINDS.items() if kind != "observation"})
_DAY, _AT = _SHARED.position["day"], _SHARED.position["at"]


class _Kinds:
    """Builds each kind's page of rows for one dialect, role and set of bounds (see `_statements`)."""

    def __init__(self, dialect: str, bounds: _Bounds):
        self.dialect, self.bounds = dialect, bounds

    def day(self, column):
        return LocalDay.sql(column, self.dialect)

    def newest(self, kind: str, statement, day, id_column):
        """A kind's rows for a page: in the period, after the cursor, newest first, one more than the page."""
        return (statement.where(*self.bounds.where(day, id_column, kind))
                .order_by(day.desc(), col(id_column).desc()).limit(bindparam("limit", type_=Integer)))

    def newest_sorted(self, kind: str, rows, conditions: tuple, day, id_column, at=None):
        """As `newest`, for a kind whose day no index gives in order (computed from a time, or joined): the ids
        alone are sorted, from an index when one covers `conditions`, then only the page's `rows` are read.

        For a kind stored with a time `at` (its day computed from it), only the rows from the day before the
        page's oldest time are sorted (`_recent`), whatever the length of the history."""
        if at is not None:
            conditions = (*conditions, *self._recent(conditions, at))
        page = self.newest(kind, rows.with_only_columns(id_column).where(*conditions), day, id_column)
        return rows.where(col(id_column).in_(page))

    def _recent(self, conditions: tuple, at) -> list:
        """Conditions on `at` that keep every row of the page (and a few more) without computing a day per row.

        The period and the cursor's day become a time range (`since_at` to `until`; the local day is the stored
        time shifted by a fixed offset). The page then holds the rows of the cursor's day (from `before` on) and the
        first rows of the days before it in (day, id) order: these all lie on or after the day of the page's
        `limit`-th newest time before `before`, so within a day of it, found from the (person, time) index."""
        window = (select(at.label("at")).where(*conditions, at >= bindparam("since_at", type_=at.type),
                                               at < bindparam("before", type_=at.type))
                  .order_by(at.desc()).limit(bindparam("limit", type_=Integer)).subquery("recent"))
        oldest = select(func.min(window.c.at)).scalar_subquery()
        if self.dialect == "postgresql":
            day_before = oldest - literal(timedelta(days=1), Interval)
        else:  # SQLite keeps times as 'YYYY-MM-DD HH:MM:SS.ffffff' text: datetime() gives a comparable one.
            day_before = func.datetime(oldest, "-1 day")
        # No row before `before`: the page is the cursor's day alone.
        floor = func.coalesce(day_before, bindparam("before", type_=at.type))
        return [at >= floor, at >= bindparam("since_at", type_=at.type), at < bindparam("until", type_=at.type)]


@functools.cache
def _statements(dialect: str, role: str, bounds: _Bounds, kinds: frozenset[str]) -> tuple:
    """The page queries, built once per process for a dialect, a role, bounds and kinds: building a statement costs
    more than running it. The values are bound at execution (see `timeline`).

    Two statements: the observations (read whole, to be decorated), and every other kind's rows in one
    `UNION ALL` of their pages, each in the shared columns of `_SHARED`."""
    viewer = RoleViewer(role)
    employee_id = bindparam("employee_id", type_=Integer)
    build = _Kinds(dialect, bounds)
    day = build.day
    link, ack = ObservationEmployee, InstructionAck
    # Walks the person's (employee, day, observation) index newest first and stops at the page's end.
    observations = build.newest("observation", select(Observation)
                                .join(link, link.observation_id == Observation.id)
                                .where(link.employee_id == employee_id, visible_clause(viewer), current_clause()),
                                col(link.observed_on), link.observation_id)
    pages = {
        "instruction": lambda: build.newest_sorted(
            "instruction", select(*_SHARED.select("instruction", ack.id, day=Instruction.day, category=Instruction.category,
                                    text=Instruction.text))
            .join(Instruction, Instruction.id == ack.instruction_id),
            (ack.employee_id == employee_id, ack.structure_id == viewer.structure_id,
             col(ack.acknowledged_at).is_not(None)),
            col(Instruction.day), ack.id),
        "attendance": lambda: build.newest(
            "attendance", select(*_SHARED.select("attendance", Attendance.id, day=Attendance.day, status=Attendance.status,
                                    late_minutes=Attendance.late_minutes))
            .where(Attendance.employee_id == employee_id, Attendance.structure_id == viewer.structure_id,
                   Attendance.status != "present"),
            col(Attendance.day), Attendance.id),
        "alert": lambda: build.newest_sorted(
            "alert", select(*_SHARED.select("alert", Alert.id, raised_at=Alert.raised_at, type_code=Alert.type_code,
                                    status=Alert.status)),
            (Alert.employee_id == employee_id, alert_clause(viewer)),
            day(Alert.raised_at), Alert.id, at=col(Alert.raised_at)),
        "rating": lambda: build.newest_sorted(
            "rating", select(*_SHARED.select("rating", SkillRating.id, rated_at=SkillRating.rated_at,
                                    skill_label=SkillRating.skill_label, level=SkillRating.level)),
            (SkillRating.employee_id == employee_id, SkillRating.structure_id == viewer.structure_id),
            day(SkillRating.rated_at), SkillRating.id, at=col(SkillRating.rated_at)),
        # A person has a few objectives and bilans: their rows are sorted as they are.
        "goal": lambda: build.newest(
            "goal", select(*_SHARED.select("goal", Goal.id, created_at=Goal.created_at, text=Goal.text, status=Goal.status,
                                    sensitive=Goal.sensitive))
            .where(Goal.employee_id == employee_id, goal_clause(viewer)),
            day(Goal.created_at), Goal.id),
        "goal_change": lambda: build.newest(
            "goal_change", select(*_SHARED.select("goal_change", GoalChange.id, changed_at=GoalChange.changed_at,
                                    summary=GoalChange.summary, text=Goal.text))
            .join(Goal, Goal.id == GoalChange.goal_id)
            .where(Goal.employee_id == employee_id, goal_clause(viewer)),
            day(GoalChange.changed_at), GoalChange.id),
        "review": lambda: build.newest(
            "review", select(*_SHARED.select("review", Review.id, created_at=Review.created_at, kind=Review.kind,
                                    status=Review.status, finalised_at=Review.finalised_at,
                                    due_date=Review.due_date))
            .where(Review.employee_id == employee_id, Review.structure_id == viewer.structure_id),
            day(Review.created_at), Review.id),
    }
    chosen = {kind: pages[kind]() for kind in _SHARED.kinds if kind in kinds}
    return plan_once(observations), (plan_once(_SHARED.union(chosen)) if chosen else None)


def _entry(day: date, rank: int, ident: int, row) -> Entry:
    """The entry of a candidate of the page: an observation (decorated later), or a row of the shared statement."""
    kind = _KIND_OF_RANK[rank]
    entry = Entry(kind, day, ident)
    if kind != "observation":
        fields = _SHARED.row(row)
        setattr(entry, _ENTRY_FIELD[kind], fields)
        if kind == "goal_change":
            entry.goal = fields
    return entry


def timeline(db: Session, *, user: User, employee: Employee, kinds: set[str] | None = None,
             start: date | None = None, end: date | None = None, cursor: Cursor | None = None,
             limit: int = PAGE_SIZE, tz: dates.Zone = None) -> tuple[list[Entry], Cursor | None]:
    """A page of the employee's timeline and the cursor of the next page (None at the end).

    Two queries (the observations, every other kind in one) plus a fixed number to decorate the page's
    observations: the cost depends on the page size, never on the length of the history.
    """
    kinds = kinds or kinds_for(user, None)
    local = LocalDay.of(tz)
    dialect = db.get_bind().dialect.name
    observations, others = _statements(dialect, user.role, _Bounds(start is not None, end is not None,
                                                                    cursor is not None), frozenset(kinds))
    last_day = min(day for day in (end, cursor and cursor.day) if day is not None) if end or cursor else None
    params = {**viewer_params(user), "employee_id": employee.id, "start": start, "end": end,
              "cursor_day": cursor and cursor.day, "limit": limit + 1, "shift": local.shift(dialect),
              # The same bounds as times, for the kinds stored with one (see `_Kinds._recent`).
              "since_at": local.midnight(start) if start else _FAR_PAST,
              "until": local.midnight(last_day + timedelta(days=1)) if last_day else _FAR_FUTURE,
              **{f"cursor_id_{kind}": _cursor_id(rank, cursor) for kind, (_label, rank) in KINDS.items()}}
    params["before"] = local.midnight(cursor.day) if cursor else params["until"]
    # (day, rank, id, row) of every candidate: each kind brought up to a page and one; only the page becomes entries.
    notes = {o.id: o for o in db.exec(observations, params=params).all()} if "observation" in kinds else {}
    candidates = [(o.observed_on, KINDS["observation"][1], o.id, o) for o in notes.values()]
    candidates += [(row[_DAY] if row[_DAY] is not None else local.of_value(row[_AT]), row[0], row[1], row)
                   for row in (db.exec(others, params=params).all() if others is not None else ())]
    candidates.sort(key=lambda candidate: candidate[:3], reverse=True)
    page = [_entry(day, rank, ident, row) for day, rank, ident, row in candidates[:limit]]
    next_cursor = None
    if len(candidates) > limit and page:
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

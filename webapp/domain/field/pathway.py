"""The parcours timeline of one employee: every event the viewer may see, newest first, paged by keyset."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, true
from sqlmodel import Session, col, select

from webapp.domain.field.observations import (
    ObservationView,
    current_clause,
    observation_views,
    visible_clause,
)
from webapp.models import (
    Attendance,
    Employee,
    Instruction,
    InstructionAck,
    Observation,
    ObservationEmployee,
    User,
)

# Kinds in their order within a day (higher first); later features (alerts, skills, goals, bilans) add theirs.
KINDS = {"observation": ("Observations", 3), "instruction": ("Consignes comprises", 2), "attendance": ("Présences", 1)}
PAGE_SIZE = 20


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
             limit: int = PAGE_SIZE) -> tuple[list[Entry], Cursor | None]:
    """A page of the employee's timeline and the cursor of the next page (None at the end).

    One query per kind plus a fixed number to decorate observations: the cost depends on the page size,
    never on the length of the history.
    """
    kinds = kinds or set(KINDS)
    entries: list[Entry] = []

    def period(column):
        conditions = []
        if start:
            conditions.append(column >= start)
        if end:
            conditions.append(column <= end)
        return and_(true(), *conditions)

    if "observation" in kinds:
        # Walks the person's (employee, day, observation) index newest first and stops at the page's end.
        link = ObservationEmployee
        rows = db.exec(
            select(Observation).join(link, link.observation_id == Observation.id)
            .where(link.employee_id == employee.id, visible_clause(user), current_clause(),
                   period(link.observed_on),
                   _after(link.observed_on, link.observation_id, KINDS["observation"][1], cursor))
            .order_by(col(link.observed_on).desc(), col(link.observation_id).desc()).limit(limit + 1)
        ).all()
        views = observation_views(db, user=user, observations=list(rows))
        entries += [Entry("observation", v.observation.observed_on, v.observation.id, observation=v) for v in views]
    if "instruction" in kinds:
        rows = db.exec(
            select(InstructionAck, Instruction).join(Instruction, Instruction.id == InstructionAck.instruction_id)
            .where(InstructionAck.employee_id == employee.id, InstructionAck.structure_id == user.structure_id,
                   col(InstructionAck.acknowledged_at).is_not(None), period(Instruction.day),
                   _after(Instruction.day, InstructionAck.id, KINDS["instruction"][1], cursor))
            .order_by(col(Instruction.day).desc(), col(InstructionAck.id).desc()).limit(limit + 1)
        ).all()
        entries += [Entry("instruction", i.day, a.id, instruction=i, ack=a) for a, i in rows]
    if "attendance" in kinds:
        rows = db.exec(
            select(Attendance).where(Attendance.employee_id == employee.id,
                                     Attendance.structure_id == user.structure_id, Attendance.status != "present",
                                     period(Attendance.day),
                                     _after(Attendance.day, Attendance.id, KINDS["attendance"][1], cursor))
            .order_by(col(Attendance.day).desc(), col(Attendance.id).desc()).limit(limit + 1)
        ).all()
        entries += [Entry("attendance", a.day, a.id, attendance=a) for a in rows]
    entries.sort(key=lambda e: e.sort_key, reverse=True)
    page = entries[:limit]
    next_cursor = None
    if len(entries) > limit and page:
        last = page[-1]
        next_cursor = Cursor(last.day, KINDS[last.kind][1], last.id)
    return page, next_cursor

"""Attendance: present, absent, late or excused per day, and attendance rates."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, bindparam, case
from sqlmodel import Session, col, func, select

from webapp.domain.field.captures import FieldError, check_day
from webapp.models import (
    ATTENDANCE_STATUSES,
    Attendance,
    Employee,
    User,
    utcnow,
)
from webapp.platform.plans import plan_once

MAX_LATE_MINUTES = 480


# Built once per process (the Today screen asks for it on every visit); values bound at execution.
_OF_DAY = select(Attendance).where(Attendance.structure_id == bindparam("structure_id"),
                                   Attendance.day == bindparam("day"),
                                   col(Attendance.employee_id).in_(bindparam("ids", expanding=True)))


def attendance_by_employee(db: Session, *, structure_id: int, employee_ids: list[int], day: date) -> dict[int, Attendance]:
    """The attendance rows of `day` for these employees, by employee id."""
    rows = db.exec(_OF_DAY, params={"structure_id": structure_id, "day": day, "ids": employee_ids or [0]}).all()
    return {r.employee_id: r for r in rows}


def record_attendance(db: Session, *, user: User, employee: Employee, day: date, status: str,
                      late_minutes: int | None, today: date, happened_at: datetime | None = None) -> Attendance:
    """Set the employee's attendance for `day` (idempotent: the same tap twice gives the same row)."""
    check_day(day, today, this_week=True)
    if status not in ATTENDANCE_STATUSES:
        raise FieldError("Statut de présence inconnu.", "status")
    if status == "late":
        if late_minutes is not None and not (1 <= late_minutes <= MAX_LATE_MINUTES):
            raise FieldError(f"Le retard se compte entre 1 et {MAX_LATE_MINUTES} minutes.", "late_minutes")
    else:
        late_minutes = None
    row = db.exec(select(Attendance).where(Attendance.employee_id == employee.id, Attendance.day == day)).first()
    if row is None:
        row = Attendance(structure_id=employee.structure_id, employee_id=employee.id, day=day, status=status,
                         recorded_by_id=user.id)
    row.status, row.late_minutes, row.recorded_by_id, row.recorded_at = (status, late_minutes, user.id,
                                                                         happened_at or utcnow())
    db.add(row)
    return row


@dataclass
class AttendanceRate:
    """Counts of one person's recorded days over a period, and the resulting rate."""

    present: int = 0
    late: int = 0
    absent: int = 0
    excused: int = 0
    late_minutes: int = 0

    def add(self, status: str, days: int, late_minutes: int) -> None:
        """Take the count of one status (and, for lateness, its minutes) from a query grouped by status."""
        setattr(self, status, days)
        if status == "late":
            self.late_minutes = int(late_minutes)

    @property
    def rate(self) -> float | None:
        """Share of expected days worked (present or late); excused days are not expected."""
        expected = self.present + self.late + self.absent
        return None if expected == 0 else (self.present + self.late) / expected


def attendance_rates(db: Session, *, structure_id: int, employee_ids: list[int], start: date,
                     end: date) -> dict[int, AttendanceRate]:
    """Attendance counts and rate per employee between `start` and `end` included, in one query."""
    rows = db.exec(
        select(Attendance.employee_id, Attendance.status, func.count(), func.coalesce(func.sum(Attendance.late_minutes), 0))
        .where(Attendance.structure_id == structure_id, col(Attendance.employee_id).in_(employee_ids or [0]),
               Attendance.day >= start, Attendance.day <= end)
        .group_by(Attendance.employee_id, Attendance.status)
    ).all()
    rates = {i: AttendanceRate() for i in employee_ids}
    for employee_id, status, count, minutes in rows:
        rates[employee_id].add(status, count, minutes)
    return rates


# Built once per process (every parcours runs it): a person's counts by status over their whole history and
# over the recent days, from the (employee, day, status, late minutes, structure) index alone.
_recent = Attendance.day >= bindparam("recent_start", type_=Date)
_RATES_RECENT_AND_OVERALL = plan_once(
    select(Attendance.status, func.count(), func.coalesce(func.sum(Attendance.late_minutes), 0),
           func.coalesce(func.sum(case((_recent, 1), else_=0)), 0),
           func.coalesce(func.sum(case((_recent, Attendance.late_minutes), else_=0)), 0))
    .where(Attendance.structure_id == bindparam("structure_id"), Attendance.employee_id == bindparam("employee_id"),
           Attendance.day <= bindparam("end", type_=Date))
    .group_by(Attendance.status))


def recent_and_overall_rates(db: Session, *, structure_id: int, employee_id: int, recent_start: date,
                             end: date) -> tuple[AttendanceRate, AttendanceRate]:
    """One person's attendance from `recent_start` to `end`, and over everything up to `end`, in one query."""
    recent, overall = AttendanceRate(), AttendanceRate()
    for status, count, minutes, recent_count, recent_minutes in db.exec(_RATES_RECENT_AND_OVERALL, params={
            "structure_id": structure_id, "employee_id": employee_id, "recent_start": recent_start, "end": end}):
        overall.add(status, count, minutes)
        recent.add(status, recent_count, recent_minutes)
    return recent, overall


"""Personal data lifecycle: export everything held about one employee, anonymise it after retention.

Each wing owns its part in `webapp/domain/<wing>/privacy.py`: `export(db, employee)` (its sections of the
right-of-access document), `anonymise(db, employee, upload_folder=)` (the retention purge) and `TABLES` (the
tables both cover). `covered_tables()` lets a test check that no table holding an `employee_id` is left out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, SQLModel, func, select

from webapp.domain.accounts import privacy as accounts_privacy
from webapp.domain.alerts import privacy as alerts_privacy
from webapp.domain.employees import privacy as employees_privacy
from webapp.domain.field import privacy as field_privacy
from webapp.domain.followup import privacy as followup_privacy
from webapp.domain.personal_data import Section
from webapp.domain.skills import privacy as skills_privacy
from webapp.models import Contract, Employee, Structure

# In the order of the export: who the person is first, who read their data last.
WINGS = (employees_privacy, field_privacy, alerts_privacy, skills_privacy, followup_privacy, accounts_privacy)


def covered_tables() -> frozenset[str]:
    """Names of the tables some wing both exports and anonymises."""
    return frozenset(model.__tablename__ for wing in WINGS for model in wing.TABLES)


def tables_with_employee_id() -> frozenset[str]:
    """Names of the tables that hold an `employee_id`: each must be covered."""
    return frozenset(table.name for table in SQLModel.metadata.sorted_tables if "employee_id" in table.c)


def export_employee(db: Session, employee: Employee) -> list[Section]:
    """Every section of data Terrain holds about the employee; values are plain, dates are date or datetime."""
    return [section for wing in WINGS for section in wing.export(db, employee)]


def anonymise(db: Session, employee: Employee, *, upload_folder: str) -> None:
    """Apply every wing's anonymisation to the employee and remove their photo files; the caller commits."""
    # The identity goes last: the other wings look for the person's name in free texts. The field wing runs
    # before the follow-up wing, whose finalised bilans copy the observation texts the field wing has scrubbed.
    for wing in sorted(WINGS, key=lambda wing: wing is employees_privacy):
        wing.anonymise(db, employee, upload_folder=upload_folder)


@dataclass
class PurgeCandidate:
    """An employee whose retention period is over."""

    employee: Employee
    structure: Structure
    last_day: date
    done: bool = field(default=False)


def purge_candidates(db: Session, today: date) -> list[PurgeCandidate]:
    """Employees of every structure whose last contract ended more than the structure's retention ago."""
    last_end = (
        select(Contract.employee_id, func.max(Contract.end_date).label("last_day"))
        .group_by(Contract.employee_id)
        .subquery()
    )
    rows = db.exec(
        select(Employee, Structure, last_end.c.last_day)
        .join(last_end, last_end.c.employee_id == Employee.id)
        .join(Structure, Structure.id == Employee.structure_id)
        .where(Employee.last_name.not_like("anonymisé(e) n° %"))
    ).all()
    return [
        PurgeCandidate(employee, structure, last_day)
        for employee, structure, last_day in rows
        if last_day + timedelta(days=int(structure.retention_months * 30.44)) < today
    ]

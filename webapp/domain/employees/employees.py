"""Service functions for employees and their CDDI contracts."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, func, select

from webapp.models import Contract, Employee, User, Worksite

CDDI_MIN_MONTHS = 4
CDDI_MAX_TOTAL_MONTHS = 24
WEEKLY_HOURS_MIN = 20
WEEKLY_HOURS_MAX = 35


def months_between(start: date, end: date) -> float:
    """Length of a period in months (30.44 days each)."""
    return ((end - start).days + 1) / 30.44


@dataclass
class EmployeeRow:
    """An employee as listed, with what the list shows beside the name."""

    employee: Employee
    contract: Contract | None
    worksite: Worksite | None


def search_employees(
    db: Session, structure_id: int, query: str = "", include_inactive: bool = False,
    limit: int = 50, offset: int = 0,
) -> list[EmployeeRow]:
    """Employees of a structure matching `query`, with their current contract, in two queries."""
    stmt = (
        select(Employee, Worksite)
        .join(Worksite, Worksite.id == Employee.worksite_id, isouter=True)
        .where(Employee.structure_id == structure_id)
    )
    if not include_inactive:
        stmt = stmt.where(Employee.active.is_(True))
    words = query.strip().split()
    for word in words[:5]:
        pattern = f"%{word.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Employee.first_name).like(pattern),
                func.lower(Employee.last_name).like(pattern),
                func.lower(Employee.pass_iae_number).like(pattern),
            )
        )
    stmt = stmt.order_by(Employee.last_name, Employee.first_name).limit(limit).offset(offset)
    pairs = db.exec(stmt).all()
    contracts = latest_contracts(db, [e.id for e, _ in pairs])
    return [EmployeeRow(e, contracts.get(e.id), w) for e, w in pairs]


def latest_contracts(db: Session, employee_ids: list[int]) -> dict[int, Contract]:
    """The latest contract of each employee, in one query."""
    if not employee_ids:
        return {}
    rows = db.exec(
        select(Contract)
        .where(col(Contract.employee_id).in_(employee_ids))
        .order_by(Contract.employee_id, Contract.start_date)
    ).all()
    return {row.employee_id: row for row in rows}


def contracts_of(db: Session, employee_id: int) -> list[Contract]:
    """All contract periods of an employee, oldest first."""
    return list(
        db.exec(select(Contract).where(Contract.employee_id == employee_id).order_by(Contract.start_date)).all()
    )


def contract_problems(
    start: date | None, end: date | None, hours: float | None
) -> dict[str, str]:
    """Blocking problems of a contract period, as French messages by field."""
    problems: dict[str, str] = {}
    if start and end and end < start:
        problems["end_date"] = "La fin du contrat doit être après son début."
    if hours is not None and not (1 <= hours <= WEEKLY_HOURS_MAX):
        problems["weekly_hours"] = f"La durée hebdomadaire doit être comprise entre 1 et {WEEKLY_HOURS_MAX} heures."
    return problems


def contract_warnings(contracts: list[Contract]) -> list[str]:
    """Points to check against the CDDI rules (exceptions exist, so these do not block)."""
    if not contracts:
        return []
    warnings = []
    first = contracts[0]
    if months_between(first.start_date, first.end_date) < CDDI_MIN_MONTHS - 0.05:
        warnings.append("Le premier contrat dure moins de 4 mois (minimum légal hors dérogation).")
    total = sum(months_between(c.start_date, c.end_date) for c in contracts)
    if total > CDDI_MAX_TOTAL_MONTHS + 0.05:
        warnings.append("La durée totale dépasse 24 mois : une dérogation est nécessaire.")
    if any(c.weekly_hours < WEEKLY_HOURS_MIN for c in contracts):
        warnings.append("Moins de 20 heures par semaine : vérifiez la dérogation.")
    return warnings


def renew_contract(*, db: Session, employee: Employee, end_date: date, weekly_hours: float) -> Contract:
    """Add a renewal starting the day after the latest contract ends; the caller commits."""
    latest = contracts_of(db, employee.id)[-1]
    renewal = Contract(
        structure_id=employee.structure_id,
        employee_id=employee.id,
        start_date=latest.end_date + timedelta(days=1),
        end_date=end_date,
        weekly_hours=weekly_hours,
        renewal_number=latest.renewal_number + 1,
        job_title=latest.job_title,
    )
    db.add(renewal)
    return renewal


def staff_names(db: Session, ids: list[int | None]) -> dict[int, User]:
    """Users by id for the given ids, in one query."""
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    return {u.id: u for u in db.exec(select(User).where(col(User.id).in_(wanted))).all()}

"""Personal data lifecycle: export everything held about one employee, anonymise after retention.

Each feature registers what it holds with `exporter` and `anonymiser`, so that an access request and
the retention purge cover every table, present and future.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, col, func, select

from webapp.models import AuditEvent, Contract, Employee, Structure, User, Worksite

Section = tuple[str, list[dict]]
_EXPORTERS: list[Callable[[Session, Employee], Section | None]] = []
_ANONYMISERS: list[Callable[[Session, Employee, str | None], None]] = []


def exporter(func_):
    """Register a function (db, employee) -> (section title, rows) for the employee's export."""
    _EXPORTERS.append(func_)
    return func_


def anonymiser(func_):
    """Register a function (db, employee, upload_folder) that removes a feature's personal data of the employee."""
    _ANONYMISERS.append(func_)
    return func_


def _plain(value):
    if isinstance(value, (date,)):
        return value.isoformat()
    return value


@exporter
def _identity(db: Session, employee: Employee) -> Section:
    staff = {u.id: u.full_name for u in db.exec(select(User).where(
        col(User.id).in_([i for i in (employee.referent_cip_id, employee.referent_eti_id) if i]))).all()}
    site = db.get(Worksite, employee.worksite_id) if employee.worksite_id else None
    return "Identité et accompagnement", [{
        "Prénom": employee.first_name, "Nom": employee.last_name, "Téléphone": employee.phone,
        "E-mail": employee.email, "Numéro de PASS IAE": employee.pass_iae_number,
        "Fin du PASS IAE": _plain(employee.pass_iae_end), "Chantier": site.name if site else "",
        "CIP référent(e)": staff.get(employee.referent_cip_id, ""),
        "Encadrant(e) référent(e)": staff.get(employee.referent_eti_id, ""),
        "Enregistré le": _plain(employee.created_at.date()),
    }]


@exporter
def _contracts(db: Session, employee: Employee) -> Section:
    rows = db.exec(select(Contract).where(Contract.employee_id == employee.id).order_by(Contract.start_date)).all()
    return "Contrats", [{
        "Type": c.kind, "Début": _plain(c.start_date), "Fin": _plain(c.end_date),
        "Heures par semaine": c.weekly_hours, "Renouvellement": c.renewal_number, "Poste": c.job_title,
    } for c in rows]


@exporter
def _accesses(db: Session, employee: Employee) -> Section:
    rows = db.exec(select(AuditEvent).where(AuditEvent.employee_id == employee.id).order_by(AuditEvent.at)).all()
    return "Consultations et exports tracés", [{
        "Date (UTC)": e.at.strftime("%Y-%m-%d %H:%M"), "Événement": e.action, "Par": e.actor_label,
    } for e in rows]


def export_employee(db: Session, employee: Employee) -> list[Section]:
    """Every section of data Terrain holds about the employee."""
    import webapp.domain.privacy_features  # noqa: F401  (registers the features' sections)

    sections = []
    for fn in _EXPORTERS:
        section = fn(db, employee)
        if section is not None:
            sections.append(section)
    return sections


@anonymiser
def _anonymise_identity(db: Session, employee: Employee, upload_folder: str | None = None) -> None:
    employee.first_name = "Salarié(e)"
    employee.last_name = f"anonymisé(e) n° {employee.id}"
    employee.phone = employee.email = employee.pass_iae_number = ""
    employee.pass_iae_end = None
    employee.active = False
    db.add(employee)


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


def anonymise(db: Session, employee: Employee, upload_folder: str | None = None) -> None:
    """Apply every registered anonymiser to the employee; the caller commits."""
    import webapp.domain.privacy_features  # noqa: F401  (registers the features' anonymisers)

    for fn in _ANONYMISERS:
        fn(db, employee, upload_folder)

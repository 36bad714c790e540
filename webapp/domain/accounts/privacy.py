"""What the accounts wing holds about a person: the audit trail of who read or exported their data."""
from __future__ import annotations

from sqlmodel import Session, select

from webapp.domain.accounts.audit import ACTIONS
from webapp.domain.personal_data import Section
from webapp.models import AuditEvent, Employee

TABLES = (AuditEvent,)


def export(db: Session, employee: Employee) -> list[Section]:
    """Every traced read, export or change concerning the employee."""
    rows = db.exec(select(AuditEvent).where(AuditEvent.employee_id == employee.id).order_by(AuditEvent.at)).all()
    return [("Consultations et exports tracés", [{
        "Date": e.at, "Événement": ACTIONS.get(e.action, e.action), "Par": e.actor_label,
    } for e in rows])]


def anonymise(db: Session, employee: Employee, *, upload_folder: str) -> None:
    """Nothing to erase: the trail names the employee by id only, never by name or with a free text about them,
    and it has its own shorter retention (`audit.purge`), so it stays append-only."""

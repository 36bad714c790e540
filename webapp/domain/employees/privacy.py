"""What the employees wing holds about a person: identity, follow-up referents, contracts."""
from __future__ import annotations

from sqlmodel import Session, select

from webapp.domain.personal_data import Section, staff_names, sweep_full_name
from webapp.models import Contract, Employee, Worksite

TABLES = (Employee, Contract)


def export(db: Session, employee: Employee) -> list[Section]:
    """The identity and the contracts."""
    staff = staff_names(db, (employee.referent_cip_id, employee.referent_eti_id))
    site = db.get(Worksite, employee.worksite_id) if employee.worksite_id else None
    identity = [{
        "Prénom": employee.first_name, "Nom": employee.last_name, "Téléphone": employee.phone,
        "E-mail": employee.email, "Numéro de PASS IAE": employee.pass_iae_number,
        "Fin du PASS IAE": employee.pass_iae_end, "Chantier": site.name if site else "",
        "CIP référent(e)": staff.get(employee.referent_cip_id, ""),
        "Encadrant(e) référent(e)": staff.get(employee.referent_eti_id, ""),
        "Enregistré le": employee.created_at,
    }]
    contracts = db.exec(select(Contract).where(Contract.employee_id == employee.id)
                        .order_by(Contract.start_date)).all()
    return [("Identité et accompagnement", identity), ("Contrats", [{
        "Type": c.kind, "Début": c.start_date, "Fin": c.end_date, "Heures par semaine": c.weekly_hours,
        "Renouvellement": c.renewal_number, "Poste": c.job_title,
    } for c in contracts])]


def anonymise(db: Session, employee: Employee, *, upload_folder: str) -> None:
    """The full name leaves every free text of the structure, then the identity goes; contracts stay (statistics)."""
    sweep_full_name(db, employee)
    employee.first_name = "Salarié(e)"
    employee.last_name = f"anonymisé(e) n° {employee.id}"
    employee.phone = employee.email = employee.pass_iae_number = ""
    employee.pass_iae_end = None
    employee.active = False
    db.add(employee)

"""The audit trail: record sensitive reads and changes, browse them, purge them after their lifetime."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import delete
from sqlmodel import Session, col, select

from webapp.models import AuditEvent, User, utcnow

# action code -> French label shown to direction
ACTIONS = {
    "login.success": "Connexion réussie",
    "login.failure": "Échec de connexion",
    "login.locked": "Connexion bloquée (trop d'échecs)",
    "login.spray": "Mots de passe essayés sur plusieurs comptes",
    "logout": "Déconnexion",
    "session.end": "Session fermée",
    "user.create": "Compte créé",
    "user.update": "Compte modifié",
    "user.role": "Rôle modifié",
    "user.deactivate": "Compte désactivé",
    "user.password": "Mot de passe changé",
    "user.totp": "Double authentification modifiée",
    "user.passkey": "Clé d'accès modifiée",
    "structure.settings": "Paramètres de la structure modifiés",
    "employee.export": "Export des données d'un salarié",
    "employee.purge": "Données d'un salarié anonymisées",
    "audit.view": "Consultation du journal",
    "sensitive.read": "Lecture d'une donnée sensible",
    "alert.read": "Lecture d'une alerte",
    "alert.event": "Événement d'alerte",
}


def record(
    db: Session, *, action: str, user=None, structure_id: int | None = None, object_type: str = "",
    object_id: int | None = None, employee_id: int | None = None, detail: str = "", actor_label: str = "",
) -> AuditEvent:
    """Add an audit event to the session (the caller's commit writes it with the change it traces).

    A HEAD request is answered without a body: nothing was read, so nothing is traced (the event is not added).
    """
    if user is None and has_request_context() and current_user and current_user.is_authenticated:
        user = current_user
    if user is not None and structure_id is None:
        structure_id = user.structure_id
    ip = (request.remote_addr or "") if has_request_context() else ""
    event = AuditEvent(
        action=action, user_id=getattr(user, "id", None), structure_id=structure_id,
        actor_label=actor_label or getattr(user, "email", ""), object_type=object_type, object_id=object_id,
        employee_id=employee_id, detail=detail[:500], ip=ip[:45],
    )
    if not (has_request_context() and request.method == "HEAD"):
        db.add(event)
    return event


@dataclass
class AuditFilter:
    """What direction filters the journal by."""

    action: str = ""
    user_id: int | None = None
    employee_id: int | None = None
    start: date | None = None
    end: date | None = None
    before_id: int | None = None


def browse(db: Session, structure_id: int, filters: AuditFilter, limit: int = 50) -> list[tuple[AuditEvent, User | None]]:
    """Events of a structure, newest first, paged by id."""
    stmt = (
        select(AuditEvent, User)
        .join(User, User.id == AuditEvent.user_id, isouter=True)
        .where(AuditEvent.structure_id == structure_id)
    )
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    if filters.user_id:
        stmt = stmt.where(AuditEvent.user_id == filters.user_id)
    if filters.employee_id:
        stmt = stmt.where(AuditEvent.employee_id == filters.employee_id)
    if filters.start:
        stmt = stmt.where(AuditEvent.at >= datetime.combine(filters.start, time.min, UTC))
    if filters.end:
        stmt = stmt.where(AuditEvent.at < datetime.combine(filters.end + timedelta(days=1), time.min, UTC))
    if filters.before_id:
        stmt = stmt.where(AuditEvent.id < filters.before_id)
    return list(db.exec(stmt.order_by(col(AuditEvent.id).desc()).limit(limit)).all())


def purge(db: Session, *, months: int, now: datetime | None = None) -> int:
    """Delete events older than `months`; returns how many went. The caller commits."""
    cutoff = (now or utcnow()) - timedelta(days=int(months * 30.44))
    result = db.exec(delete(AuditEvent).where(AuditEvent.at < cutoff))
    return result.rowcount or 0


def record_restricted_observation_reads(db: Session, views) -> None:
    """Trace that the current user read "CIP et direction seulement" observations, once per person concerned."""
    per_employee: dict[int, int] = {}
    for view in views:
        if view.observation.visibility == "restricted":
            for employee in view.employees:
                per_employee[employee.id] = per_employee.get(employee.id, 0) + 1
    for employee_id, count in per_employee.items():
        record(db, action="sensitive.read", object_type="observation", employee_id=employee_id,
               detail=f"{count} observation(s) réservée(s) CIP et direction")


LOGIN_THREATS = ("login.locked", "login.spray")


def recent_login_threats(db: Session, structure_id: int, *, since: datetime) -> list[AuditEvent]:
    """Lock-outs and password sprays that touched the structure's accounts since `since`, newest first."""
    return list(db.exec(select(AuditEvent).where(AuditEvent.structure_id == structure_id,
                                                 col(AuditEvent.action).in_(LOGIN_THREATS), AuditEvent.at >= since)
                        .order_by(col(AuditEvent.id).desc())).all())

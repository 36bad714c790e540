"""The audit trail: record sensitive reads and changes, browse them, purge them after their lifetime."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, insert
from sqlmodel import Session, col, select

from webapp.models import AuditEvent, User, utcnow
from webapp.platform import dates

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
    db: Session, *, action: str, user, ip: str = "", structure_id: int | None = None, object_type: str = "",
    object_id: int | None = None, employee_id: int | None = None, detail: str = "", actor_label: str = "",
) -> AuditEvent:
    """Add an audit event to the session (the caller's commit writes it with the change it traces).

    `user` is who acted (None for the system or an anonymous visitor) and `ip` where from: always explicit.
    """
    event = _event(action=action, user=user, ip=ip, structure_id=structure_id, object_type=object_type,
                   object_id=object_id, employee_id=employee_id, detail=detail, actor_label=actor_label)
    db.add(event)
    return event


def _event(
    *, action: str, user, ip: str = "", structure_id: int | None = None, object_type: str = "",
    object_id: int | None = None, employee_id: int | None = None, detail: str = "", actor_label: str = "",
) -> AuditEvent:
    """An audit event, not yet added to any session."""
    if user is not None and structure_id is None:
        structure_id = user.structure_id
    event = AuditEvent(
        action=action, user_id=getattr(user, "id", None), structure_id=structure_id,
        actor_label=actor_label or getattr(user, "email", ""), object_type=object_type, object_id=object_id,
        employee_id=employee_id, detail=detail[:500], ip=ip[:45],
    )
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


def browse(db: Session, structure_id: int, filters: AuditFilter, limit: int = 50, *,
           timezone: str | None = None) -> list[tuple[AuditEvent, User | None]]:
    """Events of a structure, newest first, paged by id; the day filters are local days of `timezone`."""
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
        stmt = stmt.where(AuditEvent.at >= dates.day_bounds(filters.start, timezone)[0])
    if filters.end:
        stmt = stmt.where(AuditEvent.at < dates.day_bounds(filters.end, timezone)[1])
    if filters.before_id:
        stmt = stmt.where(AuditEvent.id < filters.before_id)
    return list(db.exec(stmt.order_by(col(AuditEvent.id).desc()).limit(limit)).all())


def purge(db: Session, *, months: int, now: datetime | None = None) -> int:
    """Delete events older than `months`; returns how many went. The caller commits."""
    cutoff = (now or utcnow()) - timedelta(days=int(months * 30.44))
    result = db.exec(delete(AuditEvent).where(AuditEvent.at < cutoff))
    return result.rowcount or 0


def record_restricted_observation_reads(db: Session, views, *, user, ip: str = "") -> None:
    """Trace that `user` read "CIP et direction seulement" observations, once per person concerned."""
    per_employee: dict[int, int] = {}
    for view in views:
        if view.observation.visibility == "restricted":
            for employee in view.employees:
                per_employee[employee.id] = per_employee.get(employee.id, 0) + 1
    events = [_event(action="sensitive.read", user=user, ip=ip, object_type="observation", employee_id=employee_id,
                     detail=f"{count} observation(s) réservée(s) CIP et direction")
              for employee_id, count in per_employee.items()]
    if events:
        # One statement for every person on the page: a page of twenty notes costs no more than one.
        db.execute(insert(AuditEvent), [e.model_dump(exclude={"id"}) for e in events])


LOGIN_THREATS = ("login.locked", "login.spray")


def recent_login_threats(db: Session, structure_id: int, *, since: datetime) -> list[AuditEvent]:
    """Lock-outs and password sprays that touched the structure's accounts since `since`, newest first."""
    return list(db.exec(select(AuditEvent).where(AuditEvent.structure_id == structure_id,
                                                 col(AuditEvent.action).in_(LOGIN_THREATS), AuditEvent.at >= since)
                        .order_by(col(AuditEvent.id).desc())).all())

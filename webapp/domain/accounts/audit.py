"""The audit trail: record sensitive reads and changes, browse them, purge them after their lifetime."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, insert
from sqlmodel import Session, col, select

from webapp.models import AuditEvent, User, utcnow
from webapp.platform import dates
from webapp.platform.db import write_after_read
from webapp.platform.plans import plan_once

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


# A reading of sensitive data is traced once for the same reader, person, thing read, content and address within
# this time: a counsellor who comes back to the feed or the parcours every few minutes leaves one line per new
# content, not one per page load, and the page is a plain read whenever nothing new is shown.
READ_TRACE_WINDOW = timedelta(minutes=10)


def sensitive_read(*, user, ip: str = "", object_type: str, employee_id: int | None, detail: str,
                   object_id: int | None = None) -> AuditEvent:
    """The trace of `user` reading sensitive data about one person (not yet written: see `trace_reads`)."""
    return _event(action="sensitive.read", user=user, ip=ip, object_type=object_type, object_id=object_id,
                  employee_id=employee_id, detail=detail)


def restricted_observation_reads(views, *, user, ip: str = "") -> list[AuditEvent]:
    """The traces of `user` reading "CIP et direction seulement" observations: one per person concerned.

    The detail names the observations, so that a new one shown is a new reading (`trace_reads`).
    """
    per_employee: dict[int, list[int]] = {}
    for view in views:
        if view.observation.visibility == "restricted":
            for employee in view.employees:
                per_employee.setdefault(employee.id, []).append(view.observation.id)
    return [sensitive_read(user=user, ip=ip, object_type="observation", employee_id=employee_id,
                           detail=f"{len(ids)} observation(s) réservée(s) CIP et direction : "
                                  + ", ".join(f"n° {i}" for i in sorted(ids)))
            for employee_id, ids in per_employee.items()]


def _reading(event: AuditEvent) -> tuple:
    """What makes two traces of sensitive reads by one user the same reading."""
    return event.employee_id, event.object_type, event.object_id, event.detail, event.ip


def untraced_reads(db: Session, events: list[AuditEvent], *, now: datetime | None = None) -> list[AuditEvent]:
    """The `events` (sensitive reads by one user) not traced alike within `READ_TRACE_WINDOW` before `now`."""
    user_id = events[0].user_id if events else None
    if user_id is None:
        return events
    since = (now or utcnow()) - READ_TRACE_WINDOW
    # Planned once on PostgreSQL: it always reads the user's last minutes through ix_audit_event_user_at.
    traced = set(db.execute(plan_once(
        select(AuditEvent.employee_id, AuditEvent.object_type, AuditEvent.object_id, AuditEvent.detail,
               AuditEvent.ip)
        .where(AuditEvent.user_id == user_id, AuditEvent.action == "sensitive.read", AuditEvent.at >= since))).all())
    return [event for event in events if _reading(event) not in traced]


def trace_reads(db: Session, events: list[AuditEvent]) -> int:
    """Write the sensitive reads `events` of one user, except those already traced within the window.

    Called after the page's reads: when something is new, the read transaction ends and the traces are written
    and committed in a transaction of their own (`write_after_read`); otherwise nothing is written. Returns how
    many traces were written.
    """
    events = untraced_reads(db, events)
    if events:
        with write_after_read(db):
            # One statement for every person on the page: a page of twenty notes costs no more than one.
            db.execute(insert(AuditEvent), [e.model_dump(exclude={"id"}) for e in events])
    return len(events)


LOGIN_THREATS = ("login.locked", "login.spray")


def recent_login_threats(db: Session, structure_id: int, *, since: datetime) -> list[AuditEvent]:
    """Lock-outs and password sprays that touched the structure's accounts since `since`, newest first."""
    return list(db.exec(select(AuditEvent).where(AuditEvent.structure_id == structure_id,
                                                 col(AuditEvent.action).in_(LOGIN_THREATS), AuditEvent.at >= since)
                        .order_by(col(AuditEvent.id).desc())).all())

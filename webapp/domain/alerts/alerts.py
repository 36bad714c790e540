"""Urgent alerts: types, recipients, raising, and the raised → seen → acknowledged → resolved lifecycle."""
from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import Select, and_, bindparam, case, exists, func, or_, update
from sqlmodel import Session, col, select

from webapp.models import (
    Alert,
    AlertEvent,
    AlertRecipient,
    AlertSetting,
    AlertTypeSetting,
    Employee,
    User,
    utcnow,
)
from webapp.platform import dates, idempotency, outbox, reference_lists

SEVERITIES = ("critique", "haute", "moyenne")
SEVERITY_LABELS = {"critique": "Critique", "haute": "Haute", "moyenne": "Moyenne"}
# Severity is never shown by colour alone: a symbol and a word go with it.
SEVERITY_SYMBOLS = {"critique": "▲▲▲", "haute": "▲▲", "moyenne": "▲"}
DEFAULT_ESCALATION_MINUTES = {"critique": 10, "haute": 30, "moyenne": 120}
REMINDER_MINUTES = 5
REMINDERS = 2
OPEN_STATUSES = ("raised", "seen")  # nobody has taken it in charge yet
UNRESOLVED_STATUSES = (*OPEN_STATUSES, "acknowledged")
STATUS_LABELS = {
    "raised": "Envoyée — en attente de prise en charge",
    "seen": "Vue — en attente de prise en charge",
    "acknowledged": "Prise en charge",
    "resolved": "Résolue",
}
EVENT_LABELS = {
    "raised": "Alerte envoyée",
    "seen": "Vue",
    "acknowledged": "Prise en charge",
    "resolved": "Résolue",
    "escalated": "Escaladée à la coordination et à la direction",
    "reminded": "Relance",
}
NUMBER_LABELS = {
    "15": "SAMU", "17": "Police", "18": "Pompiers", "112": "Urgences européennes",
    "115": "Hébergement d'urgence", "119": "Enfance en danger", "3114": "Prévention du suicide",
}
# An alert kept on a phone without network may be replayed hours later, never from the future.
MAX_OFFLINE_AGE = timedelta(hours=48)
MAX_CLOCK_SKEW = timedelta(minutes=2)
MAX_FACTS = 500
MAX_NOTE = 1000


class AlertError(Exception):
    """A refused alert operation, with the form field concerned and a French message."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class AlertType:
    """One situation of alertes.csv."""

    code: str
    label: str
    severity: str
    recipients: tuple[str, ...]
    numbers: tuple[str, ...]


@lru_cache(maxsize=1)
def _alert_types() -> tuple[AlertType, ...]:
    return tuple(
        AlertType(row["code"], row["libelle"], row["gravite"],
                  tuple(r for r in row["destinataires_par_defaut"].split(";") if r),
                  tuple(n for n in row["numeros_utiles"].split(";") if n))
        for row in reference_lists.load("alertes")
    )


def alert_types() -> list[AlertType]:
    """Every situation type, in the order of the référentiel (read once: the list ships with the code)."""
    return list(_alert_types())


@lru_cache(maxsize=None)
def alert_type(code: str) -> AlertType | None:
    """The situation type with this code, or None."""
    return next((t for t in _alert_types() if t.code == code), None)


def useful_numbers(codes) -> list[tuple[str, str]]:
    """(number, label) pairs for tap-to-call links."""
    return [(n, NUMBER_LABELS.get(n, "")) for n in codes]


def escalation_delays(db: Session, structure_id: int) -> dict[str, int]:
    """Minutes before escalation by severity: the structure's settings over the defaults."""
    delays = dict(DEFAULT_ESCALATION_MINUTES)
    for row in db.exec(select(AlertSetting).where(AlertSetting.structure_id == structure_id)).all():
        delays[row.severity] = row.escalation_minutes
    return delays


def set_escalation_delays(*, db: Session, structure_id: int, delays: dict[str, int]) -> None:
    """Store the structure's escalation delays; the caller commits."""
    existing = {r.severity: r for r in db.exec(
        select(AlertSetting).where(AlertSetting.structure_id == structure_id)).all()}
    for severity, minutes in delays.items():
        row = existing.get(severity) or AlertSetting(structure_id=structure_id, severity=severity,
                                                     escalation_minutes=minutes)
        row.escalation_minutes = minutes
        db.add(row)


ROLE_CHOICES = {"coordination": "Coordination", "direction": "Direction"}


def type_roles(db: Session, structure_id: int) -> dict[str, tuple[str, ...]]:
    """Roles alerted for each situation type (beyond the referent CIP): the structure's choice or the default."""
    roles = {t.code: tuple(r for r in t.recipients if r in ROLE_CHOICES) for t in alert_types()}
    for row in db.exec(select(AlertTypeSetting).where(AlertTypeSetting.structure_id == structure_id)).all():
        if row.type_code in roles:
            roles[row.type_code] = tuple(r for r in row.roles.split(";") if r in ROLE_CHOICES)
    return roles


def set_type_roles(*, db: Session, structure_id: int, roles: dict[str, list[str]]) -> None:
    """Store the roles alerted for each situation type; unknown types and roles are ignored. The caller commits."""
    existing = {r.type_code: r for r in db.exec(
        select(AlertTypeSetting).where(AlertTypeSetting.structure_id == structure_id)).all()}
    known = {t.code for t in alert_types()}
    for code, chosen in roles.items():
        if code not in known:
            continue
        row = existing.get(code) or AlertTypeSetting(structure_id=structure_id, type_code=code)
        row.roles = ";".join(r for r in ROLE_CHOICES if r in chosen)
        db.add(row)


def _active_staff(db: Session, structure_id: int, role: str) -> list[User]:
    return list(db.exec(select(User).where(User.structure_id == structure_id, User.role == role,
                                           User.active.is_(True)).order_by(User.id)).all())


def recipients_for(db: Session, employee: Employee, atype: AlertType, raiser_id: int) -> list[tuple[User, str]]:
    """The employee's referent CIP (or every CIP when none) plus the roles chosen for the type."""
    sid = employee.structure_id
    chosen: dict[int, tuple[User, str]] = {}
    referent = db.get(User, employee.referent_cip_id) if employee.referent_cip_id else None
    if referent and referent.active and referent.structure_id == sid:
        chosen[referent.id] = (referent, "referent")
    else:  # no referent CIP: every CIP of the structure, so that no alert stays without a counsellor
        for user in _active_staff(db, sid, "counsellor"):
            chosen.setdefault(user.id, (user, "cip"))
    roles = type_roles(db, sid).get(atype.code, ())
    for role_code, role in (("coordination", "coordinator"), ("direction", "director")):
        if role_code in roles:
            for user in _active_staff(db, sid, role):
                chosen.setdefault(user.id, (user, role_code))
    chosen.pop(raiser_id, None)
    return list(chosen.values())


def employees_for_alert(db: Session, user) -> tuple[list[Employee], list[Employee]]:
    """(the user's own team, every other active employee) of the structure, by first name."""
    rows = db.exec(select(Employee).where(Employee.structure_id == user.structure_id, Employee.active.is_(True))
                   .order_by(Employee.first_name, Employee.last_name)).all()
    team = [e for e in rows if e.referent_eti_id == user.id]
    return team, [e for e in rows if e.referent_eti_id != user.id]


def record_event(db: Session, alert: Alert, kind: str, actor_id: int | None, at: datetime, detail: str = "") -> None:
    """Add one line to the alert's history; the caller commits."""
    db.add(AlertEvent(structure_id=alert.structure_id, alert_id=alert.id, kind=kind, actor_id=actor_id,
                      at=at, detail=detail))


def accepted_raised_at(raised_at: datetime | None, now: datetime) -> datetime:
    """The client's time of raising when it is plausible, else the server's time."""
    if raised_at is None or raised_at.tzinfo is None:
        return now
    if now - MAX_OFFLINE_AGE <= raised_at <= now + MAX_CLOCK_SKEW:
        return min(raised_at, now)
    return now


def raise_alert(
    *, db: Session, raiser: User, employee_id: int | None, type_code: str, facts: str = "",
    client_key: str, raised_at: datetime | None = None, now: datetime | None = None, base_url: str = "",
    content_hash: str | None = None,
) -> tuple[Alert, bool]:
    """Store an alert with its recipients and delivery jobs (one transaction); (alert, created).

    The same `client_key` and content twice returns the first alert (platform/idempotency.py): a replayed
    offline alert is never doubled; `raised_at` is not part of the content. The caller commits.
    """
    now = now or utcnow()
    client_key = (client_key or "").strip()
    if not client_key or len(client_key) > idempotency.MAX_KEY_LENGTH:
        raise AlertError("client_key", "Le formulaire est incomplet : rechargez la page.")
    if content_hash is None:
        content_hash = idempotency.fingerprint({"employee_id": employee_id, "type_code": type_code,
                                                "facts": facts})
    claim = idempotency.claim(db, structure_id=raiser.structure_id, author_id=raiser.id, key=client_key,
                              kind="alert", content_hash=content_hash)
    if claim.is_replay:
        return db.get(Alert, claim.replayed_id), False
    if db.exec(select(Alert.id).where(Alert.structure_id == raiser.structure_id,
                                      Alert.client_key == client_key)).first() is not None:
        raise idempotency.KeyReused()  # another account of the structure used this key
    employee = db.get(Employee, employee_id) if employee_id else None
    if employee is None or employee.structure_id != raiser.structure_id or not employee.active:
        raise AlertError("employee_id", "Choisissez un(e) salarié(e) de votre structure.")
    atype = alert_type(type_code or "")
    if atype is None:
        raise AlertError("type_code", "Choisissez une situation dans la liste.")
    facts = (facts or "").strip()
    if len(facts) > MAX_FACTS:
        raise AlertError("facts", f"Les faits tiennent en {MAX_FACTS} caractères au plus.")
    delay = escalation_delays(db, raiser.structure_id)[atype.severity]
    alert = Alert(
        structure_id=raiser.structure_id, employee_id=employee.id, type_code=atype.code,
        severity=atype.severity, facts=facts, raised_by_id=raiser.id,
        raised_at=accepted_raised_at(raised_at, now), received_at=now, client_key=client_key,
        next_escalation_at=now + timedelta(minutes=delay),
    )
    db.add(alert)
    db.flush()
    claim.settle(alert.id)
    offline_note = ""
    if (now - alert.raised_at) > MAX_CLOCK_SKEW:
        offline_note = "Envoyée après une coupure de réseau"
    record_event(db, alert, "raised", raiser.id, alert.raised_at, offline_note)
    recipients = recipients_for(db, employee, atype, raiser.id)
    for user, reason in recipients:
        db.add(AlertRecipient(structure_id=alert.structure_id, alert_id=alert.id, user_id=user.id,
                              reason=reason, added_at=now))
    outbox.enqueue(db=db, alert=alert, users=[u for u, _ in recipients], kind="raised", now=now,
                   base_url=base_url)
    return alert, True


def recipient_row(db: Session, alert: Alert, user_id: int) -> AlertRecipient | None:
    """The recipient row of this user for this alert, if any."""
    return db.exec(select(AlertRecipient).where(AlertRecipient.alert_id == alert.id,
                                                AlertRecipient.user_id == user_id)).first()


def can_read(db: Session, alert: Alert, user) -> bool:
    """Alert texts are for its recipients, its raiser and direction of the same structure."""
    if user.structure_id != alert.structure_id:
        return False
    if user.role == "director" or user.id == alert.raised_by_id:
        return True
    return recipient_row(db, alert, user.id) is not None


def mark_seen(*, db: Session, alert: Alert, user, now: datetime | None = None) -> bool:
    """Record that a recipient opened the alert; True when something changed. The caller commits."""
    now = now or utcnow()
    row = recipient_row(db, alert, user.id)
    if row is None or row.seen_at is not None:
        return False
    row.seen_at = now
    db.add(row)
    result = db.execute(update(Alert).where(Alert.id == alert.id, Alert.status == "raised")
                        .values(status="seen", seen_at=now))
    if result.rowcount:
        record_event(db, alert, "seen", user.id, now)
    db.refresh(alert)
    return True


def acknowledge(*, db: Session, alert: Alert, user, now: datetime | None = None, base_url: str = "") -> None:
    """One recipient takes charge of the alert; a second attempt is refused. The caller commits."""
    now = now or utcnow()
    if recipient_row(db, alert, user.id) is None:
        raise AlertError("alert", "Vous ne faites pas partie des destinataires de cette alerte.")
    result = db.execute(
        update(Alert).where(Alert.id == alert.id, col(Alert.status).in_(OPEN_STATUSES))
        .values(status="acknowledged", owner_id=user.id, acknowledged_at=now, next_escalation_at=None)
    )
    db.refresh(alert)
    if not result.rowcount:
        owner = db.get(User, alert.owner_id) if alert.owner_id else None
        if alert.status == "resolved":
            raise AlertError("alert", "Cette alerte est déjà résolue.")
        raise AlertError("alert", f"Cette alerte est déjà prise en charge par {owner.full_name if owner else 'une autre personne'}.")
    record_event(db, alert, "acknowledged", user.id, now)
    _notify_raiser(db, alert, "acknowledged", now, base_url)


def resolve(*, db: Session, alert: Alert, user, note: str, now: datetime | None = None, base_url: str = "") -> None:
    """Close an acknowledged alert with a note; by its owner, coordination or direction. The caller commits."""
    now = now or utcnow()
    if alert.status in OPEN_STATUSES:
        raise AlertError("note", "Prenez d'abord l'alerte en charge.")
    if alert.status == "resolved":
        raise AlertError("note", "Cette alerte est déjà résolue.")
    if alert.owner_id != user.id and user.role not in ("coordinator", "director"):
        raise AlertError("note", "Seule la personne qui a pris l'alerte en charge peut la clore.")
    note = (note or "").strip()
    if not note:
        raise AlertError("note", "Écrivez une courte note de clôture : ce qui a été fait.")
    if len(note) > MAX_NOTE:
        raise AlertError("note", f"La note tient en {MAX_NOTE} caractères au plus.")
    result = db.execute(update(Alert).where(Alert.id == alert.id, Alert.status == "acknowledged")
                        .values(status="resolved", resolved_at=now, resolution_note=note))
    db.refresh(alert)
    if not result.rowcount:
        raise AlertError("note", "Cette alerte est déjà résolue.")
    record_event(db, alert, "resolved", user.id, now)
    _notify_raiser(db, alert, "resolved", now, base_url)


def _notify_raiser(db: Session, alert: Alert, kind: str, now: datetime, base_url: str) -> None:
    raiser = db.get(User, alert.raised_by_id)
    if raiser and raiser.active:
        outbox.enqueue(db=db, alert=alert, users=[raiser], kind=kind, now=now, base_url=base_url)


@dataclass
class AlertRow:
    """An alert as listed, with the names shown beside it."""

    alert: Alert
    employee: Employee
    raiser: User | None
    owner: User | None

    @property
    def type(self) -> AlertType | None:
        return alert_type(self.alert.type_code)


def _rows(db: Session, alerts: list[Alert]) -> list[AlertRow]:
    employees = {e.id: e for e in db.exec(_EMPLOYEES_BY_ID, params={"ids": list({a.employee_id for a in alerts})})}
    user_ids = {a.raised_by_id for a in alerts} | {a.owner_id for a in alerts if a.owner_id}
    users = {u.id: u for u in db.exec(_USERS_BY_ID, params={"ids": list(user_ids)})}
    return [AlertRow(a, employees[a.employee_id], users.get(a.raised_by_id), users.get(a.owner_id))
            for a in alerts]


# Built once per process: every inbox request runs them.
_EMPLOYEES_BY_ID = select(Employee).where(col(Employee.id).in_(bindparam("ids", expanding=True)))
_USERS_BY_ID = select(User).where(col(User.id).in_(bindparam("ids", expanding=True)))


OPEN_LIMIT = 50


@dataclass
class Inbox:
    """What the inbox lists: open alerts (the first `OPEN_LIMIT`), how many are open, the recently closed."""

    open_rows: list[AlertRow]
    open_total: int
    closed_rows: list[AlertRow]


def readable_clause(user):
    """SQL condition on Alert: received or raised by `user` (direction reads every alert of its structure).

    Written as EXISTS on the (alert, user) unique index, so that each candidate alert costs one lookup
    instead of a list of every alert the user ever received.
    """
    return _readable(user.role == "director", user.structure_id, user.id)


def _readable(director: bool, structure_id, user_id):
    """readable_clause for values or bind parameters."""
    clause = Alert.structure_id == structure_id
    if director:
        return clause
    # OFFSET 0 keeps PostgreSQL from turning the lookup into a hash of every alert the user ever received (3 ms
    # for a counsellor's 1,500, growing with history) when it expects many candidates; the inbox reads 20.
    received = (select(AlertRecipient.id)
                .where(AlertRecipient.alert_id == Alert.id, AlertRecipient.user_id == user_id).offset(0).exists())
    return and_(clause, or_(received, Alert.raised_by_id == user_id))


def _open_order():
    """Waiting alerts before those taken in charge, then by severity, then oldest first."""
    severity = case(*((Alert.severity == s, n) for n, s in enumerate(SEVERITIES)), else_=len(SEVERITIES))
    return case((Alert.status == "acknowledged", 1), else_=0), severity, Alert.raised_at, Alert.id


def inbox(db: Session, user, *, limit_closed: int = 20, limit_open: int | None = None) -> Inbox:
    """Open alerts by severity then age (at most `limit_open`, default OPEN_LIMIT), and the recently closed,
    that this user may read."""
    limit_open = OPEN_LIMIT if limit_open is None else limit_open
    listed = _inbox_statements(user.role == "director")
    reader = {"structure_id": user.structure_id, "user_id": user.id}
    open_alerts = list(db.exec(listed.open, params={**reader, "limit": limit_open + 1}))
    total = len(open_alerts)
    if total > limit_open:
        open_alerts = open_alerts[:limit_open]
        total = db.exec(listed.open_count, params=reader).one()
    closed = list(db.exec(listed.closed, params={**reader, "limit": limit_closed}))
    rows = _rows(db, open_alerts + closed)
    return Inbox(rows[:len(open_alerts)], total, rows[len(open_alerts):])


class _InboxStatements(NamedTuple):
    open: Select
    open_count: Select
    closed: Select


@lru_cache(maxsize=2)
def _inbox_statements(director: bool) -> _InboxStatements:
    """The inbox's statements, built once per process for direction and once for the others (the inbox polls)."""
    readable = _readable(director, bindparam("structure_id"), bindparam("user_id"))
    unresolved = col(Alert.status).in_(UNRESOLVED_STATUSES)
    return _InboxStatements(
        select(Alert).where(readable, unresolved).order_by(*_open_order()).limit(bindparam("limit")),
        select(func.count()).select_from(Alert).where(readable, unresolved),
        select(Alert).where(readable, Alert.status == "resolved").order_by(col(Alert.resolved_at).desc())
        .limit(bindparam("limit")),
    )


@lru_cache(maxsize=1)
def _waiting_statement() -> Select:
    """Built once per process: every open page asks for it every ten seconds (the navigation badge).

    It starts from the structure's few open alerts (inbox index) and checks each one's recipients, instead of
    walking every alert the user ever received (1,500 for a counsellor of a busy structure at 1M: 4.4 ms of
    SQLite, 0.1 ms this way).
    """
    received = exists().where(AlertRecipient.alert_id == Alert.id, AlertRecipient.user_id == bindparam("user_id"))
    return (select(Alert, Employee).join(Employee, Employee.id == Alert.employee_id)
            .where(Alert.structure_id == bindparam("structure_id"), col(Alert.status).in_(OPEN_STATUSES), received)
            .order_by(*_open_order()))


def waiting_for(db: Session, user) -> list[tuple[Alert, Employee]]:
    """Alerts sent to this user that nobody has taken in charge yet, most urgent first, with their employee."""
    return list(db.exec(_waiting_statement(), params={"user_id": user.id, "structure_id": user.structure_id}).all())


def unacknowledged_count(db: Session, user) -> int:
    """How many alerts this user receives that nobody has taken in charge yet."""
    received = exists().where(AlertRecipient.alert_id == Alert.id, AlertRecipient.user_id == user.id)
    return db.exec(select(func.count()).select_from(Alert).where(
        Alert.structure_id == user.structure_id, col(Alert.status).in_(OPEN_STATUSES), received)).one()


def history(db: Session, alert: Alert) -> list[tuple[AlertEvent, User | None]]:
    """The alert's events, oldest first, with their actors."""
    events = db.exec(select(AlertEvent).where(AlertEvent.alert_id == alert.id)
                     .order_by(AlertEvent.at, AlertEvent.id)).all()
    actors = {u.id: u for u in db.exec(select(User).where(
        col(User.id).in_({e.actor_id for e in events if e.actor_id} or {0}))).all()}
    return [(e, actors.get(e.actor_id)) for e in events]


@dataclass
class MonthFigures:
    """Response times of one month."""

    month: str
    count: int
    acknowledged: int
    median_minutes: float | None
    worst_minutes: float | None
    escalated: int

    @property
    def label(self) -> str:
        """'novembre 2026'."""
        year, month = self.month.split("-")
        return f"{dates.MONTHS[int(month) - 1]} {year}"


def response_times(db: Session, structure_id: int, months: int = 12, now: datetime | None = None, *,
                   timezone: str | None = None) -> list[MonthFigures]:
    """Median and worst time to acknowledge, per local month of reception, newest month first."""
    now = now or utcnow()
    since = now - timedelta(days=31 * months)
    alerts = db.exec(select(Alert).where(Alert.structure_id == structure_id, Alert.received_at >= since)).all()
    groups: dict[str, list[Alert]] = defaultdict(list)
    for alert in alerts:
        groups[dates.month_key(alert.received_at, timezone)].append(alert)
    figures = []
    for month in sorted(groups, reverse=True):
        items = groups[month]
        waits = [(a.acknowledged_at - a.received_at).total_seconds() / 60 for a in items if a.acknowledged_at]
        figures.append(MonthFigures(
            month=month, count=len(items), acknowledged=len(waits),
            median_minutes=statistics.median(waits) if waits else None,
            worst_minutes=max(waits) if waits else None,
            escalated=sum(1 for a in items if a.escalation_level > 0),
        ))
    return figures


# Built once per process: every Today page runs it (within the cards' statement).
UNRESOLVED_OF = select(Alert.employee_id, Alert.id, Alert.status, Alert.raised_at).where(
    Alert.structure_id == bindparam("structure_id"), col(Alert.employee_id).in_(bindparam("employee_ids", expanding=True)),
    col(Alert.status).in_(UNRESOLVED_STATUSES))


def unresolved_by_employee(db: Session, *, structure_id: int, employee_ids: list[int]) -> dict[int, tuple]:
    """The most recent alert not yet resolved of each employee (its id, status and time), in one query."""
    if not employee_ids:
        return {}
    return newest_unresolved(db.exec(UNRESOLVED_OF, params={"structure_id": structure_id,
                                                           "employee_ids": employee_ids}).all())


def newest_unresolved(rows) -> dict[int, tuple]:
    """From `UNRESOLVED_OF`'s rows (employee, id, status, time) in any order, each employee's most recent."""
    found: dict[int, tuple] = {}
    for row in sorted(rows, key=lambda row: (row[3], row[1]), reverse=True):
        found.setdefault(row[0], row)
    return found

"""What the alerts wing holds about a person: the urgent alerts raised about them and their history."""
from __future__ import annotations

from sqlmodel import Session, col, select

from webapp.domain.alerts.alerts import (
    EVENT_LABELS,
    SEVERITY_LABELS,
    STATUS_LABELS,
    alert_type,
)
from webapp.domain.personal_data import ANONYMISED, Section
from webapp.models import Alert, AlertEvent, Employee

TABLES = (Alert, AlertEvent)


def export(db: Session, employee: Employee) -> list[Section]:
    """Each alert with its facts, its closing note and its history."""
    alerts = db.exec(select(Alert).where(Alert.employee_id == employee.id).order_by(Alert.raised_at)).all()
    events: dict[int, list[AlertEvent]] = {}
    for event in db.exec(select(AlertEvent).where(col(AlertEvent.alert_id).in_([a.id for a in alerts] or [0]))
                         .order_by(AlertEvent.at, AlertEvent.id)).all():
        events.setdefault(event.alert_id, []).append(event)
    return [("Alertes urgentes", [{
        "Levée le": a.raised_at, "Situation": alert_type(a.type_code).label if alert_type(a.type_code) else a.type_code,
        "Gravité": SEVERITY_LABELS.get(a.severity, a.severity), "Faits": a.facts,
        "État": STATUS_LABELS.get(a.status, a.status), "Note de clôture": a.resolution_note,
        "Historique": " | ".join(EVENT_LABELS.get(e.kind, e.kind) + (f" : {e.detail}" if e.detail else "")
                                 for e in events.get(a.id, [])),
    } for a in alerts])]


def anonymise(db: Session, employee: Employee, *, upload_folder: str) -> None:
    """Facts, closing notes and event details go; types, severities and times stay for the response figures."""
    for alert in db.exec(select(Alert).where(Alert.employee_id == employee.id)).all():
        alert.facts, alert.resolution_note = "", ANONYMISED if alert.resolution_note else ""
        db.add(alert)
        for event in db.exec(select(AlertEvent).where(AlertEvent.alert_id == alert.id)).all():
            if event.detail:
                event.detail = ANONYMISED
                db.add(event)

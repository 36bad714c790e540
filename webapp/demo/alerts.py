"""Demo alerts: past ones in every state, with their history, so the director's figures mean something."""
from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, select

from webapp.domain.alerts.alerts import alert_type, recipients_for
from webapp.models import Alert, AlertEvent, AlertRecipient, Employee, Structure, User

# (days ago, hour, type, minutes to see, minutes to acknowledge or None, resolved?, escalated?, note)
DEMO = [
    (64, 9, "accident", 2, 6, True, False, "Coupure à la main soignée par le SST, visite chez le médecin faite."),
    (50, 14, "absence", 10, 25, True, False, "Joint par téléphone : problème de garde, retour le lendemain."),
    (41, 10, "logement", 5, 12, True, False, "Orienté(e) vers le 115 et rendez-vous avec l'assistante sociale."),
    (33, 8, "ebriete", 3, 8, True, False, "Retour à domicile accompagné, entretien de recadrage programmé."),
    (22, 15, "sante", 15, 40, True, True, "Arrêt de travail transmis, reprise prévue lundi."),
    (12, 11, "ressources", 30, 55, True, False, "Colis alimentaire et aide d'urgence demandée."),
    (6, 9, "garde_transport", 20, 70, True, False, "Solution de covoiturage trouvée avec l'équipe."),
    (1, 13, "absence", 4, 9, False, False, ""),
    (0, 8, "detresse", 6, 14, False, True, ""),
]


def seed_alerts(db: Session, structure: Structure, today: date, rng: random.Random) -> None:
    """Add past alerts (resolved, acknowledged, one escalated) with their events; the caller commits."""
    employees = db.exec(select(Employee).where(Employee.structure_id == structure.id, Employee.active.is_(True))
                        .order_by(Employee.id)).all()
    staff = db.exec(select(User).where(User.structure_id == structure.id)).all()
    supervisors = {u.id: u for u in staff if u.role == "supervisor"}
    coordinator = next((u for u in staff if u.role == "coordinator"), None)
    if not employees or not supervisors:
        return
    for index, (days, hour, code, seen_min, ack_min, resolved, escalated, note) in enumerate(DEMO):
        employee = employees[(index * 5 + rng.randint(0, 2)) % len(employees)]
        raiser = supervisors.get(employee.referent_eti_id) or next(iter(supervisors.values()))
        atype = alert_type(code)
        raised = datetime.combine(today - timedelta(days=days), time(hour, rng.randint(0, 59)), tzinfo=UTC)
        recipients = recipients_for(db, employee, atype, raiser.id)
        if escalated and coordinator and all(u.id != coordinator.id for u, _ in recipients):
            recipients.append((coordinator, "escalation"))
        owner = next((u for u, reason in recipients if reason in ("referent", "cip")), recipients[0][0])
        if escalated and coordinator:
            owner = coordinator
        seen_at = raised + timedelta(minutes=seen_min)
        ack_at = raised + timedelta(minutes=ack_min) if ack_min is not None else None
        resolved_at = ack_at + timedelta(hours=rng.randint(1, 5)) if resolved and ack_at else None
        alert = Alert(
            structure_id=structure.id, employee_id=employee.id, type_code=code, severity=atype.severity,
            facts="Signalé sur le chantier, voir avec l'encadrant(e).", raised_by_id=raiser.id,
            raised_at=raised, received_at=raised, client_key=uuid.UUID(int=rng.getrandbits(128)).hex,
            status="resolved" if resolved_at else ("acknowledged" if ack_at else "seen"),
            owner_id=owner.id if ack_at else None, seen_at=seen_at, acknowledged_at=ack_at,
            resolved_at=resolved_at, resolution_note=note if resolved_at else "",
            escalation_level=1 if escalated else 0,
        )
        db.add(alert)
        db.flush()
        for user, reason in recipients:
            db.add(AlertRecipient(structure_id=structure.id, alert_id=alert.id, user_id=user.id, reason=reason,
                                  added_at=raised, seen_at=seen_at if user.id == owner.id else None))
        events = [("raised", raiser.id, raised, ""), ("seen", owner.id, seen_at, "")]
        if escalated:
            delay = {"critique": 10, "haute": 30, "moyenne": 120}[atype.severity]
            events.append(("escalated", None, raised + timedelta(minutes=delay), ""))
        if ack_at:
            events.append(("acknowledged", owner.id, ack_at, ""))
        if resolved_at:
            events.append(("resolved", owner.id, resolved_at, ""))
        for kind, actor, at, detail in sorted(events, key=lambda e: e[2]):
            db.add(AlertEvent(structure_id=structure.id, alert_id=alert.id, kind=kind, actor_id=actor, at=at,
                              detail=detail))

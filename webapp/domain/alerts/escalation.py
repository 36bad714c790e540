"""Escalation of unacknowledged alerts, and the scheduler that runs it with the outbox."""
from __future__ import annotations

import os
import threading
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import update
from sqlmodel import Session, col, select

from webapp.domain.alerts.alerts import (
    OPEN_STATUSES,
    REMINDER_MINUTES,
    REMINDERS,
    record_event,
)
from webapp.models import Alert, AlertRecipient, User, utcnow
from webapp.platform import outbox
from webapp.platform.db import get_engine, writing

MAX_LEVEL = 1 + REMINDERS  # level 1: escalated; levels 2 and 3: reminders


def base_url(app: Flask) -> str:
    """The public address of Terrain, for the links in e-mails and notifications."""
    return app.config.get("TERRAIN_BASE_URL") or os.environ.get("TERRAIN_BASE_URL") or "http://127.0.0.1:5000"


def _escalate_one(app: Flask, alert_id: int, level: int, due_at: datetime, now: datetime) -> bool:
    """Move one alert from `level` to `level + 1`; False when another process already did."""
    engine = get_engine(app)
    with writing(), Session(engine, expire_on_commit=False) as db:
        new_level = level + 1
        next_at = due_at + timedelta(minutes=REMINDER_MINUTES) if new_level < MAX_LEVEL else None
        # The claim: only the process whose UPDATE still finds the old level goes on.
        claimed = db.execute(
            update(Alert)
            .where(Alert.id == alert_id, Alert.escalation_level == level, col(Alert.status).in_(OPEN_STATUSES))
            .values(escalation_level=new_level, next_escalation_at=next_at)
        ).rowcount
        if claimed != 1:
            db.rollback()
            return False
        alert = db.get(Alert, alert_id)
        managers = list(db.exec(select(User).where(
            User.structure_id == alert.structure_id, col(User.role).in_(("coordinator", "director")),
            User.active.is_(True))).all())
        known = {r.user_id for r in db.exec(select(AlertRecipient).where(AlertRecipient.alert_id == alert_id)).all()}
        for user in managers:
            if user.id not in known and user.id != alert.raised_by_id:
                db.add(AlertRecipient(structure_id=alert.structure_id, alert_id=alert_id, user_id=user.id,
                                      reason="escalation", added_at=now))
        targets = [u for u in managers if u.id != alert.raised_by_id]
        kind = "escalated" if new_level == 1 else "reminded"
        if kind == "reminded":
            # Reminders go to everyone who receives the alert, its referent CIP included.
            ids = known | {u.id for u in targets}
            targets = list(db.exec(select(User).where(col(User.id).in_(ids), User.active.is_(True))).all())
        detail = "" if kind == "escalated" else f"Relance {new_level - 1} sur {REMINDERS}"
        record_event(db, alert, kind, None, now, detail)
        outbox.enqueue(db=db, alert=alert, users=targets, kind=kind, now=now, base_url=base_url(app))
        db.commit()
        return True


def tick(app: Flask, now: datetime | None = None) -> int:
    """Escalate or remind every alert whose delay has passed; returns how many moved."""
    now = now or utcnow()
    with Session(get_engine(app)) as db:
        due = db.exec(
            select(Alert.id, Alert.escalation_level, Alert.next_escalation_at)
            .where(col(Alert.status).in_(OPEN_STATUSES), Alert.next_escalation_at <= now,
                   Alert.escalation_level < MAX_LEVEL)
            .order_by(Alert.next_escalation_at)
        ).all()
    return sum(_escalate_one(app, alert_id, level, due_at, now) for alert_id, level, due_at in due)


def run_once(app: Flask, now: datetime | None = None) -> tuple[int, outbox.OutboxRun]:
    """One scheduler pass: escalation first, then the outbox (which then carries escalations)."""
    now = now or utcnow()
    return tick(app, now), outbox.process_due(app, now)


def worker_loop(app: Flask, stop: threading.Event, interval: float = 5.0) -> None:
    """Run passes every `interval` seconds until `stop` is set; an error is reported, never fatal."""
    while not stop.is_set():
        try:
            run_once(app)
        except Exception as error:  # the loop must survive a database hiccup
            app.logger.exception("alerts worker: %s", error)
        stop.wait(interval)

"""The delivery outbox: one job per message and channel, claimed safely, retried with backoff."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlparse

from flask import Flask
from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from webapp.models import Alert, DeliveryJob, PushSubscription, User, utcnow
from webapp.platform.db import get_engine, writing
from webapp.platform.delivery import DeliveryError, RecipientGone

SUBJECTS = {
    "raised": "Alerte {severity} — Terrain",
    "escalated": "Alerte {severity} non prise en charge — Terrain",
    "reminded": "Rappel : alerte {severity} non prise en charge — Terrain",
    "acknowledged": "Votre alerte est prise en charge — Terrain",
    "resolved": "Votre alerte est résolue — Terrain",
}
LOCK = timedelta(minutes=2)
MAX_BACKOFF = timedelta(minutes=15)
# An e-mail or push still failing after two days is given up (the in-app inbox still shows the alert).
GIVE_UP_AFTER = timedelta(days=2)


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 30 s, 1 min, 2 min, 4 min … at most 15 min."""
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def alert_url(base_url: str, alert_id: int) -> str:
    """The absolute link to an alert, carried by e-mails and notifications."""
    return f"{base_url.rstrip('/')}/alertes/{alert_id}"


def enqueue(*, db: Session, alert: Alert, users: list[User], kind: str, now: datetime, base_url: str) -> list[DeliveryJob]:
    """Add an e-mail job and one push job per subscribed device for each user; the caller commits."""
    subject = SUBJECTS[kind].format(severity=alert.severity)
    url = alert_url(base_url, alert.id)
    subscriptions = db.exec(select(PushSubscription).where(
        col(PushSubscription.user_id).in_([u.id for u in users] or [0]))).all()
    jobs = []
    for user in users:
        if user.email:
            jobs.append(DeliveryJob(structure_id=alert.structure_id, alert_id=alert.id, user_id=user.id,
                                    channel="email", recipient=user.email, subject=subject, url=url,
                                    next_attempt_at=now, created_at=now))
        for sub in subscriptions:
            if sub.user_id == user.id:
                jobs.append(DeliveryJob(structure_id=alert.structure_id, alert_id=alert.id, user_id=user.id,
                                        channel="push", recipient=sub.endpoint, subscription_id=sub.id,
                                        subject=subject, url=url, next_attempt_at=now, created_at=now))
    db.add_all(jobs)
    return jobs


def message_body(job: DeliveryJob) -> str:
    """What leaves Terrain: no name, no fact, only the kind of alert and a link (details after login)."""
    return f"{job.subject} — ouvrez l'application : {job.url}\n"


def push_payload(job: DeliveryJob) -> dict:
    """The notification the service worker shows; the same privacy rule as e-mail."""
    return {"title": job.subject, "body": "Ouvrez l'application pour voir l'alerte.", "url": urlparse(job.url).path,
            "tag": f"alerte-{job.alert_id}"}


def _claim(engine, job_id: int, now: datetime) -> bool:
    """Take a due job for this worker only (a conditional UPDATE: two workers never both win)."""
    with writing(), Session(engine) as db:
        result = db.execute(
            update(DeliveryJob)
            .where(DeliveryJob.id == job_id,
                   or_((DeliveryJob.status == "pending") & (DeliveryJob.next_attempt_at <= now),
                       (DeliveryJob.status == "sending") & (DeliveryJob.locked_until < now)))
            .values(status="sending", locked_until=now + LOCK)
        )
        db.commit()
        return result.rowcount == 1


def _finish(engine, job_id: int, now: datetime, error: Exception | None) -> str:
    """Record the outcome of one attempt and return the job's new status."""
    with writing(), Session(engine) as db:
        job = db.get(DeliveryJob, job_id)
        job.attempts += 1
        job.locked_until = None
        if error is None:
            job.status, job.sent_at, job.last_error = "sent", now, ""
        elif isinstance(error, RecipientGone):
            job.status, job.last_error = "gone", str(error)[:500]
            if job.subscription_id:
                sub = db.get(PushSubscription, job.subscription_id)
                if sub:
                    db.delete(sub)
        elif now - job.created_at > GIVE_UP_AFTER:
            job.status, job.last_error = "failed", str(error)[:500]
        else:
            job.status, job.last_error = "pending", str(error)[:500]
            job.next_attempt_at = now + backoff(job.attempts)
        db.add(job)
        db.commit()
        return job.status


def _send(config, db: Session, job: DeliveryJob) -> None:
    from webapp.platform.delivery.mail import send_mail
    from webapp.platform.delivery.push import send_push

    if job.channel == "email":
        send_mail(config, to=job.recipient, subject=job.subject, body=message_body(job))
    elif job.channel == "push":
        sub = db.get(PushSubscription, job.subscription_id) if job.subscription_id else None
        if sub is None:
            raise RecipientGone("Abonnement push supprimé")
        send_push(config, endpoint=sub.endpoint, p256dh=sub.p256dh, auth=sub.auth, payload=push_payload(job))
    else:
        raise RecipientGone(f"Canal inconnu : {job.channel}")


@dataclass
class OutboxRun:
    """What one pass over the outbox did."""

    sent: int = 0
    retried: int = 0
    dropped: int = 0
    errors: list[str] = field(default_factory=list)


def process_due(app: Flask, now: datetime | None = None, limit: int = 100) -> OutboxRun:
    """Send every due job once; a failing channel or recipient never stops the others."""
    now = now or utcnow()
    engine = get_engine(app)
    config = dict(app.config, INSTANCE_PATH=app.instance_path)
    run = OutboxRun()
    with Session(engine) as db:
        due = db.exec(
            select(DeliveryJob.id)
            .where(or_((DeliveryJob.status == "pending") & (DeliveryJob.next_attempt_at <= now),
                       (DeliveryJob.status == "sending") & (DeliveryJob.locked_until < now)))
            .order_by(DeliveryJob.next_attempt_at, DeliveryJob.id).limit(limit)
        ).all()
    for job_id in due:
        if not _claim(engine, job_id, now):
            continue
        with Session(engine) as db:
            job = db.get(DeliveryJob, job_id)
            try:
                _send(config, db, job)
                error = None
            except DeliveryError as failure:
                error = failure
        status = _finish(engine, job_id, now, error)
        if status == "sent":
            run.sent += 1
        elif status == "pending":
            run.retried += 1
            run.errors.append(str(error))
        else:
            run.dropped += 1
    return run

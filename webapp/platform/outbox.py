"""The delivery outbox: one job per message and channel, claimed safely, retried with backoff."""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import make_msgid
from urllib.parse import urlparse

from flask import Flask
from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from webapp.models import Alert, DeliveryJob, PushSubscription, User, utcnow
from webapp.platform.db import get_engine, writing
from webapp.platform.delivery import AmbiguousDelivery, DeliveryError, RecipientGone
from webapp.platform.delivery.mail import send_mail
from webapp.platform.delivery.push import send_push

SUBJECTS = {
    "raised": "Alerte {severity} — Terrain",
    "escalated": "Alerte {severity} non prise en charge — Terrain",
    "reminded": "Rappel : alerte {severity} non prise en charge — Terrain",
    "acknowledged": "Votre alerte est prise en charge — Terrain",
    "resolved": "Votre alerte est résolue — Terrain",
}
# A claimed job stays locked this long after its claim, and the lock is renewed while the job is being sent.
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
    host = urlparse(base_url).hostname or "terrain.invalid"
    subscriptions = db.exec(select(PushSubscription).where(
        col(PushSubscription.user_id).in_([u.id for u in users] or [0]))).all()
    jobs = []
    for user in users:
        if user.email:
            jobs.append(DeliveryJob(structure_id=alert.structure_id, alert_id=alert.id, user_id=user.id,
                                    channel="email", recipient=user.email, subject=subject, url=url,
                                    message_id=make_msgid(f"alerte-{alert.id}", domain=host),
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


def _claim(engine, job_id: int, at: datetime, lock: timedelta) -> str | None:
    """Take a due job for this worker only, locked from now (a conditional UPDATE: two workers never both win).

    Returns the claim's token, which the worker must still hold to renew the lock and record the outcome.
    """
    token = secrets.token_hex(16)
    with writing(), Session(engine) as db:
        result = db.execute(
            update(DeliveryJob)
            .where(DeliveryJob.id == job_id,
                   or_((DeliveryJob.status == "pending") & (DeliveryJob.next_attempt_at <= at),
                       (DeliveryJob.status == "sending") & (DeliveryJob.locked_until < at)))
            .values(status="sending", locked_until=at + lock, lock_token=token)
        )
        db.commit()
        return token if result.rowcount == 1 else None


class _Lease:
    """Renews a claimed job's lock every third of its length while the job is being sent."""

    def __init__(self, engine, job_id: int, token: str, lock: timedelta, clock):
        self.engine, self.job_id, self.token, self.lock, self.clock = engine, job_id, token, lock, clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew, daemon=True)

    def _renew(self) -> None:
        while not self._stop.wait(self.lock.total_seconds() / 3):
            with writing(), Session(self.engine) as db:
                db.execute(update(DeliveryJob)
                           .where(DeliveryJob.id == self.job_id, DeliveryJob.status == "sending",
                                  DeliveryJob.lock_token == self.token)
                           .values(locked_until=self.clock() + self.lock))
                db.commit()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _finish(engine, job_id: int, token: str, now: datetime, error: Exception | None) -> str:
    """Record the outcome of one attempt and return the job's new status ("lost" if the claim was taken over)."""
    with writing(), Session(engine) as db:
        job = db.get(DeliveryJob, job_id)
        if job.status != "sending" or job.lock_token != token:
            db.rollback()  # another worker holds the job now: its outcome is the one recorded
            return "lost"
        job.attempts += 1
        job.locked_until = None
        job.lock_token = ""
        if error is None:
            job.status, job.sent_at, job.last_error = "sent", now, ""
        elif isinstance(error, RecipientGone):
            job.status, job.last_error = "gone", str(error)[:500]
            if job.subscription_id:
                sub = db.get(PushSubscription, job.subscription_id)
                if sub:
                    db.delete(sub)
        elif isinstance(error, AmbiguousDelivery):
            # Sending again could duplicate it (a relay answering after our timeout kept every copy);
            # in-app, push and escalation still carry the alert.
            job.status, job.last_error = "unsure", str(error)[:500]
        elif now - job.created_at > GIVE_UP_AFTER:
            job.status, job.last_error = "failed", str(error)[:500]
        else:
            job.status, job.last_error = "pending", str(error)[:500]
            job.next_attempt_at = now + backoff(job.attempts)
        db.add(job)
        db.commit()
        return job.status


def _load(engine, job_id: int) -> tuple[DeliveryJob, PushSubscription | None]:
    """The job and its push subscription, read in a transaction closed before anything is sent."""
    with Session(engine, expire_on_commit=False) as db:
        job = db.get(DeliveryJob, job_id)
        sub = db.get(PushSubscription, job.subscription_id) if job.subscription_id else None
        db.commit()
    return job, sub


def _send(config, job: DeliveryJob, sub: PushSubscription | None) -> None:

    if job.channel == "email":
        send_mail(config, to=job.recipient, subject=job.subject, body=message_body(job),
                  message_id=job.message_id or f"<alerte-{job.alert_id}.envoi-{job.id}@terrain.invalid>")
    elif job.channel == "push":
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
    """Send every due job once; a failing channel or recipient never stops the others.

    `now` is the pass's start (a test may set it); each claim is timed from when it happens, not from `now`.
    """
    began = time.monotonic()
    start = now or utcnow()

    def clock() -> datetime:
        return start + timedelta(seconds=time.monotonic() - began)

    engine = get_engine(app)
    config = dict(app.config, INSTANCE_PATH=app.instance_path)
    run = OutboxRun()
    with Session(engine) as db:
        due = db.exec(
            select(DeliveryJob.id)
            .where(or_((DeliveryJob.status == "pending") & (DeliveryJob.next_attempt_at <= start),
                       (DeliveryJob.status == "sending") & (DeliveryJob.locked_until < start)))
            .order_by(DeliveryJob.next_attempt_at, DeliveryJob.id).limit(limit)
        ).all()
    for job_id in due:
        token = _claim(engine, job_id, clock(), LOCK)
        if token is None:
            continue
        job, sub = _load(engine, job_id)
        try:
            with _Lease(engine, job_id, token, LOCK, clock):
                _send(config, job, sub)
            error = None
        except DeliveryError as failure:
            error = failure
        status = _finish(engine, job_id, token, start, error)
        if status == "sent":
            run.sent += 1
        elif status == "pending":
            run.retried += 1
            run.errors.append(str(error))
        elif status != "lost":
            run.dropped += 1
    return run

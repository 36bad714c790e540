"""Delivery through a real SMTP server and a fake Web Push service, both on 127.0.0.1."""
from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import json
import os
import re
import socket
import threading
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from sqlmodel import select

from webapp.domain.alerts import alerts as service
from webapp.models import DeliveryJob, PushSubscription, utcnow
from webapp.platform import outbox
from webapp.platform.db import writing
from webapp.platform.delivery.push import public_key


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 Message accepted"


@pytest.fixture
def employee(make, structure, users):
    return make.employee(structure, first_name="Mamadou", last_name="Koné",
                         referent_cip_id=users["counsellor"].id, referent_eti_id=users["supervisor"].id)


@pytest.fixture
def smtp_port(app):
    port = free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="terrain@test.terrain")
    return port


@pytest.fixture
def vapid_file(app, tmp_path):
    app.config["VAPID_PRIVATE_KEY_FILE"] = str(tmp_path / "vapid.pem")
    return app.config["VAPID_PRIVATE_KEY_FILE"]


def raise_alert(db, users, employee, type_code="logement", now=None):
    with writing():
        alert, _ = service.raise_alert(db=db, raiser=users["supervisor"], employee_id=employee.id,
                                       type_code=type_code, facts="Expulsé ce matin, dort dans sa voiture",
                                       client_key=os.urandom(8).hex(), now=now, base_url="https://terrain.example")
        db.commit()
    return alert


def test_email_reaches_a_real_smtp_server_without_sensitive_detail(app, db, users, employee, smtp_port):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        alert = raise_alert(db, users, employee)
        run = outbox.process_due(app)
    finally:
        controller.stop()
    assert run.sent == 1 and run.retried == 0
    (rcpt, content), = inbox.messages
    assert rcpt == [users["counsellor"].email]
    message = email.message_from_string(content, policy=email.policy.default)
    assert message["Subject"] == "Alerte haute — Terrain"
    body = message.get_content().replace("\r\n", "\n")
    assert body == f"Alerte haute — Terrain — ouvrez l'application : https://terrain.example/alertes/{alert.id}\n"
    for secret in ("Mamadou", "Koné", "Expulsé", "voiture", "logement"):
        assert secret not in content and secret not in body


def test_smtp_outage_keeps_the_job_and_delivers_exactly_once_when_back(app, db, users, employee, smtp_port):
    now = utcnow()
    raise_alert(db, users, employee, now=now)
    run = outbox.process_due(app, now)
    assert (run.sent, run.retried) == (0, 1)
    job = db.exec(select(DeliveryJob)).one()
    assert job.status == "pending" and job.attempts == 1 and "SMTP" in job.last_error
    assert job.next_attempt_at == now + timedelta(seconds=30)

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        assert outbox.process_due(app, now + timedelta(seconds=10)).sent == 0  # backoff not elapsed
        assert outbox.process_due(app, now + timedelta(seconds=31)).sent == 1
        assert outbox.process_due(app, now + timedelta(minutes=10)).sent == 0
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    db.rollback()
    job = db.exec(select(DeliveryJob)).one()
    assert (job.status, job.attempts) == ("sent", 2)


def test_backoff_doubles_and_is_capped():
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 4, 10)] == [30, 60, 120, 240, 900]


class PushService:
    """A fake push service: records each request and answers with `status`."""

    def __init__(self, status: int = 201):
        self.status = status
        self.requests: list[tuple[str, dict, bytes]] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                service.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(service.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def browser_keys():
    """What a browser generates when it subscribes: an ECDH P-256 pair and a 16-byte auth secret."""
    private = ec.generate_private_key(ec.SECP256R1())
    p256dh = private.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    auth = os.urandom(16)
    return private, b64url(p256dh), auth


def subscribe(db, structure, user, endpoint, p256dh, auth):
    with writing():
        sub = PushSubscription(structure_id=structure.id, user_id=user.id, endpoint=endpoint,
                               p256dh=p256dh, auth=b64url(auth))
        db.add(sub)
        db.commit()
    return sub


def verify_vapid(authorization: str, audience: str, expected_key: str) -> dict:
    """Check the `vapid t=…, k=…` header: ES256 signature by the application's key, audience, expiry."""
    assert authorization.startswith("vapid ")
    parts = dict(p.strip().split("=", 1) for p in authorization[len("vapid "):].split(","))
    assert parts["k"] == expected_key
    header, claims, signature = parts["t"].split(".")
    raw = unb64url(signature)
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(parts["k"]))
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    assert json.loads(unb64url(header))["alg"] == "ES256"
    payload = json.loads(unb64url(claims))
    assert payload["aud"] == audience
    assert utcnow().timestamp() < payload["exp"] <= utcnow().timestamp() + 24 * 3600
    assert payload["sub"].startswith("mailto:")
    return payload


def test_web_push_is_encrypted_for_the_device_and_signed_with_vapid(app, db, structure, users, employee,
                                                                    smtp_port, vapid_file):
    private, p256dh, auth = browser_keys()
    with PushService(201) as push:
        subscribe(db, structure, users["counsellor"], f"{push.origin}/wpush/v2/device-1", p256dh, auth)
        alert = raise_alert(db, users, employee)
        run = outbox.process_due(app)
    assert run.sent == 1  # the push; the e-mail waits for its server (down), without blocking the push
    assert run.retried == 1
    (path, headers, body), = push.requests
    assert path == "/wpush/v2/device-1"
    assert headers["content-encoding"] == "aes128gcm"
    assert int(headers["ttl"]) >= 3600
    assert headers["urgency"] == "high"
    verify_vapid(headers["authorization"], push.origin, public_key(dict(app.config, INSTANCE_PATH=app.instance_path)))
    payload = json.loads(http_ece.decrypt(body, private_key=private, auth_secret=auth, version="aes128gcm"))
    assert payload == {"title": "Alerte haute — Terrain", "body": "Ouvrez l'application pour voir l'alerte.",
                       "url": f"/alertes/{alert.id}", "tag": f"alerte-{alert.id}"}


def test_push_service_answering_410_removes_the_subscription(app, db, structure, users, employee, vapid_file):
    app.config["MAIL_PORT"] = free_port()
    _, p256dh, auth = browser_keys()
    with PushService(410) as push:
        subscribe(db, structure, users["counsellor"], f"{push.origin}/gone", p256dh, auth)
        raise_alert(db, users, employee)
        run = outbox.process_due(app)
        assert outbox.process_due(app, utcnow() + timedelta(hours=1)).dropped == 0
    assert run.dropped == 1 and len(push.requests) == 1
    db.rollback()
    assert db.exec(select(PushSubscription)).all() == []
    job = db.exec(select(DeliveryJob).where(DeliveryJob.channel == "push")).one()
    assert job.status == "gone"


def test_push_service_error_is_retried_later(app, db, structure, users, employee, vapid_file):
    app.config["MAIL_PORT"] = free_port()
    _, p256dh, auth = browser_keys()
    with PushService(503) as push:
        subscribe(db, structure, users["counsellor"], f"{push.origin}/busy", p256dh, auth)
        now = utcnow()
        raise_alert(db, users, employee, now=now)
        outbox.process_due(app, now)
        push.status = 201
        assert outbox.process_due(app, now + timedelta(seconds=31)).sent == 1
    assert len(push.requests) == 2
    db.rollback()
    assert db.exec(select(PushSubscription)).one()


class SlowRelay:
    """aiosmtpd handler that keeps each message, then takes `delay` seconds to answer DATA."""

    def __init__(self, delay: float):
        self.delay = delay
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        await asyncio.sleep(self.delay)  # the relay holds the message from here on, answered or not
        return "250 Message accepted"

    def copies(self) -> Counter:
        """How many copies each recipient got of each alert's e-mail."""
        return Counter((m["To"], re.search(r"/alertes/(\d+)", m.get_content()).group(1)) for m in self.messages)


def alert_for_every_counsellor(db, make, structure, users, counsellors: int, alerts: int = 1):
    """`alerts` alerts about an employee without referent: each goes to every counsellor by e-mail."""
    for _ in range(counsellors - 1):
        make.user("counsellor", structure)
    orphan = make.employee(structure, referent_eti_id=users["supervisor"].id)
    return [raise_alert(db, users, orphan) for _ in range(alerts)]


def concurrently(*calls):
    """Run each (delay, function) in its own thread, started `delay` seconds from now; wait for all."""
    threads = []
    for delay, function in calls:
        thread = threading.Timer(delay, function)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()


def test_two_workers_and_a_slow_relay_send_each_email_once(app, db, make, structure, users, smtp_port, monkeypatch):
    # Each message (0.8 s) outlasts a lock, and the pass (8 messages) outlasts many.
    monkeypatch.setattr(outbox, "LOCK", timedelta(seconds=0.6))
    relay = SlowRelay(0.8)
    controller = Controller(relay, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        alerts = alert_for_every_counsellor(db, make, structure, users, counsellors=4, alerts=2)
        # The second worker starts while the first is still sending, after its first locks would have run out.
        concurrently((0, lambda: outbox.process_due(app)), (1.5, lambda: outbox.process_due(app)))
        outbox.process_due(app, utcnow() + timedelta(minutes=20))
    finally:
        controller.stop()
    copies = relay.copies()
    assert len(copies) == 8 and set(copies.values()) == {1}, copies
    assert {alert_id for _to, alert_id in copies} == {str(a.id) for a in alerts}
    db.rollback()
    jobs = db.exec(select(DeliveryJob)).all()
    assert {job.status for job in jobs} == {"sent"}
    ids = sorted(m["Message-ID"] for m in relay.messages)
    assert ids == sorted(job.message_id for job in jobs) and len(set(ids)) == 8


def test_a_relay_answering_data_after_twelve_seconds_gets_one_copy(app, db, make, structure, users, smtp_port):
    relay = SlowRelay(12)
    controller = Controller(relay, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    now = utcnow()
    try:
        alert_for_every_counsellor(db, make, structure, users, counsellors=2)
        for later in (timedelta(0), timedelta(seconds=31), timedelta(minutes=5), timedelta(hours=3)):
            concurrently((0, lambda: outbox.process_due(app, now + later)),
                         (0.2, lambda: outbox.process_due(app, now + later)))
    finally:
        controller.stop()
    copies = relay.copies()
    assert len(copies) == 2 and set(copies.values()) == {1}, copies


def test_an_unanswered_data_is_never_sent_again(app, db, make, structure, users, smtp_port):
    app.config["MAIL_TIMEOUT"] = 0.5
    relay = SlowRelay(2)
    controller = Controller(relay, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    now = utcnow()
    try:
        alert_for_every_counsellor(db, make, structure, users, counsellors=2)
        for later in (timedelta(0), timedelta(seconds=31), timedelta(minutes=5), timedelta(days=1)):
            concurrently((0, lambda: outbox.process_due(app, now + later)),
                         (0.1, lambda: outbox.process_due(app, now + later)))
    finally:
        controller.stop()
    copies = relay.copies()
    assert len(copies) == 2 and set(copies.values()) == {1}, copies
    db.rollback()
    jobs = db.exec(select(DeliveryJob)).all()
    assert [(job.status, job.attempts) for job in jobs] == [("unsure", 1)] * 2
    assert all("pas de réponse" in job.last_error for job in jobs)

"""Accounts: password hashing, login throttling and server-side sessions (no HTTP here)."""
from __future__ import annotations

import hashlib
import os
import secrets
import threading
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import or_, update
from sqlmodel import Session, col, func, select

from webapp.domain.accounts import audit, totp
from webapp.models import (
    AuditEvent,
    KnownDevice,
    LoginAttempt,
    User,
    UserSession,
    utcnow,
)
from webapp.platform.db import reading, writing

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Password checks run a few at a time per process: a login flood queues instead of starving every other request
# of CPU (each argon2 check uses several cores for about 0.1 s).
_CHECK_SLOTS = threading.BoundedSemaphore(max(1, (os.cpu_count() or 2) // 2))
CHECK_QUEUE_SECONDS = 20
BUSY_MESSAGE = "Trop de connexions en même temps. Réessayez dans une minute."


def hash_password(password: str) -> str:
    """Hash `password` with argon2id."""
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    """Check `password` against the user's hash."""
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verifying against a dummy hash keeps unknown e-mails as slow as wrong passwords.
_DUMMY_HASH = _hasher.hash("terrain-dummy-password")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


THROTTLED_ACCOUNT = ("Trop de tentatives sur ce compte. Connectez-vous depuis un appareil déjà utilisé ou avec "
                     "une clé d'accès, ou réessayez dans 15 minutes.")
THROTTLED_ADDRESS = ("Trop de tentatives depuis ce réseau. Réessayez dans 15 minutes, ou depuis un appareil "
                     "déjà utilisé.")
THROTTLED_DEVICE = "Trop de tentatives depuis cet appareil. Réessayez dans 15 minutes."


def _since() -> datetime:
    return utcnow() - timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])


def _failures(db: Session, *conditions) -> int:
    return db.exec(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.success.is_(False), LoginAttempt.at >= _since(), *conditions)).one()


def known_device(db: Session, user_id: int | None, token: str) -> str:
    """The hash naming this browser for the account when the account already logged in from it, else ""."""
    if not user_id or not token:
        return ""
    digest = token_hash(token)
    found = db.exec(select(KnownDevice.id).where(KnownDevice.user_id == user_id,
                                                 KnownDevice.token_hash == digest)).first()
    return digest if found else ""


def throttle(db: Session, *, email: str, ip: str, device: str = "") -> str | None:
    """Why a login attempt must be refused now (French message), or None.

    A known device only answers for its own failures: a stranger's guesses cannot lock the owner out of a
    browser they already use. Unknown browsers are throttled per account and per source address.
    """
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    if device:
        return THROTTLED_DEVICE if _failures(db, LoginAttempt.device == device) >= limit else None
    if _failures(db, LoginAttempt.email == email, LoginAttempt.device == "") >= limit:
        return THROTTLED_ACCOUNT
    if ip and _failures(db, LoginAttempt.ip == ip[:45], LoginAttempt.device == "") >= \
            current_app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]:
        return THROTTLED_ADDRESS
    return None


def authenticate(db: Session, email: str, password: str, ip: str = "",
                 device_token: str = "") -> tuple[User | None, str | None]:
    """Check credentials; return (user, None) or (None, French error message). Records the attempt.

    The slow argon2 check runs with no transaction open: a login flood never holds the write lock.
    """
    email = email.strip().lower()
    with reading():
        user = db.exec(select(User).where(User.email == email)).first()
        device = known_device(db, user.id if user else None, device_token)
        refusal = throttle(db, email=email, ip=ip, device=device)
        db.commit()  # end the read transaction before hashing
    if refusal:
        return None, refusal
    if not _CHECK_SLOTS.acquire(timeout=CHECK_QUEUE_SECONDS):
        return None, BUSY_MESSAGE
    try:
        if user is None:
            _safe_dummy_verify(password)
            ok = False
        else:
            ok = verify_password(user, password) and user.active
        new_hash = hash_password(password) if ok and _hasher.check_needs_rehash(user.password_hash) else None
    finally:
        _CHECK_SLOTS.release()
    with writing():
        if not ok:
            record_failure(db, email, user, ip, "" if user is None or user.active else "compte désactivé", device)
            db.commit()
            return None, "Identifiants incorrects."
        if new_hash:
            user.password_hash = new_hash
            db.add(user)
            db.commit()
    return user, None


def record_failure(db: Session, email: str, user: User | None, ip: str, detail: str = "", device: str = "") -> None:
    """Count a failed attempt towards throttling, trace it, and tell direction about a lock-out or a spray."""
    db.add(LoginAttempt(email=email, success=False, ip=ip[:45], device=device))
    audit.record(db, action="login.failure", user=None, ip=ip, structure_id=user.structure_id if user else None,
                 actor_label=email, detail=detail)
    if device:
        return
    db.flush()
    if user is not None and _failures(db, LoginAttempt.email == email, LoginAttempt.device == "") == \
            current_app.config["LOGIN_MAX_FAILURES"]:
        audit.record(db, action="login.locked", user=None, structure_id=user.structure_id, actor_label=email,
                     detail=f"{email} : {current_app.config['LOGIN_MAX_FAILURES']} échecs, connexion bloquée "
                            f"{current_app.config['LOGIN_FAILURE_WINDOW_MINUTES']} minutes sur les appareils inconnus")
    if ip:
        _detect_spray(db, ip[:45])


def _detect_spray(db: Session, ip: str) -> None:
    """Failures on many accounts from one address: one `login.spray` event per targeted structure and window."""
    since = _since()
    emails = db.exec(select(LoginAttempt.email).distinct().where(
        LoginAttempt.ip == ip, LoginAttempt.success.is_(False), LoginAttempt.at >= since,
        LoginAttempt.device == "")).all()
    if len(emails) < current_app.config["LOGIN_SPRAY_ACCOUNTS"]:
        return
    if db.exec(select(AuditEvent.id).where(AuditEvent.action == "login.spray", AuditEvent.actor_label == ip,
                                           AuditEvent.at >= since)).first():
        return
    structures = set(db.exec(select(User.structure_id).distinct().where(col(User.email).in_(emails))).all())
    for structure_id in structures or {None}:
        audit.record(db, action="login.spray", user=None, structure_id=structure_id, actor_label=ip,
                     detail=f"Mots de passe essayés sur {len(emails)} comptes depuis {ip} en "
                            f"{current_app.config['LOGIN_FAILURE_WINDOW_MINUTES']} minutes")


def consume_second_factor(db: Session, user: User, code: str) -> bool:
    """Accept `code` once: its time step is claimed by a conditional UPDATE, so two sessions never both win."""
    step = totp.accepted_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    claimed = db.execute(
        update(User)
        .where(User.id == user.id, or_(col(User.totp_last_step).is_(None), col(User.totp_last_step) < step))
        .values(totp_last_step=step)
    ).rowcount
    return claimed == 1


def record_success(db: Session, user: User, ip: str, device_token: str = "") -> None:
    """Trace a completed login (after the second factor when there is one); the browser becomes a known device."""
    now = utcnow()
    db.add(LoginAttempt(email=user.email, success=True, ip=ip[:45], at=now))
    user.last_login_at = now
    db.add(user)
    if device_token:
        digest = token_hash(device_token)
        device = db.exec(select(KnownDevice).where(KnownDevice.user_id == user.id,
                                                   KnownDevice.token_hash == digest)).first()
        device = device or KnownDevice(user_id=user.id, token_hash=digest, created_at=now)
        device.last_used_at = now
        db.add(device)
    audit.record(db, action="login.success", user=user, ip=ip, actor_label=user.email)


def _safe_dummy_verify(password: str) -> None:
    try:
        _hasher.verify(_DUMMY_HASH, password)
    except VerificationError:
        pass


def start_session(db: Session, user: User, *, ip: str, user_agent: str) -> tuple[str, UserSession]:
    """Create a server-side session for `user`; return its token for the cookie, and its row."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = UserSession(
        token_hash=token_hash(token),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"]),
        ip=ip[:45],
        user_agent=user_agent[:300],
    )
    db.add(row)
    db.commit()
    return token, row


def end_session(db: Session, token: str) -> None:
    """End the server-side session whose token is `token`."""
    row = db.exec(select(UserSession).where(UserSession.token_hash == token_hash(token))).first()
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()
        db.add(row)
    db.commit()


def end_all_sessions(db: Session, user_id: int) -> None:
    """End every open session of a user (deactivation, password change)."""
    now = utcnow()
    rows = db.exec(
        select(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    ).all()
    for row in rows:
        row.ended_at = now
        db.add(row)


def session_alive(row: UserSession, user: User, now: datetime, idle_minutes: dict[str, int]) -> bool:
    """Is this server-side session still open (not ended, not expired, not idle too long)?"""
    if row.ended_at is not None or row.expires_at <= now or not user.active:
        return False
    idle = idle_minutes.get(user.role, 30)
    return now - row.last_seen_at <= timedelta(minutes=idle)


def needs_second_factor_setup(user, required_roles) -> bool:
    """True when the user's role requires a second factor that is not set up yet."""
    return user.role in required_roles and not user.totp_secret



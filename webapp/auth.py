"""Accounts: password hashing, login throttling and server-side sessions bound to flask-login."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, redirect, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user
from sqlmodel import Session, func, select

from webapp import audit
from webapp.db import get_session, writing
from webapp.models import LoginAttempt, User, UserSession, utcnow

from webapp.passwords import MAX_LENGTH as MAX_PASSWORD_LENGTH  # noqa: F401
from webapp.passwords import MIN_LENGTH as MIN_PASSWORD_LENGTH  # noqa: F401
from webapp.passwords import password_problem  # noqa: F401

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
login_manager = LoginManager()


class CurrentUser(UserMixin):
    """The logged-in user as flask-login sees it: the account plus the session that carries it."""

    def __init__(self, user: User, user_session: UserSession):
        self.user = user
        self.user_session = user_session

    def get_id(self) -> str:
        # The session token is the flask-login id, so ending the server session ends the login.
        return session.get("sid", "")

    @property
    def is_active(self) -> bool:
        return self.user.active

    def __getattr__(self, name):
        return getattr(self.user, name)


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


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_throttled(db: Session, email: str) -> bool:
    """True when the account saw too many failed logins in the recent window."""
    window = timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    since = utcnow() - window
    failures = db.exec(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.email == email, LoginAttempt.success.is_(False), LoginAttempt.at >= since)
    ).one()
    return failures >= current_app.config["LOGIN_MAX_FAILURES"]


def authenticate(db: Session, email: str, password: str, ip: str = "") -> tuple[User | None, str | None]:
    """Check credentials; return (user, None) or (None, French error message). Records the attempt."""
    email = email.strip().lower()
    if is_throttled(db, email):
        return None, "Trop de tentatives de connexion. Réessayez dans 15 minutes."
    user = db.exec(select(User).where(User.email == email)).first()
    if user is None:
        _safe_dummy_verify(password)
        ok = False
    else:
        ok = verify_password(user, password) and user.active
    if not ok:
        record_failure(db, email, user, ip, "" if user is None or user.active else "compte désactivé")
        db.commit()
        return None, "Identifiants incorrects."
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.add(user)
        db.commit()
    return user, None


def record_failure(db: Session, email: str, user: User | None, ip: str, detail: str = "") -> None:
    """Count a failed attempt towards throttling and trace it."""
    db.add(LoginAttempt(email=email, success=False, ip=ip[:45]))
    audit.record(db, action="login.failure", user=None, structure_id=user.structure_id if user else None,
                 actor_label=email, detail=detail)


def record_success(db: Session, user: User, ip: str) -> None:
    """Trace a completed login (after the second factor when there is one)."""
    db.add(LoginAttempt(email=user.email, success=True, ip=ip[:45]))
    user.last_login_at = utcnow()
    db.add(user)
    audit.record(db, action="login.success", user=user, actor_label=user.email)


def _safe_dummy_verify(password: str) -> None:
    try:
        _hasher.verify(_DUMMY_HASH, password)
    except VerificationError:
        pass


def start_session(db: Session, user: User) -> tuple[str, UserSession]:
    """Create a server-side session for `user`; return its token for the cookie, and its row."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = UserSession(
        token_hash=_token_hash(token),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"]),
        ip=(request.remote_addr or "")[:45],
        user_agent=(request.user_agent.string or "")[:300],
    )
    db.add(row)
    db.commit()
    return token, row


def end_session(db: Session, token: str) -> None:
    """End the server-side session whose token is `token`."""
    row = db.exec(select(UserSession).where(UserSession.token_hash == _token_hash(token))).first()
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


def _session_alive(row: UserSession, user: User, now: datetime) -> bool:
    if row.ended_at is not None or row.expires_at <= now or not user.active:
        return False
    idle = current_app.config["SESSION_IDLE_MINUTES"].get(user.role, 30)
    return now - row.last_seen_at <= timedelta(minutes=idle)


@login_manager.user_loader
def _load_user(token: str) -> CurrentUser | None:
    """Return the logged-in user for the session token, or None when the session has ended."""
    if not token:
        return None
    db = get_session()
    found = db.exec(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == _token_hash(token))
    ).first()
    if found is None:
        return None
    row, user = found
    now = utcnow()
    if not _session_alive(row, user, now):
        return None
    # Touch at most once a minute so reads do not all turn into writes.
    if now - row.last_seen_at > timedelta(minutes=1):
        db.commit()  # end the read transaction before taking the write lock
        with writing():
            row.last_seen_at = now
            db.add(row)
            db.commit()
    return CurrentUser(user, row)


def needs_second_factor_setup(user) -> bool:
    """True when the user's role requires a second factor that is not set up yet."""
    return user.role in current_app.config["TOTP_REQUIRED_ROLES"] and not user.totp_secret


# Endpoints reachable while the second factor still has to be set up.
_SETUP_ENDPOINTS = {"account.totp", "auth.logout", "static", "pwa.manifest", "pwa.service_worker", "pwa.offline",
                    "home.healthz"}


def _enforce_second_factor():
    """Send roles that require a second factor to its setup before anything else."""
    if request.endpoint in _SETUP_ENDPOINTS or not current_user.is_authenticated:
        return None
    if needs_second_factor_setup(current_user):
        target = url_for("account.totp")
        if getattr(request, "htmx", False):
            return "", 200, {"HX-Redirect": target}
        return redirect(target)
    return None


def init_app(app) -> None:
    """Bind flask-login and the second-factor gate to `app`."""
    login_manager.init_app(app)
    app.before_request(_enforce_second_factor)


@login_manager.unauthorized_handler
def _unauthorized():
    """Send anonymous visitors to the login page; htmx gets a 401 it can follow."""
    login_url = url_for("auth.login")
    if getattr(request, "htmx", False):
        return "", 401, {"HX-Redirect": login_url}
    next_url = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=next_url))

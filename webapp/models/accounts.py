"""Accounts wing tables: structures, staff accounts, their sessions and logins, the audit trail, passkeys."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from webapp.models.common import utcnow

ROLES = {
    "supervisor": "Encadrant(e) technique",
    "counsellor": "Conseiller(ère) en insertion (CIP)",
    "coordinator": "Coordination",
    "director": "Direction",
    "admin": "Administration de l'instance",
}


class Structure(SQLModel, table=True):
    """An SIAE: every personal row of Terrain belongs to exactly one structure."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    kind: str = Field(default="ACI", max_length=10)
    siret: str = Field(default="", max_length=14)
    address: str = Field(default="", max_length=300)
    phone: str = Field(default="", max_length=30)
    retention_months: int = Field(default=24)
    # IANA zone in which the structure's screens, PDFs and exports show times (stored times stay UTC).
    timezone: str = Field(default="Europe/Paris", max_length=64, sa_column_kwargs={"server_default": "Europe/Paris"})
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)


class User(SQLModel, table=True):
    """A staff account; `admin` accounts may have no structure."""

    id: int | None = Field(default=None, primary_key=True)
    structure_id: int | None = Field(default=None, foreign_key="structure.id", index=True)
    email: str = Field(max_length=254, unique=True)
    full_name: str = Field(max_length=120)
    phone: str = Field(default="", max_length=30)
    role: str = Field(max_length=20)
    password_hash: str = Field(max_length=255)
    # Named `active` so flask-login's UserMixin.is_active is not shadowed by a column.
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None
    # Base32 TOTP secret once the second factor is set up.
    totp_secret: str | None = Field(default=None, max_length=64)
    totp_last_step: int | None = None  # last accepted time step: a code is never accepted twice


class UserSession(SQLModel, table=True):
    """A server-side login session: the cookie only carries its random token."""

    __tablename__ = "user_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    ended_at: datetime | None = None
    ip: str = Field(default="", max_length=45)
    user_agent: str = Field(default="", max_length=300)


class LoginAttempt(SQLModel, table=True):
    """One login attempt, kept to throttle guessing per account, per source address and per known device."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_email_at", "email", "at"), Index("ix_login_attempt_ip_at", "ip", "at"))
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    at: datetime = Field(default_factory=utcnow)
    success: bool = False
    ip: str = Field(default="", max_length=45)
    # The known device the attempt came from (its token's hash), "" from a browser the account never used.
    device: str = Field(default="", max_length=64)


class KnownDevice(SQLModel, table=True):
    """A browser an account has logged in from: its password logins stay open while strangers are throttled."""

    __tablename__ = "known_device"
    __table_args__ = (UniqueConstraint("user_id", "token_hash"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """One traced event: who did or read what, about whom, when (UTC), from where. Never updated."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_structure_at", "structure_id", "at"),
        Index("ix_audit_event_employee", "employee_id"),
        # A user's latest events: whether a sensitive reading was already traced (audit.untraced_reads).
        Index("ix_audit_event_user_at", "user_id", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    structure_id: int | None = Field(default=None, foreign_key="structure.id")
    user_id: int | None = Field(default=None, foreign_key="user.id")
    actor_label: str = Field(default="", max_length=254)
    action: str = Field(max_length=60)
    object_type: str = Field(default="", max_length=40)
    object_id: int | None = None
    employee_id: int | None = Field(default=None, foreign_key="employee.id", ondelete="SET NULL")
    detail: str = Field(default="", max_length=500)
    ip: str = Field(default="", max_length=45)


class Passkey(SQLModel, table=True):
    """A WebAuthn credential (passkey) that lets its owner log in without typing the password."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    credential_id: str = Field(max_length=1400, unique=True)  # base64url
    public_key: bytes
    sign_count: int = 0
    name: str = Field(default="", max_length=80)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None

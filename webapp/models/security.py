"""Security tables: the append-only audit trail, passkeys."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from webapp.models.core import utcnow


class AuditEvent(SQLModel, table=True):
    """One traced event: who did or read what, about whom, when (UTC), from where. Never updated."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_structure_at", "structure_id", "at"),
        Index("ix_audit_event_employee", "employee_id"),
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

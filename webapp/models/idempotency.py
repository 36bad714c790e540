"""The idempotency keys of captures and alerts: one row per (author, key), written with the capture itself."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from webapp.models.common import utcnow


class IdempotencyKey(SQLModel, table=True):
    """A key a client sent with a write: what it recorded (kind, object) and a hash of what was sent."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("author_id", "key", name="uq_idempotency_key_author_key"),)
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    author_id: int = Field(foreign_key="user.id")
    key: str = Field(max_length=64)
    kind: str = Field(max_length=30)
    fingerprint: str = Field(max_length=64)
    object_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)

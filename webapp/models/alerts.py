"""Urgent alerts: the alert, its history, its recipients, its delivery outbox, push subscriptions."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from webapp.models.common import utcnow


class Alert(SQLModel, table=True):
    """An urgent alert raised by a supervisor about one employee."""

    __table_args__ = (
        UniqueConstraint("structure_id", "client_key"),
        Index("ix_alert_due", "status", "next_escalation_at"),
        Index("ix_alert_inbox", "structure_id", "status", "resolved_at"),
        Index("ix_alert_employee_raised", "employee_id", "structure_id", "raised_at", "raised_by_id", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    employee_id: int = Field(foreign_key="employee.id", index=True)
    type_code: str = Field(max_length=30)
    severity: str = Field(max_length=10)
    facts: str = Field(default="", max_length=500)
    raised_by_id: int = Field(foreign_key="user.id")
    # When the supervisor pressed "send" (may be earlier than received_at for an alert sent offline).
    raised_at: datetime = Field(default_factory=utcnow)
    received_at: datetime = Field(default_factory=utcnow)
    client_key: str = Field(max_length=64)
    status: str = Field(default="raised", max_length=15)
    owner_id: int | None = Field(default=None, foreign_key="user.id")
    seen_at: datetime | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    resolution_note: str = Field(default="", max_length=1000)
    escalation_level: int = Field(default=0)
    next_escalation_at: datetime | None = None


class AlertEvent(SQLModel, table=True):
    """One transition or delivery milestone of an alert: what, who, when."""

    __tablename__ = "alert_event"
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    kind: str = Field(max_length=20)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    at: datetime = Field(default_factory=utcnow)
    detail: str = Field(default="", max_length=300)


class AlertRecipient(SQLModel, table=True):
    """A user who receives an alert, and why (referent CIP, role of the type, escalation)."""

    __tablename__ = "alert_recipient"
    __table_args__ = (UniqueConstraint("alert_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    reason: str = Field(max_length=20)
    added_at: datetime = Field(default_factory=utcnow)
    seen_at: datetime | None = None


class DeliveryJob(SQLModel, table=True):
    """One message to send through one channel (outbox), retried with backoff until it goes."""

    __tablename__ = "delivery_job"
    __table_args__ = (Index("ix_delivery_job_due", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    channel: str = Field(max_length=10)  # "email" or "push"
    recipient: str = Field(max_length=500)  # e-mail address or push endpoint
    subscription_id: int | None = Field(default=None, foreign_key="push_subscription.id", ondelete="SET NULL")
    subject: str = Field(max_length=200)
    url: str = Field(max_length=500)
    # pending, sending, sent, gone, failed; unsure: the relay may have it (no answer after DATA), never resent
    status: str = Field(default="pending", max_length=10)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    locked_until: datetime | None = None
    lock_token: str = Field(default="", max_length=32)  # which worker holds the claim
    message_id: str = Field(default="", max_length=250)  # the same Message-ID on every attempt of this e-mail
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class PushSubscription(SQLModel, table=True):
    """A device on which a user accepted Web Push notifications."""

    __tablename__ = "push_subscription"
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    endpoint: str = Field(max_length=1000, unique=True)
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)
    user_agent: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow)


class AlertSetting(SQLModel, table=True):
    """A structure's escalation delay for one severity (defaults apply when absent)."""

    __tablename__ = "alert_setting"
    __table_args__ = (UniqueConstraint("structure_id", "severity"),)
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    severity: str = Field(max_length=10)
    escalation_minutes: int


class AlertTypeSetting(SQLModel, table=True):
    """A structure's choice of roles alerted for one situation type (over alertes.csv's default)."""

    __tablename__ = "alert_type_setting"
    __table_args__ = (UniqueConstraint("structure_id", "type_code"),)
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    type_code: str = Field(max_length=30)
    roles: str = Field(default="", max_length=100)  # "coordination;direction", the referent CIP always

"""Core tables: structures, users and their sessions, work sites, teams, employees, contracts."""
from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

ROLES = {
    "supervisor": "Encadrant(e) technique",
    "counsellor": "Conseiller(ère) en insertion (CIP)",
    "coordinator": "Coordination",
    "director": "Direction",
    "admin": "Administration de l'instance",
}


def utcnow() -> datetime:
    """Current time, timezone-aware in UTC (SQLModel stores and returns datetimes in UTC)."""
    return datetime.now(UTC)


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


class Worksite(SQLModel, table=True):
    """A chantier or atelier, with its sector and ROME code."""

    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    name: str = Field(max_length=120)
    sector: str = Field(max_length=120)
    rome_code: str = Field(max_length=20)
    address: str = Field(default="", max_length=300)
    active: bool = Field(default=True)


class Team(SQLModel, table=True):
    """A supervisor's crew on a work site."""

    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    name: str = Field(max_length=120)
    worksite_id: int = Field(foreign_key="worksite.id")
    supervisor_id: int | None = Field(default=None, foreign_key="user.id")
    active: bool = Field(default=True)


class Employee(SQLModel, table=True):
    """A salarié(e) en insertion followed by the structure."""

    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    first_name: str = Field(max_length=80)
    last_name: str = Field(max_length=80)
    phone: str = Field(default="", max_length=30)
    email: str = Field(default="", max_length=254)
    worksite_id: int | None = Field(default=None, foreign_key="worksite.id")
    team_id: int | None = Field(default=None, foreign_key="team.id")
    referent_cip_id: int | None = Field(default=None, foreign_key="user.id")
    referent_eti_id: int | None = Field(default=None, foreign_key="user.id")
    pass_iae_number: str = Field(default="", max_length=20)
    pass_iae_end: date | None = None
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def full_name(self) -> str:
        """First name then last name, as colleagues say it."""
        return f"{self.first_name} {self.last_name}"

    @property
    def initials(self) -> str:
        """Two letters for the avatar."""
        return (self.first_name[:1] + self.last_name[:1]).upper()


class Contract(SQLModel, table=True):
    """One CDDI period: the initial contract or one of its renewals."""

    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    employee_id: int = Field(foreign_key="employee.id", index=True)
    kind: str = Field(default="CDDI", max_length=20)
    start_date: date
    end_date: date
    weekly_hours: float = Field(default=26)
    renewal_number: int = Field(default=0)
    job_title: str = Field(default="", max_length=120)
    created_at: datetime = Field(default_factory=utcnow)


class Assignment(SQLModel, table=True):
    """Who works on which site, in which team, on which day."""

    __table_args__ = (UniqueConstraint("employee_id", "day"),
                      Index("ix_assignment_structure_day", "structure_id", "day", "team_id"))
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    day: date = Field(index=True)
    employee_id: int = Field(foreign_key="employee.id")
    worksite_id: int = Field(foreign_key="worksite.id")
    team_id: int | None = Field(default=None, foreign_key="team.id")

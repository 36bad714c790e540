"""Field capture tables: attendance, consignes, observations, photos, production, morning briefing."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from webapp.models.common import utcnow

ATTENDANCE_STATUSES = {"present": "Présent(e)", "absent": "Absent(e)", "late": "En retard", "excused": "Excusé(e)"}

INSTRUCTION_CATEGORIES = {
    "securite": "Sécurité", "qualite": "Qualité", "organisation": "Organisation",
    "epi": "EPI", "horaires": "Horaires", "autre": "Autre",
}

OBSERVATION_CATEGORIES = {
    "savoir_etre": "Savoir-être", "technique": "Technique", "securite": "Sécurité",
    "integration": "Intégration", "relation": "Relation", "sante_travail": "Santé au travail", "autre": "Autre",
}
OBSERVATION_TONES = {"positive": "Positive", "neutre": "Neutre", "preoccupante": "Préoccupante"}
VISIBILITIES = {"team": "Équipe d'accompagnement", "restricted": "CIP et direction seulement"}


class Photo(SQLModel, table=True):
    """An uploaded picture, re-encoded without metadata and stored under the instance folder."""

    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    filename: str = Field(max_length=80, unique=True)
    content_type: str = Field(default="image/jpeg", max_length=40)
    width: int
    height: int
    size: int
    uploaded_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class Attendance(SQLModel, table=True):
    """One employee's presence on one day (one row per person and day, updated in place)."""

    __table_args__ = (UniqueConstraint("employee_id", "day"),
                      Index("ix_attendance_structure_status_day", "structure_id", "status", "day"),
                      # With the id: PostgreSQL reads a person's history from the index alone (SQLite's
                      # indexes carry the id already).
                      Index("ix_attendance_employee_day_status", "employee_id", "day", "status", "late_minutes",
                            "structure_id", "id"))
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    employee_id: int = Field(foreign_key="employee.id")
    day: date = Field(index=True)
    status: str = Field(max_length=10)
    late_minutes: int | None = None
    recorded_by_id: int = Field(foreign_key="user.id")
    recorded_at: datetime = Field(default_factory=utcnow)


class TeamBriefing(SQLModel, table=True):
    """The "point du matin" of a work site on a day."""

    __tablename__ = "team_briefing"
    __table_args__ = (UniqueConstraint("worksite_id", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    worksite_id: int = Field(foreign_key="worksite.id")
    day: date
    safety: str = Field(default="", max_length=1000)
    organisation: str = Field(default="", max_length=2000)
    author_id: int = Field(foreign_key="user.id")
    updated_at: datetime = Field(default_factory=utcnow)


class InstructionTemplate(SQLModel, table=True):
    """A frequent consigne saved for reuse in one tap."""

    __tablename__ = "instruction_template"
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    category: str = Field(max_length=20)
    text: str = Field(max_length=500)
    created_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class Instruction(SQLModel, table=True):
    """A consigne given to the team or to chosen people on a work site."""

    __table_args__ = (UniqueConstraint("given_by_id", "client_key"), Index("ix_instruction_day", "structure_id", "day"))
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    worksite_id: int | None = Field(default=None, foreign_key="worksite.id")
    day: date
    category: str = Field(max_length=20)
    text: str = Field(max_length=500)
    photo_id: int | None = Field(default=None, foreign_key="photo.id")
    given_by_id: int = Field(foreign_key="user.id")
    client_key: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class InstructionAck(SQLModel, table=True):
    """One person a consigne was given to; `acknowledged_at` is set when they showed they understood."""

    __tablename__ = "instruction_ack"
    # The person's consignes, and the feed's unacknowledged ones (acknowledged_at IS NULL) from the index alone.
    __table_args__ = (UniqueConstraint("instruction_id", "employee_id"),
                      Index("ix_instruction_ack_employee", "employee_id", "acknowledged_at", "instruction_id",
                            "structure_id"))
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    instruction_id: int = Field(foreign_key="instruction.id")
    employee_id: int = Field(foreign_key="employee.id")
    acknowledged_at: datetime | None = None
    acknowledged_by_id: int | None = Field(default=None, foreign_key="user.id")


class Observation(SQLModel, table=True):
    """A factual note about one or several employees; never edited, corrected by a new version."""

    __table_args__ = (UniqueConstraint("author_id", "client_key"), Index("ix_observation_root", "root_id"),
                      Index("ix_observation_created", "structure_id", "created_at"))
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    author_id: int = Field(foreign_key="user.id")
    observed_on: date
    category: str = Field(max_length=20)
    tone: str = Field(max_length=20)
    text: str = Field(max_length=2000)
    visibility: str = Field(default="team", max_length=20)
    skills_note: str = Field(default="", max_length=300)
    photo_id: int | None = Field(default=None, foreign_key="photo.id")
    # A correction points to the first version (root) and to the version it replaces.
    root_id: int | None = Field(default=None, foreign_key="observation.id")
    corrects_id: int | None = Field(default=None, foreign_key="observation.id", unique=True)
    client_key: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class ObservationEmployee(SQLModel, table=True):
    """Link of an observation to each employee it is about (a group observation is stored once)."""

    __tablename__ = "observation_employee"
    __table_args__ = (Index("ix_observation_employee_employee", "employee_id", "observation_id"),
                      Index("ix_observation_employee_day", "employee_id", "observed_on", "observation_id"),
                      # Also holds the note and its tone: the feed ranks a person's recent notes from the index.
                      Index("ix_observation_employee_created", "employee_id", "created_at", "observation_id", "tone"))
    observation_id: int = Field(foreign_key="observation.id", primary_key=True)
    employee_id: int = Field(foreign_key="employee.id", primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    # Copies of the observation's dates (never edited): a person's notes are read newest first from an index,
    # whatever the length of their history. Filled from the observation when left empty.
    observed_on: date | None = Field(default=None, nullable=False)
    created_at: datetime | None = Field(default=None, nullable=False)
    # Copy of the observation's tone (never edited either): « préoccupante » notes come first in the feed.
    tone: str | None = Field(default=None, max_length=20, nullable=False)


class ProductionLog(SQLModel, table=True):
    """The day's notes of a work site: quality issues, incidents, weather or stoppage."""

    __tablename__ = "production_log"
    __table_args__ = (UniqueConstraint("worksite_id", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    worksite_id: int = Field(foreign_key="worksite.id")
    day: date
    quality_issues: str = Field(default="", max_length=1000)
    incidents: str = Field(default="", max_length=1000)
    weather: str = Field(default="", max_length=500)
    author_id: int = Field(foreign_key="user.id")
    updated_at: datetime = Field(default_factory=utcnow)


class ProductionTask(SQLModel, table=True):
    """One job or order of the day on a work site: planned and done quantities."""

    __tablename__ = "production_task"
    __table_args__ = (UniqueConstraint("author_id", "client_key"), Index("ix_production_task_site_day", "worksite_id", "day"))
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    worksite_id: int = Field(foreign_key="worksite.id")
    day: date
    client: str = Field(default="", max_length=120)
    task: str = Field(max_length=200)
    unit: str = Field(default="", max_length=30)
    planned_quantity: float | None = None
    done_quantity: float | None = None
    author_id: int = Field(foreign_key="user.id")
    client_key: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class FeedVisit(SQLModel, table=True):
    """When a counsellor last marked the field feed as read."""

    __tablename__ = "feed_visit"
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    seen_at: datetime = Field(default_factory=utcnow)

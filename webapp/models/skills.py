"""Skills tables: frameworks, activities, skills, ratings, learning sessions, attestations."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from webapp.models.common import utcnow


class SkillFramework(SQLModel, table=True):
    """A structure's référentiel for one sector (ROME code), or its transversal savoir-être."""

    __tablename__ = "skill_framework"
    __table_args__ = (UniqueConstraint("structure_id", "sector"),)
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    sector: str = Field(max_length=120)
    rome_code: str = Field(default="", max_length=40)
    # "sector" for a trade, "savoir_etre" for the transversal behaviours shared by every site.
    kind: str = Field(default="sector", max_length=20)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)


class SkillActivity(SQLModel, table=True):
    """A group of skills within a framework (e.g. « Entretien des pelouses »)."""

    __tablename__ = "skill_activity"
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    framework_id: int = Field(foreign_key="skill_framework.id", index=True)
    name: str = Field(max_length=160)
    pictogram: str = Field(default="tools", max_length=30)
    position: int = Field(default=0)


class Skill(SQLModel, table=True):
    """One version of an observable skill; an edit retires it and creates the next version with the same code."""

    __table_args__ = (Index("ix_skill_structure_code", "structure_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    framework_id: int = Field(foreign_key="skill_framework.id", index=True)
    activity_id: int = Field(foreign_key="skill_activity.id")
    # Stable across versions within a structure: ratings and progress follow the code.
    code: str = Field(max_length=40)
    label: str = Field(max_length=300)
    position: int = Field(default=0)
    active: bool = Field(default=True)
    replaces_id: int | None = Field(default=None, foreign_key="skill.id")
    created_at: datetime = Field(default_factory=utcnow)
    retired_at: datetime | None = None


class SkillRating(SQLModel, table=True):
    """A level observed for one employee on one skill, with who, when, where and evidence; never rewritten by framework edits."""

    __tablename__ = "skill_rating"
    __table_args__ = (Index("ix_skill_rating_employee_code", "employee_id", "skill_code", "rated_at", "id"),
                      Index("ix_skill_rating_employee_rated", "employee_id", "structure_id", "rated_at", "id"))
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    employee_id: int = Field(foreign_key="employee.id")
    skill_id: int = Field(foreign_key="skill.id")
    # Copies taken at rating time, so that the history reads as it was observed.
    skill_code: str = Field(max_length=40)
    skill_label: str = Field(max_length=300)
    activity_label: str = Field(default="", max_length=160)
    sector: str = Field(default="", max_length=120)
    rome_code: str = Field(default="", max_length=40)
    level: int
    rated_by_id: int | None = Field(default=None, foreign_key="user.id")
    rated_at: datetime = Field(default_factory=utcnow, index=True)
    worksite_id: int | None = Field(default=None, foreign_key="worksite.id")
    situation: str = Field(default="", max_length=300)
    evidence_note: str = Field(default="", max_length=1000)
    # A reference to a stored photo or observation (filled by the observations feature).
    evidence_ref: str = Field(default="", max_length=300)
    session_id: int | None = Field(default=None, foreign_key="learning_session.id")


class LearningSessionTemplate(SQLModel, table=True):
    """A reusable plan of a learning session."""

    __tablename__ = "learning_session_template"
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    title: str = Field(max_length=160)
    situation: str = Field(default="", max_length=300)
    method: str = Field(default="", max_length=40)
    material: str = Field(default="", max_length=500)
    safety: str = Field(default="", max_length=500)
    duration_minutes: int = Field(default=60)
    skill_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class LearningSession(SQLModel, table=True):
    """A séance d'apprentissage en situation de production: planned, then held (or cancelled)."""

    __tablename__ = "learning_session"
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    worksite_id: int | None = Field(default=None, foreign_key="worksite.id")
    title: str = Field(max_length=160)
    situation: str = Field(default="", max_length=300)
    method: str = Field(default="", max_length=40)
    material: str = Field(default="", max_length=500)
    safety: str = Field(default="", max_length=500)
    duration_minutes: int = Field(default=60)
    planned_on: date = Field(index=True)
    status: str = Field(default="planned", max_length=20)
    notes: str = Field(default="", max_length=2000)
    template_id: int | None = Field(default=None, foreign_key="learning_session_template.id")
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    held_at: datetime | None = None


class LearningSessionSkill(SQLModel, table=True):
    """A skill targeted by a session."""

    __tablename__ = "learning_session_skill"
    __table_args__ = (UniqueConstraint("session_id", "skill_id"),)
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    session_id: int = Field(foreign_key="learning_session.id", index=True)
    skill_id: int = Field(foreign_key="skill.id")


class LearningSessionParticipant(SQLModel, table=True):
    """An employee invited to a session, and whether they attended."""

    __tablename__ = "learning_session_participant"
    __table_args__ = (UniqueConstraint("session_id", "employee_id"),)
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    session_id: int = Field(foreign_key="learning_session.id", index=True)
    employee_id: int = Field(foreign_key="employee.id", index=True)
    present: bool | None = None


class Attestation(SQLModel, table=True):
    """An attestation de compétences as issued: its content is a frozen snapshot."""

    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    employee_id: int = Field(foreign_key="employee.id", index=True)
    uuid: str = Field(max_length=36, unique=True)
    issued_by_id: int | None = Field(default=None, foreign_key="user.id")
    issued_at: datetime = Field(default_factory=utcnow)
    period_start: date
    period_end: date
    job_title: str = Field(default="", max_length=120)
    content: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))

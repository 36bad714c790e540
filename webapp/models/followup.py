"""Socio-professional follow-up: welcome checklist, freins and atouts, objectives, bilans."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from webapp.models.common import utcnow

BARRIER_STATUSES = {"non_aborde": "Non abordé", "identifie": "Identifié", "en_cours": "En cours de levée",
                    "leve": "Levé"}
GOAL_STATUSES = {"en_cours": "En cours", "atteint": "Atteint", "abandonne": "Abandonné"}
REVIEW_KINDS = {"integration": "Bilan d'intégration", "intermediaire": "Bilan intermédiaire",
                "prolongation": "Bilan de prolongation du PASS IAE", "sortie": "Bilan de sortie"}
REVIEW_DECISIONS = {"": "— À décider —", "renouvellement": "Renouvellement du contrat", "sortie": "Sortie",
                    "prolongation": "Demande de prolongation du PASS IAE", "poursuite": "Poursuite du parcours"}
NEED_RATINGS = {"++": "Besoin fort", "+": "Besoin", "-": "Besoin faible", "--": "Pas de besoin"}


class WelcomeStep(SQLModel, table=True):
    """One step of a structure's welcome checklist (copied from accueil.csv, edited by direction)."""

    __tablename__ = "welcome_step"
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    label: str = Field(max_length=200)
    position: int = Field(default=0)
    active: bool = Field(default=True)


class WelcomeCheck(SQLModel, table=True):
    """A welcome step done for one employee: when, by whom, with an optional note (EPI sizes)."""

    __tablename__ = "welcome_check"
    __table_args__ = (UniqueConstraint("employee_id", "step_id"),)
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    employee_id: int = Field(foreign_key="employee.id", index=True)
    step_id: int = Field(foreign_key="welcome_step.id")
    done_on: date
    done_by_id: int = Field(foreign_key="user.id")
    note: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow)


class BarrierSituation(SQLModel, table=True):
    """A situation offered for a theme (copied from situations.csv, edited by direction)."""

    __tablename__ = "barrier_situation"
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    theme: str = Field(max_length=60)
    label: str = Field(max_length=200)
    active: bool = Field(default=True)


class Barrier(SQLModel, table=True):
    """A frein of the diagnostic: theme, situation, status; sensitive themes are hidden from supervisors."""

    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    employee_id: int = Field(foreign_key="employee.id", index=True)
    theme: str = Field(max_length=60)
    situation: str = Field(max_length=200)
    status: str = Field(default="identifie", max_length=20)
    sensitive: bool = Field(default=False)
    note: str = Field(default="", max_length=1000)
    detected_by_id: int = Field(foreign_key="user.id")
    detected_on: date
    discussed_on: date | None = None  # prise de conscience: discussed with the employee
    # [[iso date, status], ...]: the evolution shown in bilans
    history: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


class BarrierSignal(SQLModel, table=True):
    """A difficulty a supervisor noticed on site, proposed to the CIP who qualifies it."""

    __tablename__ = "barrier_signal"
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    employee_id: int = Field(foreign_key="employee.id", index=True)
    theme: str = Field(max_length=60)
    text: str = Field(max_length=1000)
    signalled_by_id: int = Field(foreign_key="user.id")
    signalled_at: datetime = Field(default_factory=utcnow)
    status: str = Field(default="nouveau", max_length=15)  # nouveau, qualifie, classe
    barrier_id: int | None = Field(default=None, foreign_key="barrier.id")
    handled_by_id: int | None = Field(default=None, foreign_key="user.id")


class WorkConstraint(SQLModel, table=True):
    """A work-relevant constraint the CIP shares with supervisors ("pas de port de charges")."""

    __tablename__ = "work_constraint"
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    employee_id: int = Field(foreign_key="employee.id", index=True)
    text: str = Field(max_length=200)
    created_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    active: bool = Field(default=True)


class Strength(SQLModel, table=True):
    """An atout of the employee: free text, or a skill or savoir-être."""

    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    employee_id: int = Field(foreign_key="employee.id", index=True)
    label: str = Field(max_length=200)
    source: str = Field(default="libre", max_length=20)  # libre, savoir_etre, competence
    noted_by_id: int = Field(foreign_key="user.id")
    noted_on: date


class Goal(SQLModel, table=True):
    """An objectif d'évolution agreed with the employee."""

    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    employee_id: int = Field(foreign_key="employee.id", index=True)
    text: str = Field(max_length=300)
    theme: str = Field(default="", max_length=60)
    barrier_id: int | None = Field(default=None, foreign_key="barrier.id")
    skill_code: str = Field(default="", max_length=40)
    due_date: date | None = None
    next_step: str = Field(default="", max_length=300)
    status: str = Field(default="en_cours", max_length=15)
    agreed_on: date | None = None  # "le salarié s'engage"
    sensitive: bool = Field(default=False)  # from a sensitive theme or frein: never on a supervisor's screen
    created_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class GoalChange(SQLModel, table=True):
    """One change of an objective: who, when, what."""

    __tablename__ = "goal_change"
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    goal_id: int = Field(foreign_key="goal.id", index=True)
    changed_by_id: int = Field(foreign_key="user.id")
    changed_at: datetime = Field(default_factory=utcnow)
    summary: str = Field(max_length=1000)


class Review(SQLModel, table=True):
    """A bilan: prepared from the field data, contributed to by the supervisor, finalised (locked) by the CIP."""

    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    employee_id: int = Field(foreign_key="employee.id", index=True)
    kind: str = Field(max_length=20)
    due_date: date
    period_start: date
    period_end: date
    status: str = Field(default="draft", max_length=12)  # draft, finalised
    decision: str = Field(default="", max_length=20)
    exit_type: str = Field(default="", max_length=120)
    conclusion: str = Field(default="", max_length=3000)
    created_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    finalised_at: datetime | None = None
    finalised_by_id: int | None = Field(default=None, foreign_key="user.id")
    # the whole document frozen at finalisation: print page and PDF read it
    snapshot: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ReviewContribution(SQLModel, table=True):
    """The supervisor's short contribution to a bilan (one per author, editable until finalisation)."""

    __tablename__ = "review_contribution"
    __table_args__ = (UniqueConstraint("review_id", "author_id"),)
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    review_id: int = Field(foreign_key="review.id", index=True)
    author_id: int = Field(foreign_key="user.id")
    savoir_etre: str = Field(default="", max_length=1000)
    technique: str = Field(default="", max_length=1000)
    strengths: str = Field(default="", max_length=1000)
    to_work: str = Field(default="", max_length=1000)
    proposal: str = Field(default="", max_length=1000)
    updated_at: datetime = Field(default_factory=utcnow)


class ReviewNeed(SQLModel, table=True):
    """The CIP's rating of one need of bilan_besoins.csv (++, +, -, --)."""

    __tablename__ = "review_need"
    __table_args__ = (UniqueConstraint("review_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    review_id: int = Field(foreign_key="review.id", index=True)
    code: str = Field(max_length=40)
    rating: str = Field(max_length=2)


class ReviewAction(SQLModel, table=True):
    """An action of actions.csv done during the period or planned for the next one."""

    __tablename__ = "review_action"
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    review_id: int = Field(foreign_key="review.id", index=True)
    label: str = Field(max_length=300)
    state: str = Field(default="planned", max_length=10)  # done, planned


class Addendum(SQLModel, table=True):
    """A note added to a finalised (locked) bilan."""

    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    review_id: int = Field(foreign_key="review.id", index=True)
    author_id: int = Field(foreign_key="user.id")
    text: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)

"""Employees wing tables: work sites, teams, employees, their CDDI contracts and daily assignments."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from webapp.models.common import utcnow


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

    # The people a counsellor or a supervisor follows (the feed, Today, the matrix), without reading the structure's.
    __table_args__ = (Index("ix_employee_referent_cip", "referent_cip_id", "structure_id", "active"),
                      Index("ix_employee_referent_eti", "referent_eti_id", "structure_id", "active"))
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

"""Échéances: contracts and PASS IAE ending, bilans due, objectives past due, welcome steps left — by urgency."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from webapp.domain.followup import followup, reviews
from webapp.models import Employee, Goal, User

CONTRACT_HORIZON = 60
PASS_HORIZON = 90
REVIEW_HORIZON = 60
SOON = 30
WELCOME_DUE_DAYS = 14  # the welcome checklist should be complete two weeks after entry

LEVELS = {"late": ("En retard", "!"), "soon": ("Bientôt", "◔"), "later": ("À venir", "✓")}


@dataclass
class Deadline:
    """One thing due for one employee."""

    employee: Employee
    kind: str  # contract, pass, review, goal, welcome
    label: str
    due: date
    today: date
    review_id: int | None = None
    goal_id: int | None = None

    @property
    def level(self) -> str:
        """late (red), soon (orange: under 30 days), later (green)."""
        if self.due < self.today:
            return "late"
        return "soon" if self.due < self.today + timedelta(days=SOON) else "later"

    @property
    def level_label(self) -> str:
        return LEVELS[self.level][0]

    @property
    def symbol(self) -> str:
        return LEVELS[self.level][1]

    @property
    def days(self) -> int:
        return (self.due - self.today).days


def employees_for(db: Session, user: User) -> list[Employee]:
    """Whose deadlines the user follows: a CIP's and a supervisor's referent employees, everyone for others."""
    stmt = select(Employee).where(Employee.structure_id == user.structure_id, Employee.active.is_(True))
    if user.role == "counsellor":
        stmt = stmt.where(Employee.referent_cip_id == user.id)
    elif user.role == "supervisor":
        stmt = stmt.where(Employee.referent_eti_id == user.id)
    return list(db.exec(stmt.order_by(Employee.first_name, Employee.last_name)).all())


def deadlines(db: Session, *, user: User, today: date, employees: list[Employee] | None = None) -> list[Deadline]:
    """Every deadline of the user's employees, most urgent first, in a fixed number of queries."""
    employees = employees_for(db, user) if employees is None else employees
    ids = [e.id for e in employees]
    if not ids:
        return []
    contracts = reviews.contracts_by_employee(db, ids)
    existing = reviews.reviews_of(db, ids)
    welcome = followup.integration_left(db, structure_id=user.structure_id, employee_ids=ids, today=today)
    entries = {i: c[0].start_date for i, c in contracts.items() if c}
    items: list[Deadline] = []
    for employee in employees:
        periods = contracts.get(employee.id, [])
        if periods:
            end = periods[-1].end_date
            if end <= today + timedelta(days=CONTRACT_HORIZON):
                items.append(Deadline(employee, "contract", "Fin du contrat", end, today))
        if employee.pass_iae_end and employee.pass_iae_end <= today + timedelta(days=PASS_HORIZON):
            items.append(Deadline(employee, "pass", "Fin du PASS IAE", employee.pass_iae_end, today))
        for due in reviews.due_reviews(periods, employee.pass_iae_end, existing.get(employee.id, [])):
            if not due.done and due.due <= today + timedelta(days=REVIEW_HORIZON):
                items.append(Deadline(employee, "review", due.label, due.due, today,
                                      review_id=due.review.id if due.review else None))
        if employee.id in welcome and employee.id in entries:
            left = len(welcome[employee.id])
            items.append(Deadline(employee, "welcome", f"Accueil : {left} étape(s) à faire",
                                  entries[employee.id] + timedelta(days=WELCOME_DUE_DAYS), today))
    goals = db.exec(select(Goal).where(col(Goal.employee_id).in_(ids), Goal.status == "en_cours",
                                       col(Goal.due_date).is_not(None), Goal.due_date < today + timedelta(days=SOON),
                                       followup.goal_clause(user))).all()
    by_id = {e.id: e for e in employees}
    for goal in goals:
        items.append(Deadline(by_id[goal.employee_id], "goal", f"Objectif : {goal.text}", goal.due_date, today,
                              goal_id=goal.id))
    return sorted(items, key=lambda d: (d.due, d.employee.first_name, d.kind))


def counts(items: list[Deadline]) -> dict[str, int]:
    result = {level: 0 for level in LEVELS}
    for item in items:
        result[item.level] += 1
    return result

"""The follow-up page of one employee as plain data: welcome, freins and atouts, objectives, bilans due."""
from __future__ import annotations

from datetime import date

from sqlmodel import Session

from webapp.domain.employees.employees import staff_names
from webapp.domain.followup import followup, reviews
from webapp.domain.policy import can
from webapp.models import BARRIER_STATUSES, GOAL_STATUSES, REVIEW_KINDS, Employee, User


def employee_screen(db: Session, *, user: User, employee: Employee, today: date, ip: str = "") -> dict:
    """Everything the follow-up page of an employee shows to `user`, as plain data; traces sensitive reads.

    The trace is written and committed by `audit.trace_reads` when it is new; the caller then ends the read.
    """
    ctx = {"employee": employee, "today": today, "welcome": followup.welcome_of(db, employee),
           "constraints": followup.constraints_of(db, [employee.id]).get(employee.id, []),
           "goals": followup.goals_of(db, user=user, employee_id=employee.id),
           "goal_statuses": GOAL_STATUSES, "barrier_statuses": BARRIER_STATUSES, "themes": followup.themes(),
           "public_themes": followup.public_themes(), "review_kinds": REVIEW_KINDS,
           "due": reviews.due_for(db, employee) if can(user, "review.view") or can(user, "review.contribute") else []}
    barriers = []
    if can(user, "barrier.view"):
        barriers = followup.barriers_of(db, user=user, employee_id=employee.id)
        ctx.update(barriers=barriers, strengths=followup.strengths_of(db, employee.id),
                   signals=followup.open_signals(db, employee_ids=[employee.id]),
                   situations=followup.situations_of(db, employee.structure_id),
                   strength_choices=followup.strength_choices(db, employee.id))
    ids = [b.detected_by_id for b in barriers] + [s.signalled_by_id for s in ctx.get("signals", [])]
    ids += [item.check.done_by_id for item in ctx["welcome"] if item.check]
    ctx["names"] = {i: u.full_name for i, u in staff_names(db, ids).items()}
    followup.trace_sensitive(db, user=user, ip=ip, employee_id=employee.id, barriers=barriers, goals=ctx["goals"],
                             what="(page de suivi)")
    return ctx

"""What the follow-up wing holds about a person: welcome, freins, signals, constraints, atouts, objectives, bilans."""
from __future__ import annotations

from sqlmodel import Session, col, delete, select

from webapp.domain.followup.followup import situations_of, themes
from webapp.domain.followup.reviews import CONTRIBUTION_FIELDS, needs_list
from webapp.domain.personal_data import ANONYMISED, Section
from webapp.models import (
    BARRIER_STATUSES,
    GOAL_STATUSES,
    NEED_RATINGS,
    REVIEW_DECISIONS,
    REVIEW_KINDS,
    Addendum,
    Barrier,
    BarrierSignal,
    Employee,
    Goal,
    GoalChange,
    Observation,
    Review,
    ReviewAction,
    ReviewContribution,
    ReviewNeed,
    Strength,
    WelcomeCheck,
    WelcomeStep,
    WorkConstraint,
)
from webapp.platform import dates

TABLES = (WelcomeCheck, Barrier, BarrierSignal, WorkConstraint, Strength, Goal, GoalChange, Review,
          ReviewContribution, ReviewNeed, ReviewAction, Addendum)


def _follow_up(db: Session, employee: Employee) -> list[dict]:
    labels = themes()
    rows = []
    for check, step in db.exec(select(WelcomeCheck, WelcomeStep).join(WelcomeStep, WelcomeStep.id == WelcomeCheck.step_id)
                               .where(WelcomeCheck.employee_id == employee.id)).all():
        rows.append({"Rubrique": "Accueil", "Libellé": step.label, "Date": check.done_on, "Détail": check.note})
    for b in db.exec(select(Barrier).where(Barrier.employee_id == employee.id)).all():
        discussed = f"; abordé le {dates.short_date(b.discussed_on)}" if b.discussed_on else ""
        rows.append({"Rubrique": "Frein", "Libellé": f"{labels.get(b.theme, b.theme)} : {b.situation}",
                     "Date": b.detected_on,
                     "Détail": f"{BARRIER_STATUSES.get(b.status, b.status)}{discussed}; {b.note}".rstrip("; ")})
    for s in db.exec(select(BarrierSignal).where(BarrierSignal.employee_id == employee.id)).all():
        rows.append({"Rubrique": "Signalement", "Libellé": labels.get(s.theme, s.theme), "Date": s.signalled_at,
                     "Détail": s.text})
    for c in db.exec(select(WorkConstraint).where(WorkConstraint.employee_id == employee.id)).all():
        rows.append({"Rubrique": "Contrainte", "Libellé": c.text, "Date": c.created_at,
                     "Détail": "partagée" if c.active else "retirée"})
    for s in db.exec(select(Strength).where(Strength.employee_id == employee.id)).all():
        rows.append({"Rubrique": "Atout", "Libellé": s.label, "Date": s.noted_on, "Détail": ""})
    goals = db.exec(select(Goal).where(Goal.employee_id == employee.id)).all()
    changes: dict[int, list[str]] = {}
    for change in db.exec(select(GoalChange).where(col(GoalChange.goal_id).in_([g.id for g in goals] or [0]))
                          .order_by(GoalChange.changed_at, GoalChange.id)).all():
        changes.setdefault(change.goal_id, []).append(change.summary)
    for g in goals:
        agreed = f"; engagement le {dates.short_date(g.agreed_on)}" if g.agreed_on else ""
        rows.append({"Rubrique": "Objectif", "Libellé": g.text, "Date": g.due_date,
                     "Détail": f"{GOAL_STATUSES.get(g.status, g.status)}{agreed}; {g.next_step}".rstrip("; "),
                     "Historique": " | ".join(changes.get(g.id, []))})
    return rows


def _reviews(db: Session, employee: Employee) -> list[dict]:
    need_labels = dict(needs_list())
    rows = []
    for r in db.exec(select(Review).where(Review.employee_id == employee.id).order_by(Review.due_date)).all():
        contributions = db.exec(select(ReviewContribution).where(ReviewContribution.review_id == r.id)).all()
        needs = db.exec(select(ReviewNeed).where(ReviewNeed.review_id == r.id)).all()
        actions = db.exec(select(ReviewAction).where(ReviewAction.review_id == r.id).order_by(ReviewAction.id)).all()
        addenda = db.exec(select(Addendum).where(Addendum.review_id == r.id).order_by(Addendum.created_at)).all()
        rows.append({
            "Bilan": REVIEW_KINDS.get(r.kind, r.kind), "Échéance": r.due_date, "Début de la période": r.period_start,
            "Fin de la période": r.period_end, "État": "finalisé" if r.status == "finalised" else "en préparation",
            "Contributions": " | ".join(" ; ".join(f"{label} : {getattr(c, key)}" for key, label in
                                                   CONTRIBUTION_FIELDS.items() if getattr(c, key))
                                        for c in contributions),
            "Besoins": " | ".join(f"{need_labels.get(n.code, n.code)} : {NEED_RATINGS.get(n.rating, n.rating)}"
                                  for n in needs),
            "Actions réalisées": " | ".join(a.label for a in actions if a.state == "done"),
            "Actions prévues": " | ".join(a.label for a in actions if a.state == "planned"),
            "Décision": REVIEW_DECISIONS.get(r.decision, r.decision) if r.decision else "",
            "Sortie": r.exit_type, "Conclusion": r.conclusion, "Avenants": " | ".join(a.text for a in addenda),
        })
    return rows


def export(db: Session, employee: Employee) -> list[Section]:
    """The socio-professional follow-up and the bilans."""
    return [("Suivi socioprofessionnel", _follow_up(db, employee)), ("Bilans", _reviews(db, employee))]


def _refresh_frozen_observations(db: Session, structure_id: int) -> None:
    """A finalised bilan of someone else froze the text of a group observation: once the purge has taken a
    person's name out of that observation, the frozen copy follows."""
    for review in db.exec(select(Review).where(Review.structure_id == structure_id,
                                               Review.status == "finalised")).all():
        frozen = (review.snapshot or {}).get("observations") or []
        ids = [item["id"] for item in frozen if item.get("id")]
        if not ids:
            continue
        current = {o.id: o.text for o in db.exec(select(Observation).where(col(Observation.id).in_(ids),
                                                                           col(Observation.text).contains(ANONYMISED)))}
        if not current:
            continue
        observations = [{**item, "text": current[item["id"]][:300]} if item.get("id") in current else item
                        for item in frozen]
        review.snapshot = {**review.snapshot, "observations": observations}
        db.add(review)


def anonymise(db: Session, employee: Employee, *, upload_folder: str) -> None:
    """Free texts go; themes, situations of the structure's list, statuses, dates, needs ratings, actions and
    decisions stay for statistics."""
    for check in db.exec(select(WelcomeCheck).where(WelcomeCheck.employee_id == employee.id)).all():
        check.note = ""
        db.add(check)
    listed = {label for _, label in situations_of(db, employee.structure_id)}
    for barrier in db.exec(select(Barrier).where(Barrier.employee_id == employee.id)).all():
        # A situation typed by hand may state a health or justice fact: only a situation of the list stays.
        if barrier.situation not in listed:
            barrier.situation = ANONYMISED
        barrier.note = ""
        db.add(barrier)
    for signal in db.exec(select(BarrierSignal).where(BarrierSignal.employee_id == employee.id)).all():
        signal.text = ANONYMISED
        db.add(signal)
    db.exec(delete(WorkConstraint).where(WorkConstraint.employee_id == employee.id))
    db.exec(delete(Strength).where(Strength.employee_id == employee.id))
    goals = db.exec(select(Goal).where(Goal.employee_id == employee.id)).all()
    for goal in goals:
        goal.text, goal.next_step = ANONYMISED, ""
        db.add(goal)
    for change in db.exec(select(GoalChange).where(col(GoalChange.goal_id).in_([g.id for g in goals] or [0]))).all():
        change.summary = ANONYMISED
        db.add(change)
    for review in db.exec(select(Review).where(Review.employee_id == employee.id)).all():
        review.conclusion, review.snapshot = "", {}
        db.add(review)
        for c in db.exec(select(ReviewContribution).where(ReviewContribution.review_id == review.id)).all():
            c.savoir_etre = c.technique = c.strengths = c.to_work = c.proposal = ""
            db.add(c)
        for a in db.exec(select(Addendum).where(Addendum.review_id == review.id)).all():
            a.text = ANONYMISED
            db.add(a)
    db.flush()
    _refresh_frozen_observations(db, employee.structure_id)

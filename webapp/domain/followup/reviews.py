"""Bilans: due dates from the contract and PASS IAE, preparation from field data, contributions, locking, PDF."""
from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, func, select

from webapp.domain.alerts.alerts import alert_type
from webapp.domain.field.attendance import attendance_rates
from webapp.domain.followup.followup import FollowupError, themes
from webapp.domain.followup.sensitivity import SENSITIVE_NEEDS
from webapp.domain.skills.skills import first_and_last
from webapp.models import (
    BARRIER_STATUSES,
    GOAL_STATUSES,
    NEED_RATINGS,
    OBSERVATION_CATEGORIES,
    OBSERVATION_TONES,
    REVIEW_DECISIONS,
    REVIEW_KINDS,
    Addendum,
    Alert,
    Barrier,
    Contract,
    Employee,
    Goal,
    Observation,
    ObservationEmployee,
    Review,
    ReviewAction,
    ReviewContribution,
    ReviewNeed,
    Structure,
    User,
    utcnow,
)
from webapp.platform import dates, reference_lists
from webapp.platform.pdf import a4_document

INTERMEDIATE_BEFORE_END = 30  # days before the end of a CDDI period: the renewal is decided at this bilan
MATCH_DAYS = 45  # a bilan created within this many days of a computed due date counts for it
CONTRIBUTION_FIELDS = {"savoir_etre": "Savoir-être", "technique": "Technique", "strengths": "Points forts",
                       "to_work": "Points à travailler", "proposal": "Proposition"}


class ReviewError(FollowupError):
    """A refused change to a bilan, with a French message for the named form field."""


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the last day of the month when it does not exist)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def needs_list() -> list[tuple[str, str]]:
    return [(r["code"], r["libelle"]) for r in reference_lists.load("bilan_besoins")]


def actions_list() -> list[tuple[str, str]]:
    """(theme label, action) pairs of actions.csv."""
    return [(r["theme_libelle"], r["action"]) for r in reference_lists.load("actions")]


def exit_types() -> list[tuple[str, str]]:
    """(category, type) pairs of sorties.csv."""
    return [(r["categorie"], r["type"]) for r in reference_lists.load("sorties")]


# --- due dates ---

@dataclass
class DueReview:
    """A bilan the contract and PASS dates call for, with the bilan created for it, if any."""

    kind: str
    due: date
    period_start: date
    review: Review | None = None
    window_start: date | None = None

    @property
    def label(self) -> str:
        return REVIEW_KINDS[self.kind]

    @property
    def done(self) -> bool:
        return self.review is not None and self.review.status == "finalised"


def due_reviews(contracts: list[Contract], pass_iae_end: date | None, reviews: list[Review]) -> list[DueReview]:
    """Bilans due for one employee (bilans.csv): integration 1 month after entry, intermediate 30 days before the
    end of each CDDI period that is not the last possible one, exit at the end of the path, PASS prolongation
    when the contract reaches its 12-month window; each matched with an existing bilan of that kind."""
    if not contracts:
        return []
    contracts = sorted(contracts, key=lambda c: c.start_date)
    entry = contracts[0].start_date
    cap = add_months(entry, 24) - timedelta(days=1)
    dues = [DueReview("integration", add_months(entry, 1), entry)]
    exit_decided = any(r.decision == "sortie" for r in reviews)
    for index, contract in enumerate(contracts):
        last_possible = contract.end_date >= cap or (pass_iae_end is not None and contract.end_date >= pass_iae_end)
        if index == len(contracts) - 1 and (last_possible or exit_decided):
            dues.append(DueReview("sortie", contract.end_date, contract.start_date))
        elif not last_possible:
            due = max(contract.start_date, contract.end_date - timedelta(days=INTERMEDIATE_BEFORE_END))
            dues.append(DueReview("intermediaire", due, contract.start_date))
    if pass_iae_end is not None:
        window = add_months(pass_iae_end, -12)
        if contracts[-1].end_date >= window:
            dues.append(DueReview("prolongation", pass_iae_end, max(entry, window), window_start=window))
    unmatched = sorted(reviews, key=lambda r: (r.due_date, r.id or 0))
    for item in sorted(dues, key=lambda d: d.due):
        match = next((r for r in unmatched if r.kind == item.kind and abs((r.due_date - item.due).days) <= MATCH_DAYS),
                     None)
        if match is not None:
            item.review = match
            unmatched.remove(match)
    return sorted(dues, key=lambda d: d.due)


def reviews_of(db: Session, employee_ids: list[int]) -> dict[int, list[Review]]:
    result: dict[int, list[Review]] = {}
    for review in db.exec(select(Review).where(col(Review.employee_id).in_(employee_ids or [0]))
                          .order_by(Review.due_date, Review.id)).all():
        result.setdefault(review.employee_id, []).append(review)
    return result


def contracts_by_employee(db: Session, employee_ids: list[int]) -> dict[int, list[Contract]]:
    result: dict[int, list[Contract]] = {}
    for contract in db.exec(select(Contract).where(col(Contract.employee_id).in_(employee_ids or [0]))
                            .order_by(Contract.start_date)).all():
        result.setdefault(contract.employee_id, []).append(contract)
    return result


def due_for(db: Session, employee: Employee) -> list[DueReview]:
    """Bilans due for one employee."""
    return due_reviews(contracts_by_employee(db, [employee.id]).get(employee.id, []), employee.pass_iae_end,
                       reviews_of(db, [employee.id]).get(employee.id, []))


# --- creation and preparation ---

def create_review(db: Session, *, user: User, employee: Employee, kind: str, due_date: date | None) -> Review:
    """Open a bilan of `kind` due on `due_date`; its period starts after the previous bilan (or at entry)."""
    if kind not in REVIEW_KINDS:
        raise ReviewError("Choisissez le type de bilan.", "kind")
    if due_date is None:
        raise ReviewError("Indiquez l'échéance du bilan (date valide).", "due_date")
    contracts = contracts_by_employee(db, [employee.id]).get(employee.id, [])
    if not contracts:
        raise ReviewError("Aucun contrat saisi : saisissez d'abord le contrat.", "due_date")
    entry = contracts[0].start_date
    if due_date < entry:
        raise ReviewError(f"L'échéance ne peut pas précéder le début du contrat ({dates.short_date(entry)}).",
                            "due_date")
    if due_date > contracts[-1].end_date + timedelta(days=366):
        raise ReviewError("Échéance trop lointaine.", "due_date")
    previous = db.exec(select(func.max(Review.period_end)).where(Review.employee_id == employee.id,
                                                                 Review.period_end < due_date)).one()
    start = previous + timedelta(days=1) if previous else entry
    review = Review(structure_id=employee.structure_id, employee_id=employee.id, kind=kind, due_date=due_date,
                    period_start=min(start, due_date), period_end=due_date, created_by_id=user.id)
    db.add(review)
    return review


def _check_open(review: Review) -> None:
    if review.status == "finalised":
        raise ReviewError("Ce bilan est finalisé : il ne se modifie plus, ajoutez un avenant.", "status")


def save_contribution(db: Session, *, user: User, review: Review, values: dict[str, str]) -> ReviewContribution:
    """The supervisor's contribution (one per author, replaced until finalisation)."""
    _check_open(review)
    cleaned = {k: (values.get(k) or "").strip() for k in CONTRIBUTION_FIELDS}
    for name, value in cleaned.items():
        if len(value) > 1000:
            raise ReviewError("1000 caractères au plus.", name)
    if not any(cleaned.values()):
        raise ReviewError("Écrivez au moins une rubrique.", "savoir_etre")
    row = db.exec(select(ReviewContribution).where(ReviewContribution.review_id == review.id,
                                                   ReviewContribution.author_id == user.id)).first()
    if row is None:
        row = ReviewContribution(structure_id=review.structure_id, review_id=review.id, author_id=user.id)
    for name, value in cleaned.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    db.add(row)
    return row


def save_counsellor_part(db: Session, *, review: Review, needs: dict[str, str], done: list[str], planned: list[str],
                         decision: str, exit_type: str, conclusion: str) -> Review:
    """Needs ratings, actions done and planned, decision, exit type and conclusion of the CIP."""
    _check_open(review)
    codes = dict(needs_list())
    if any(code not in codes or rating not in NEED_RATINGS for code, rating in needs.items() if rating):
        raise ReviewError("Cotation de besoin inconnue.", "needs")
    known_actions = {a for _, a in actions_list()}
    if any(a not in known_actions for a in done + planned):
        raise ReviewError("Action inconnue.", "actions")
    if decision not in REVIEW_DECISIONS:
        raise ReviewError("Choisissez une décision.", "decision")
    if exit_type and exit_type not in {t for _, t in exit_types()}:
        raise ReviewError("Type de sortie inconnu.", "exit_type")
    if len(conclusion) > 3000:
        raise ReviewError("3000 caractères au plus.", "conclusion")
    existing = {n.code: n for n in db.exec(select(ReviewNeed).where(ReviewNeed.review_id == review.id)).all()}
    for code in codes:
        rating = needs.get(code, "")
        if rating:
            row = existing.get(code) or ReviewNeed(structure_id=review.structure_id, review_id=review.id, code=code,
                                                   rating=rating)
            row.rating = rating
            db.add(row)
        elif code in existing:
            db.delete(existing[code])
    for action in db.exec(select(ReviewAction).where(ReviewAction.review_id == review.id)).all():
        db.delete(action)
    for state, labels in (("done", done), ("planned", planned)):
        for label in dict.fromkeys(labels):
            db.add(ReviewAction(structure_id=review.structure_id, review_id=review.id, label=label, state=state))
    review.decision, review.exit_type, review.conclusion = decision, exit_type, conclusion.strip()
    db.add(review)
    return review


def finalise(db: Session, *, user: User, review: Review, today: date | None = None) -> Review:
    """Lock the bilan: its whole document is frozen; later changes are addenda."""
    _check_open(review)
    if not review.decision:
        raise ReviewError("Choisissez la décision avant de finaliser.", "decision")
    if (review.kind == "sortie" or review.decision == "sortie") and not review.exit_type:
        raise ReviewError("Indiquez le type de sortie avant de finaliser.", "exit_type")
    snapshot = document(db, review=review, today=today)
    snapshot.update(finalised_by=user.full_name, finalised_on=(today or date.today()).isoformat())
    review.snapshot = snapshot
    review.status, review.finalised_at, review.finalised_by_id = "finalised", utcnow(), user.id
    db.add(review)
    return review


def add_addendum(db: Session, *, user: User, review: Review, text: str) -> Addendum:
    """A note added to a finalised bilan."""
    if review.status != "finalised":
        raise ReviewError("Le bilan n'est pas encore finalisé : modifiez-le directement.", "text")
    text = text.strip()
    if not text:
        raise ReviewError("Écrivez l'avenant.", "text")
    if len(text) > 2000:
        raise ReviewError("2000 caractères au plus.", "text")
    row = Addendum(structure_id=review.structure_id, review_id=review.id, author_id=user.id, text=text)
    db.add(row)
    return row


# --- the compiled document ---

def compile_summary(db: Session, *, employee: Employee, start: date, end: date, timezone: str | None = None) -> dict:
    """The period's field data: attendance, observations shared with the team, skills first/last, objectives,
    freins and their evolution, alerts. Plain JSON values, so that finalisation can freeze it; days are the local
    days of `timezone`."""
    rate = attendance_rates(db, structure_id=employee.structure_id, employee_ids=[employee.id], start=start,
                            end=end)[employee.id]
    observations = db.exec(
        select(Observation).join(ObservationEmployee, ObservationEmployee.observation_id == Observation.id)
        .where(ObservationEmployee.employee_id == employee.id, Observation.visibility == "team",
               Observation.observed_on >= start, Observation.observed_on <= end)
        .order_by(Observation.observed_on, Observation.id)).all()
    counts = Counter((o.category, o.tone) for o in observations)
    skills = first_and_last(db, employee.id, start, end, timezone=timezone)
    goals = db.exec(select(Goal).where(Goal.employee_id == employee.id).order_by(Goal.status, Goal.due_date)).all()
    barriers = db.exec(select(Barrier).where(Barrier.employee_id == employee.id)
                       .order_by(Barrier.detected_on, Barrier.id)).all()
    theme_labels = themes()
    alerts = db.exec(select(Alert.type_code, func.count()).where(
        Alert.employee_id == employee.id, Alert.raised_at >= dates.day_bounds(start, timezone)[0],
        Alert.raised_at < dates.day_bounds(end, timezone)[1]).group_by(Alert.type_code)).all()
    return {
        "period": [start.isoformat(), end.isoformat()],
        "attendance": {"present": rate.present, "late": rate.late, "absent": rate.absent, "excused": rate.excused,
                       "late_minutes": rate.late_minutes,
                       "rate": None if rate.rate is None else round(rate.rate * 100)},
        "observation_counts": [{"category": OBSERVATION_CATEGORIES.get(c, c), "tone": OBSERVATION_TONES.get(t, t),
                                "tone_code": t, "count": n} for (c, t), n in sorted(counts.items())],
        "observations": [{"id": o.id, "date": o.observed_on.isoformat(),
                          "category": OBSERVATION_CATEGORIES.get(o.category, o.category),
                          "tone": OBSERVATION_TONES.get(o.tone, o.tone), "text": o.text[:300]} for o in observations],
        "skills": [{"label": last.skill_label, "first_level": first.level, "first_date": dates.local_day(first.rated_at, timezone).isoformat(),
                    "last_level": last.level, "last_date": dates.local_day(last.rated_at, timezone).isoformat()}
                   for first, last in skills.values()],
        "goals": [{"text": g.text, "status": GOAL_STATUSES.get(g.status, g.status),
                   "due": g.due_date.isoformat() if g.due_date else "", "next_step": g.next_step,
                   "agreed_on": g.agreed_on.isoformat() if g.agreed_on else "", "sensitive": g.sensitive}
                  for g in goals],
        "barriers": [{"theme": theme_labels.get(b.theme, b.theme), "situation": b.situation,
                      "status": BARRIER_STATUSES.get(b.status, b.status), "sensitive": b.sensitive,
                      "detected_on": b.detected_on.isoformat(),
                      "discussed_on": b.discussed_on.isoformat() if b.discussed_on else "",
                      "history": [[d, BARRIER_STATUSES.get(s, s)] for d, s in b.history]} for b in barriers],
        "alerts": [{"type": (alert_type(code).label if alert_type(code) else code), "count": n} for code, n in alerts],
    }


def document(db: Session, *, review: Review, today: date | None = None) -> dict:
    """Everything the bilan shows: frozen snapshot once finalised, else compiled now."""
    if review.status == "finalised" and review.snapshot:
        return review.snapshot
    today = today or date.today()
    employee = db.get(Employee, review.employee_id)
    structure = db.get(Structure, review.structure_id)
    end = min(review.period_end, today)
    summary = compile_summary(db, employee=employee, start=review.period_start, end=max(end, review.period_start),
                              timezone=structure.timezone)
    contributions = db.exec(select(ReviewContribution, User).join(User, User.id == ReviewContribution.author_id)
                            .where(ReviewContribution.review_id == review.id).order_by(ReviewContribution.id)).all()
    needs = {n.code: n.rating for n in db.exec(select(ReviewNeed).where(ReviewNeed.review_id == review.id)).all()}
    actions = db.exec(select(ReviewAction).where(ReviewAction.review_id == review.id).order_by(ReviewAction.id)).all()
    contracts = contracts_by_employee(db, [employee.id]).get(employee.id, [])
    return {
        **summary,
        "structure": structure.name,
        "employee": employee.full_name,
        "kind": REVIEW_KINDS.get(review.kind, review.kind),
        "due_date": review.due_date.isoformat(),
        "entry": contracts[0].start_date.isoformat() if contracts else "",
        "contract_end": contracts[-1].end_date.isoformat() if contracts else "",
        "pass_iae_end": employee.pass_iae_end.isoformat() if employee.pass_iae_end else "",
        "contributions": [{"author": u.full_name, **{k: getattr(c, k) for k in CONTRIBUTION_FIELDS}}
                          for c, u in contributions],
        "needs": [{"code": code, "label": label, "rating": needs[code],
                   "rating_label": NEED_RATINGS[needs[code]], "sensitive": code in SENSITIVE_NEEDS}
                  for code, label in needs_list() if code in needs],
        "actions_done": [a.label for a in actions if a.state == "done"],
        "actions_planned": [a.label for a in actions if a.state == "planned"],
        "decision": REVIEW_DECISIONS.get(review.decision, "") if review.decision else "",
        "exit_type": review.exit_type,
        "conclusion": review.conclusion,
    }


def addenda_of(db: Session, review_id: int) -> list[tuple[Addendum, User]]:
    return list(db.exec(select(Addendum, User).join(User, User.id == Addendum.author_id)
                        .where(Addendum.review_id == review_id).order_by(Addendum.created_at)).all())


def pdf_bytes(doc: dict, addenda: list[tuple[datetime, str, str]], *, timezone: str | None = None) -> bytes:
    """The bilan as an A4 PDF with the DejaVu font bundled with Terrain; addenda as (written at, author, text)."""
    pdf, line = a4_document(title=f"{doc['kind']} — {doc['employee']}", author=doc["structure"], default_gap=1.2)

    def heading(text: str) -> None:
        pdf.ln(2)
        line(text, 12, True)

    line(doc["structure"], 9)
    line(f"{doc['kind']} — {doc['employee']}", 16, True, 3)
    start, end = doc["period"]
    line(f"Période du {dates.short_date(start)} au {dates.short_date(end)} · échéance {dates.short_date(doc['due_date'])}")
    line(f"Entrée {dates.short_date(doc['entry'])} · fin du contrat {dates.short_date(doc['contract_end'])} · "
         f"fin du PASS IAE {dates.short_date(doc['pass_iae_end'])}")
    if doc.get("finalised_on"):
        line(f"Finalisé le {dates.short_date(doc['finalised_on'])} par {doc.get('finalised_by', '')}", 10, True)
    att = doc["attendance"]
    heading("Présence")
    rate = "—" if att["rate"] is None else f"{att['rate']} %"
    line(f"Taux de présence : {rate} · présent {att['present']} j · retard {att['late']} j "
         f"({att['late_minutes']} min) · absent {att['absent']} j · excusé {att['excused']} j")
    heading("Observations de l'encadrement")
    if not doc["observation_counts"]:
        line("Aucune observation sur la période.")
    for c in doc["observation_counts"]:
        line(f"{c['category']} · {c['tone']} : {c['count']}")
    heading("Compétences (première et dernière évaluation)")
    if not doc["skills"]:
        line("Aucune évaluation sur la période.")
    for s in doc["skills"]:
        line(f"{s['label']} : niveau {s['first_level']} ({dates.short_date(s['first_date'])}) → niveau {s['last_level']} "
             f"({dates.short_date(s['last_date'])})")
    heading("Objectifs")
    if not doc["goals"]:
        line("Aucun objectif.")
    for g in doc["goals"]:
        line(f"{g['text']} — {g['status']}" + (f", échéance {dates.short_date(g['due'])}" if g["due"] else ""))
    heading("Freins")
    if not doc["barriers"]:
        line("Aucun frein.")
    for b in doc["barriers"]:
        evolution = " → ".join(f"{s} ({dates.short_date(d)})" for d, s in b["history"])
        line(f"{b['theme']} : {b['situation']} — {b['status']}. Évolution : {evolution}")
    if doc["alerts"]:
        heading("Alertes")
        for a in doc["alerts"]:
            line(f"{a['type']} : {a['count']}")
    heading("Contribution de l'encadrement")
    if not doc["contributions"]:
        line("Aucune contribution.")
    for c in doc["contributions"]:
        line(c["author"], 10, True)
        for key, label in CONTRIBUTION_FIELDS.items():
            if c[key]:
                line(f"{label} : {c[key]}")
    heading("Besoins")
    if not doc["needs"]:
        line("Non cotés.")
    for n in doc["needs"]:
        line(f"{n['label']} : {n['rating']} ({n['rating_label']})")
    heading("Actions")
    for label in doc["actions_done"]:
        line(f"Réalisée : {label}")
    for label in doc["actions_planned"]:
        line(f"Prévue : {label}")
    heading("Décision")
    line(doc["decision"] or "À décider")
    if doc["exit_type"]:
        line(f"Type de sortie : {doc['exit_type']}")
    if doc["conclusion"]:
        line(doc["conclusion"])
    if addenda:
        heading("Avenants")
        for written_at, author, text in addenda:
            line(f"{dates.short_date(written_at, timezone)} — {author} : {text}")
    return bytes(pdf.output())

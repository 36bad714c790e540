"""What each feature holds about an employee, for the access export and the retention purge."""
from __future__ import annotations

from sqlmodel import Session, col, delete, select

from webapp.domain.privacy import Section, anonymiser, exporter
from webapp.models import (
    Alert,
    AlertEvent,
    Attendance,
    Attestation,
    Employee,
    Instruction,
    InstructionAck,
    LearningSession,
    LearningSessionParticipant,
    Observation,
    ObservationEmployee,
    Photo,
    SkillRating,
    User,
)
from webapp.platform import photos

ANONYMISED = "[anonymisé]"


def _names(db: Session, ids) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {u.id: u.full_name for u in db.exec(select(User).where(col(User.id).in_(wanted))).all()}


def _observations(db: Session, employee: Employee) -> list[Observation]:
    return list(db.exec(select(Observation).join(ObservationEmployee,
                                                 ObservationEmployee.observation_id == Observation.id)
                        .where(ObservationEmployee.employee_id == employee.id)
                        .order_by(Observation.observed_on, Observation.id)).all())


@exporter
def _export_observations(db: Session, employee: Employee) -> Section:
    rows = _observations(db, employee)
    authors = _names(db, [o.author_id for o in rows])
    return "Observations", [{
        "Date": o.observed_on.isoformat(), "Catégorie": o.category, "Ton": o.tone, "Texte": o.text,
        "Visibilité": o.visibility, "Auteur": authors.get(o.author_id, ""),
        "Correction de": o.corrects_id or "", "Photo": "oui" if o.photo_id else "",
    } for o in rows]


@exporter
def _export_attendance(db: Session, employee: Employee) -> Section:
    rows = db.exec(select(Attendance).where(Attendance.employee_id == employee.id).order_by(Attendance.day)).all()
    return "Présences", [{"Jour": a.day.isoformat(), "Statut": a.status, "Retard (min)": a.late_minutes or ""}
                         for a in rows]


@exporter
def _export_instructions(db: Session, employee: Employee) -> Section:
    rows = db.exec(select(Instruction, InstructionAck).join(InstructionAck,
                                                            InstructionAck.instruction_id == Instruction.id)
                   .where(InstructionAck.employee_id == employee.id).order_by(Instruction.day)).all()
    return "Consignes reçues", [{
        "Jour": i.day.isoformat(), "Catégorie": i.category, "Consigne": i.text,
        "Comprise le": ack.acknowledged_at.strftime("%Y-%m-%d %H:%M") if ack.acknowledged_at else "",
    } for i, ack in rows]


@exporter
def _export_alerts(db: Session, employee: Employee) -> Section:
    rows = db.exec(select(Alert).where(Alert.employee_id == employee.id).order_by(Alert.raised_at)).all()
    return "Alertes urgentes", [{
        "Levée le (UTC)": a.raised_at.strftime("%Y-%m-%d %H:%M"), "Situation": a.type_code, "Gravité": a.severity,
        "Faits": a.facts, "État": a.status, "Note de clôture": a.resolution_note,
    } for a in rows]


@exporter
def _export_ratings(db: Session, employee: Employee) -> Section:
    rows = db.exec(select(SkillRating).where(SkillRating.employee_id == employee.id)
                   .order_by(SkillRating.rated_at)).all()
    return "Évaluations de compétences", [{
        "Date (UTC)": r.rated_at.strftime("%Y-%m-%d"), "Compétence": r.skill_label, "Niveau": r.level,
        "Situation": r.situation, "Preuve": r.evidence_note,
    } for r in rows]


@exporter
def _export_sessions(db: Session, employee: Employee) -> Section:
    rows = db.exec(select(LearningSession, LearningSessionParticipant)
                   .join(LearningSessionParticipant, LearningSessionParticipant.session_id == LearningSession.id)
                   .where(LearningSessionParticipant.employee_id == employee.id)).all()
    return "Séances d'apprentissage", [{
        "Séance": s.title, "Présent(e)": {True: "oui", False: "non", None: ""}[p.present],
    } for s, p in rows]


@exporter
def _export_attestations(db: Session, employee: Employee) -> Section:
    rows = db.exec(select(Attestation).where(Attestation.employee_id == employee.id)).all()
    return "Attestations de compétences", [{
        "Émise le (UTC)": a.issued_at.strftime("%Y-%m-%d"), "Période": f"{a.period_start} → {a.period_end}",
        "Poste": a.job_title, "Identifiant": a.uuid,
    } for a in rows]


def _drop_photo(db: Session, photo_id: int | None, upload_folder: str | None) -> None:
    photo = db.get(Photo, photo_id) if photo_id else None
    if photo is not None and upload_folder:
        photos.photo_path(photo, upload_folder).unlink(missing_ok=True)


@anonymiser
def _anonymise_field(db: Session, employee: Employee, upload_folder: str | None = None) -> None:
    """Observation texts and photos about the person go; categories and tones stay for statistics."""
    for observation in _observations(db, employee):
        shared = db.exec(select(ObservationEmployee).where(
            ObservationEmployee.observation_id == observation.id,
            ObservationEmployee.employee_id != employee.id)).first()
        if shared is not None:
            # A group observation also concerns others: only the link to this person goes.
            db.exec(delete(ObservationEmployee).where(ObservationEmployee.observation_id == observation.id,
                                                      ObservationEmployee.employee_id == employee.id))
            continue
        _drop_photo(db, observation.photo_id, upload_folder)
        observation.text, observation.skills_note = ANONYMISED, ""
        db.add(observation)


@anonymiser
def _anonymise_alerts(db: Session, employee: Employee, upload_folder: str | None = None) -> None:
    for alert in db.exec(select(Alert).where(Alert.employee_id == employee.id)).all():
        alert.facts, alert.resolution_note = "", ANONYMISED if alert.resolution_note else ""
        db.add(alert)
        for event in db.exec(select(AlertEvent).where(AlertEvent.alert_id == alert.id)).all():
            if event.detail:
                event.detail = ANONYMISED
                db.add(event)


@anonymiser
def _anonymise_skills(db: Session, employee: Employee, upload_folder: str | None = None) -> None:
    """Levels stay (statistics); notes, evidence and issued attestations (which carry the name) go."""
    for rating in db.exec(select(SkillRating).where(SkillRating.employee_id == employee.id)).all():
        rating.evidence_note, rating.evidence_ref, rating.situation = "", "", ""
        db.add(rating)
    db.exec(delete(Attestation).where(Attestation.employee_id == employee.id))


# --- socio-professional follow-up (issue 6) ---

def _d(value) -> str:
    return value.isoformat() if value else ""


@exporter
def _export_followup(db: Session, employee: Employee) -> Section:
    from webapp.domain.followup.followup import themes
    from webapp.models import (
        Barrier,
        BarrierSignal,
        Goal,
        Strength,
        WelcomeCheck,
        WelcomeStep,
        WorkConstraint,
    )

    labels = themes()
    rows = []
    for check, step in db.exec(select(WelcomeCheck, WelcomeStep).join(WelcomeStep, WelcomeStep.id == WelcomeCheck.step_id)
                               .where(WelcomeCheck.employee_id == employee.id)).all():
        rows.append({"Rubrique": "Accueil", "Libellé": step.label, "Date": _d(check.done_on), "Détail": check.note})
    for b in db.exec(select(Barrier).where(Barrier.employee_id == employee.id)).all():
        rows.append({"Rubrique": "Frein", "Libellé": f"{labels.get(b.theme, b.theme)} : {b.situation}",
                     "Date": _d(b.detected_on), "Détail": f"{b.status}; abordé le {_d(b.discussed_on)}; {b.note}"})
    for s in db.exec(select(BarrierSignal).where(BarrierSignal.employee_id == employee.id)).all():
        rows.append({"Rubrique": "Signalement", "Libellé": labels.get(s.theme, s.theme),
                     "Date": _d(s.signalled_at.date()), "Détail": s.text})
    for c in db.exec(select(WorkConstraint).where(WorkConstraint.employee_id == employee.id)).all():
        rows.append({"Rubrique": "Contrainte", "Libellé": c.text, "Date": _d(c.created_at.date()),
                     "Détail": "partagée" if c.active else "retirée"})
    for s in db.exec(select(Strength).where(Strength.employee_id == employee.id)).all():
        rows.append({"Rubrique": "Atout", "Libellé": s.label, "Date": _d(s.noted_on), "Détail": ""})
    for g in db.exec(select(Goal).where(Goal.employee_id == employee.id)).all():
        rows.append({"Rubrique": "Objectif", "Libellé": g.text, "Date": _d(g.due_date),
                     "Détail": f"{g.status}; engagement le {_d(g.agreed_on)}; {g.next_step}"})
    return "Suivi socioprofessionnel", rows


@exporter
def _export_reviews(db: Session, employee: Employee) -> Section:
    from webapp.models import Addendum, Review, ReviewContribution

    rows = []
    for r in db.exec(select(Review).where(Review.employee_id == employee.id).order_by(Review.due_date)).all():
        contributions = db.exec(select(ReviewContribution).where(ReviewContribution.review_id == r.id)).all()
        addenda = db.exec(select(Addendum).where(Addendum.review_id == r.id)).all()
        rows.append({"Bilan": r.kind, "Échéance": _d(r.due_date), "Période": f"{r.period_start} → {r.period_end}",
                     "État": r.status, "Décision": r.decision, "Sortie": r.exit_type, "Conclusion": r.conclusion,
                     "Contributions": " | ".join(f"{c.savoir_etre} {c.technique} {c.strengths} {c.to_work} "
                                                 f"{c.proposal}".strip() for c in contributions),
                     "Avenants": " | ".join(a.text for a in addenda)})
    return "Bilans", rows


@anonymiser
def _anonymise_followup(db: Session, employee: Employee, upload_folder: str | None = None) -> None:
    """Free texts go; themes, statuses, dates, needs ratings and decisions stay for statistics."""
    from webapp.models import (
        Addendum,
        Barrier,
        BarrierSignal,
        Goal,
        GoalChange,
        Review,
        ReviewContribution,
        Strength,
        WelcomeCheck,
        WorkConstraint,
    )

    for check in db.exec(select(WelcomeCheck).where(WelcomeCheck.employee_id == employee.id)).all():
        check.note = ""
        db.add(check)
    for barrier in db.exec(select(Barrier).where(Barrier.employee_id == employee.id)).all():
        barrier.note = ""
        db.add(barrier)
    for signal in db.exec(select(BarrierSignal).where(BarrierSignal.employee_id == employee.id)).all():
        signal.text = ANONYMISED
        db.add(signal)
    db.exec(delete(WorkConstraint).where(WorkConstraint.employee_id == employee.id))
    db.exec(delete(Strength).where(Strength.employee_id == employee.id))
    goal_ids = list(db.exec(select(Goal.id).where(Goal.employee_id == employee.id)).all())
    for goal in db.exec(select(Goal).where(Goal.employee_id == employee.id)).all():
        goal.text, goal.next_step = ANONYMISED, ""
        db.add(goal)
    if goal_ids:
        for change in db.exec(select(GoalChange).where(col(GoalChange.goal_id).in_(goal_ids))).all():
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

"""What the skills wing holds about a person: skill ratings and their evidence, learning sessions, attestations."""
from __future__ import annotations

from sqlmodel import Session, delete, select

from webapp.domain.personal_data import Section, drop_photos, mentions, scrub
from webapp.domain.skills.skills import LEVELS, evidence_photo_id
from webapp.models import (
    Attestation,
    Employee,
    LearningSession,
    LearningSessionParticipant,
    SkillRating,
)

TABLES = (SkillRating, LearningSession, LearningSessionParticipant, Attestation)


def export(db: Session, employee: Employee) -> list[Section]:
    """Ratings with their evidence, sessions attended, attestations issued."""
    ratings = db.exec(select(SkillRating).where(SkillRating.employee_id == employee.id)
                      .order_by(SkillRating.rated_at)).all()
    sessions = db.exec(select(LearningSession, LearningSessionParticipant)
                       .join(LearningSessionParticipant, LearningSessionParticipant.session_id == LearningSession.id)
                       .where(LearningSessionParticipant.employee_id == employee.id)
                       .order_by(LearningSession.planned_on)).all()
    attestations = db.exec(select(Attestation).where(Attestation.employee_id == employee.id)
                           .order_by(Attestation.issued_at)).all()
    return [
        ("Évaluations de compétences", [{
            "Date": r.rated_at, "Compétence": r.skill_label,
            "Niveau": f"{LEVELS[r.level].code} · {LEVELS[r.level].label}" if r.level in LEVELS else r.level,
            "Situation": r.situation, "Preuve": r.evidence_note,
            "Photo de preuve": "oui" if evidence_photo_id(r) else "",
        } for r in ratings]),
        ("Séances d'apprentissage", [{
            "Séance": s.title, "Prévue le": s.planned_on, "Présent(e)": {True: "oui", False: "non", None: ""}[p.present],
        } for s, p in sessions]),
        ("Attestations de compétences", [{
            "Émise le": a.issued_at, "Début": a.period_start, "Fin": a.period_end, "Poste": a.job_title,
            "Identifiant": a.uuid,
        } for a in attestations]),
    ]


def anonymise(db: Session, employee: Employee, *, upload_folder: str) -> None:
    """Levels stay (statistics); situations, notes, evidence photos and issued attestations (which carry the
    name) go; a learning session keeps everything but the person's name."""
    ratings = db.exec(select(SkillRating).where(SkillRating.employee_id == employee.id)).all()
    photo_ids = [evidence_photo_id(r) for r in ratings]
    for rating in ratings:
        rating.evidence_note, rating.evidence_ref, rating.situation = "", "", ""
        db.add(rating)
    for session in db.exec(select(LearningSession).join(
            LearningSessionParticipant, LearningSessionParticipant.session_id == LearningSession.id)
            .where(LearningSessionParticipant.employee_id == employee.id)).all():
        others = db.exec(select(Employee).join(LearningSessionParticipant,
                                               LearningSessionParticipant.employee_id == Employee.id)
                         .where(LearningSessionParticipant.session_id == session.id,
                                LearningSessionParticipant.employee_id != employee.id)).all()
        pattern = mentions(employee, parts=True, keep=[n for o in others for n in (o.first_name, o.last_name)])
        session.title, session.situation = scrub(session.title, pattern), scrub(session.situation, pattern)
        session.notes = scrub(session.notes, pattern)
        db.add(session)
    db.exec(delete(Attestation).where(Attestation.employee_id == employee.id))
    db.flush()
    drop_photos(db, photo_ids, upload_folder=upload_folder)

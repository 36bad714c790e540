"""Learning sessions in production: prepare (or reuse a template), run, rate participants at the end."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from webapp.domain.skills import skills as skills_service
from webapp.models import (
    Employee,
    LearningSession,
    LearningSessionParticipant,
    LearningSessionSkill,
    LearningSessionTemplate,
    Skill,
    SkillRating,
    User,
    Worksite,
    utcnow,
)

METHODS = [
    ("demonstration", "Démonstration puis reproduction"),
    ("mise_en_situation", "Mise en situation de production"),
    ("tutorat", "Tutorat / binôme avec un salarié confirmé"),
    ("pas_a_pas", "Explication pas à pas avec fiche"),
    ("essai_erreur", "Essai-erreur accompagné"),
]
METHOD_LABELS = dict(METHODS)
STATUS_LABELS = {"planned": "Prévue", "held": "Réalisée", "cancelled": "Annulée"}


class LearningError(ValueError):
    """A session refused: {field: French message}."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def create_session(db: Session, *, user: User, title: str, planned_on: date | None, skill_ids: list[int],
                   participant_ids: list[int], worksite_id: int | None = None, situation: str = "",
                   method: str = "", material: str = "", safety: str = "", duration_minutes: int | None = 60,
                   save_as_template: bool = False, template_id: int | None = None) -> LearningSession:
    """Plan a session after checking every reference belongs to the user's structure; the caller commits."""
    sid = user.structure_id
    problems: dict[str, str] = {}
    title = " ".join((title or "").split())[:160]
    if not title:
        problems["title"] = "Donnez un titre à la séance."
    if planned_on is None:
        problems["planned_on"] = "Indiquez la date de la séance."
    if method and method not in METHOD_LABELS:
        problems["method"] = "Méthode inconnue."
    if duration_minutes is None or not 5 <= duration_minutes <= 480:
        problems["duration_minutes"] = "Durée entre 5 et 480 minutes."
    skills = db.exec(select(Skill).where(col(Skill.id).in_(skill_ids or [0]), Skill.structure_id == sid,
                                         Skill.active.is_(True))).all()
    if not skills or len(skills) != len(set(skill_ids)):
        problems["skill_ids"] = "Choisissez au moins une compétence visée."
    employees = db.exec(select(Employee).where(col(Employee.id).in_(participant_ids or [0]),
                                               Employee.structure_id == sid)).all()
    if not employees or len(employees) != len(set(participant_ids)):
        problems["participant_ids"] = "Choisissez au moins un participant."
    if worksite_id is not None:
        site = db.get(Worksite, worksite_id)
        if site is None or site.structure_id != sid:
            problems["worksite_id"] = "Chantier inconnu."
    if problems:
        raise LearningError(problems)
    fields = {"title": title, "situation": situation[:300], "method": method, "material": material[:500],
              "safety": safety[:500], "duration_minutes": duration_minutes}
    if save_as_template:
        template = LearningSessionTemplate(structure_id=sid, skill_codes=[s.code for s in skills], **fields)
        db.add(template)
        db.flush()
        template_id = template.id
    session = LearningSession(structure_id=sid, worksite_id=worksite_id, planned_on=planned_on,
                              created_by_id=user.id, template_id=template_id, **fields)
    db.add(session)
    db.flush()
    db.add_all([LearningSessionSkill(structure_id=sid, session_id=session.id, skill_id=s.id) for s in skills])
    db.add_all([LearningSessionParticipant(structure_id=sid, session_id=session.id, employee_id=e.id)
                for e in employees])
    db.flush()
    return session


def templates_of(db: Session, structure_id: int) -> list[LearningSessionTemplate]:
    """The structure's reusable session plans, by title."""
    return list(db.exec(select(LearningSessionTemplate).where(LearningSessionTemplate.structure_id == structure_id)
                        .order_by(LearningSessionTemplate.title)).all())


def template_skill_ids(db: Session, template: LearningSessionTemplate) -> list[int]:
    """The current active versions of the skills a template targets."""
    if not template.skill_codes:
        return []
    return list(db.exec(select(Skill.id).where(Skill.structure_id == template.structure_id, Skill.active.is_(True),
                                               col(Skill.code).in_(template.skill_codes))).all())


@dataclass
class SessionDetails:
    """A session with its targeted skills, participants and the ratings given at its end."""

    session: LearningSession
    skills: list[Skill]
    participants: list[tuple[LearningSessionParticipant, Employee]]
    ratings: dict[tuple[int, int], SkillRating]
    latest: dict[tuple[int, str], SkillRating]


def details(db: Session, session: LearningSession) -> SessionDetails:
    """Everything the session page shows, in four queries."""
    skills = list(db.exec(select(Skill).join(LearningSessionSkill, LearningSessionSkill.skill_id == Skill.id)
                          .where(LearningSessionSkill.session_id == session.id).order_by(Skill.code)).all())
    participants = list(db.exec(
        select(LearningSessionParticipant, Employee)
        .join(Employee, Employee.id == LearningSessionParticipant.employee_id)
        .where(LearningSessionParticipant.session_id == session.id)
        .order_by(Employee.first_name, Employee.last_name)).all())
    ratings = {(r.employee_id, r.skill_id): r for r in
               db.exec(select(SkillRating).where(SkillRating.session_id == session.id)).all()}
    latest = skills_service.latest_ratings(db, [e.id for _, e in participants], [s.code for s in skills])
    return SessionDetails(session, skills, participants, ratings, latest)


def finish_session(db: Session, *, session: LearningSession, user: User, present_ids: set[int], notes: str,
                   levels: dict[tuple[int, int], str], at=None) -> list[SkillRating]:
    """Record attendance, notes and the end-of-session ratings of present participants; the caller commits."""
    if session.status != "planned":
        raise LearningError({"session": "Cette séance est déjà terminée."})
    info = details(db, session)
    skills = {s.id: s for s in info.skills}
    participants = {e.id: (p, e) for p, e in info.participants}
    unknown = {eid for eid in present_ids if eid not in participants}
    if unknown:
        raise LearningError({"present": "Participant inconnu."})
    if not present_ids:
        raise LearningError({"present": "Cochez au moins un participant présent."})
    parsed = {}
    for (employee_id, skill_id), value in levels.items():
        if employee_id not in participants or skill_id not in skills:
            raise LearningError({"levels": "Compétence ou participant inconnu."})
        if value in ("", None) or employee_id not in present_ids:
            continue
        try:
            parsed[(employee_id, skill_id)] = skills_service.parse_level(value)
        except skills_service.SkillError as exc:
            raise LearningError({"levels": str(exc)}) from exc
    for employee_id, (participant, _) in participants.items():
        participant.present = employee_id in present_ids
        db.add(participant)
    now = at or utcnow()
    ratings = []
    situation = f"Séance : {session.title}" + (f" — {session.situation}" if session.situation else "")
    for (employee_id, skill_id), number in parsed.items():
        skill = skills[skill_id]
        if not skill.active:  # the framework changed since planning: rate the current version of the code
            skill = db.exec(select(Skill).where(Skill.structure_id == skill.structure_id, Skill.code == skill.code,
                                                Skill.active.is_(True))).first() or skill
        try:
            ratings += skills_service.record_group(
                db, employees=[participants[employee_id][1]], skill=skill, level=number, user=user,
                worksite_id=session.worksite_id, situation=situation, session_id=session.id, at=now)
        except skills_service.SkillError as exc:
            raise LearningError({"levels": str(exc)}) from exc
    session.status, session.held_at, session.notes = "held", now, (notes or "")[:2000]
    db.add(session)
    db.flush()
    return ratings


def sessions_list(db: Session, structure_id: int, worksite_id: int | None = None,
                  employee_id: int | None = None) -> tuple[list[LearningSession], list[LearningSession]]:
    """(planned, held) sessions of a structure, optionally of one site or one participant."""
    stmt = select(LearningSession).where(LearningSession.structure_id == structure_id)
    if worksite_id:
        stmt = stmt.where(LearningSession.worksite_id == worksite_id)
    if employee_id:
        stmt = stmt.join(LearningSessionParticipant,
                         LearningSessionParticipant.session_id == LearningSession.id).where(
            LearningSessionParticipant.employee_id == employee_id)
    rows = db.exec(stmt.order_by(LearningSession.planned_on, LearningSession.id)).all()
    planned = [s for s in rows if s.status == "planned"]
    held = sorted((s for s in rows if s.status == "held"), key=lambda s: s.planned_on, reverse=True)
    return planned, held

"""What the field wing holds about a person: daily assignments, attendance, observations, consignes received."""
from __future__ import annotations

from sqlmodel import Session, col, delete, select

from webapp.domain.personal_data import (
    ANONYMISED,
    Section,
    drop_photos,
    mentions,
    scrub,
    staff_names,
)
from webapp.models import (
    ATTENDANCE_STATUSES,
    INSTRUCTION_CATEGORIES,
    OBSERVATION_CATEGORIES,
    OBSERVATION_TONES,
    VISIBILITIES,
    Assignment,
    Attendance,
    Employee,
    Instruction,
    InstructionAck,
    InstructionTemplate,
    Observation,
    ObservationEmployee,
    Photo,
    Team,
    Worksite,
)

TABLES = (Assignment, Attendance, Observation, ObservationEmployee, Instruction, InstructionAck, InstructionTemplate,
          Photo)


def _observations(db: Session, employee: Employee) -> list[Observation]:
    """Every version of every observation linked to the employee."""
    return list(db.exec(select(Observation).join(ObservationEmployee,
                                                 ObservationEmployee.observation_id == Observation.id)
                        .where(ObservationEmployee.employee_id == employee.id)
                        .order_by(Observation.observed_on, Observation.id)).all())


def _others(db: Session, link, owner_column, object_id: int, employee: Employee) -> list[str]:
    """First and last names of the other people linked to the same observation or consigne."""
    people = db.exec(select(Employee).join(link, link.employee_id == Employee.id)
                     .where(owner_column == object_id, link.employee_id != employee.id)).all()
    return [name for person in people for name in (person.first_name, person.last_name)]


def export(db: Session, employee: Employee) -> list[Section]:
    """Assignments, attendance, observations and consignes of the employee."""
    assignments = db.exec(select(Assignment).where(Assignment.employee_id == employee.id)
                          .order_by(Assignment.day)).all()
    sites = {s.id: s.name for s in db.exec(select(Worksite).where(
        col(Worksite.id).in_({a.worksite_id for a in assignments} or {0}))).all()}
    teams = {t.id: t.name for t in db.exec(select(Team).where(
        col(Team.id).in_({a.team_id for a in assignments if a.team_id} or {0}))).all()}
    attendance = db.exec(select(Attendance).where(Attendance.employee_id == employee.id)
                         .order_by(Attendance.day)).all()
    observations = _observations(db, employee)
    authors = staff_names(db, [o.author_id for o in observations])
    instructions = db.exec(select(Instruction, InstructionAck)
                           .join(InstructionAck, InstructionAck.instruction_id == Instruction.id)
                           .where(InstructionAck.employee_id == employee.id).order_by(Instruction.day)).all()
    return [
        ("Affectations", [{"Jour": a.day, "Chantier": sites.get(a.worksite_id, ""), "Équipe": teams.get(a.team_id, "")}
                          for a in assignments]),
        ("Présences", [{"Jour": a.day, "Statut": ATTENDANCE_STATUSES.get(a.status, a.status),
                        "Retard (min)": a.late_minutes or ""} for a in attendance]),
        ("Observations", [{
            "Date": o.observed_on, "Catégorie": OBSERVATION_CATEGORIES.get(o.category, o.category),
            "Ton": OBSERVATION_TONES.get(o.tone, o.tone), "Texte": o.text, "Compétences": o.skills_note,
            "Visibilité": VISIBILITIES.get(o.visibility, o.visibility), "Auteur": authors.get(o.author_id, ""),
            "Correction de": o.corrects_id or "", "Photo": "oui" if o.photo_id else "",
        } for o in observations]),
        ("Consignes reçues", [{
            "Jour": i.day, "Catégorie": INSTRUCTION_CATEGORIES.get(i.category, i.category), "Consigne": i.text,
            "Photo": "oui" if i.photo_id else "", "Comprise le": ack.acknowledged_at,
        } for i, ack in instructions]),
    ]


def anonymise(db: Session, employee: Employee, *, upload_folder: str) -> None:
    """Texts about the person alone go; in a text shared with others only their name goes; every photo of an
    observation about them goes (a picture cannot be anonymised in part), and the photo of a consigne given to
    them alone. Assignments, attendance and acknowledgements stay for statistics."""
    photo_ids = []
    for observation in _observations(db, employee):
        photo_ids.append(observation.photo_id)
        others = _others(db, ObservationEmployee, ObservationEmployee.observation_id, observation.id, employee)
        if others:
            # A group observation also concerns others: it stays for them without this person's name or link.
            pattern = mentions(employee, parts=True, keep=others)
            observation.text = scrub(observation.text, pattern)
            observation.skills_note = scrub(observation.skills_note, pattern)
            db.exec(delete(ObservationEmployee).where(ObservationEmployee.observation_id == observation.id,
                                                      ObservationEmployee.employee_id == employee.id))
        else:
            observation.text, observation.skills_note = ANONYMISED, ""
        db.add(observation)
    for instruction in db.exec(select(Instruction).join(InstructionAck, InstructionAck.instruction_id == Instruction.id)
                               .where(InstructionAck.employee_id == employee.id)).all():
        others = _others(db, InstructionAck, InstructionAck.instruction_id, instruction.id, employee)
        if others:
            instruction.text = scrub(instruction.text, mentions(employee, parts=True, keep=others))
        else:
            # A consigne given to this person alone is about them: its text, its saved copy and its photo go.
            db.exec(delete(InstructionTemplate).where(InstructionTemplate.structure_id == instruction.structure_id,
                                                      InstructionTemplate.text == instruction.text))
            photo_ids.append(instruction.photo_id)
            instruction.text = ANONYMISED
        db.add(instruction)
    db.flush()
    drop_photos(db, photo_ids, upload_folder=upload_folder)

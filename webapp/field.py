"""The supervisor's day: today's team, attendance, morning briefing, consignes and their acknowledgements."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from webapp.models import (
    ATTENDANCE_STATUSES,
    INSTRUCTION_CATEGORIES,
    Assignment,
    Attendance,
    Employee,
    Instruction,
    InstructionAck,
    InstructionTemplate,
    Observation,
    ObservationEmployee,
    Team,
    TeamBriefing,
    User,
    Worksite,
    utcnow,
)
from webapp.observations import visible_clause

MAX_LATE_MINUTES = 480


class FieldError(ValueError):
    """A capture refused for a reason the user can fix; `field` names the form field."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def week_days(today: date) -> list[date]:
    """Monday of `today`'s week up to `today`."""
    monday = today - timedelta(days=today.weekday())
    return [monday + timedelta(days=n) for n in range((today - monday).days + 1)]


def check_day(day: date, today: date, *, this_week: bool = False) -> None:
    """Refuse future days (and, for attendance, days before this week's Monday)."""
    if day > today:
        raise FieldError("La date ne peut pas être dans le futur.", "day")
    if this_week and day < today - timedelta(days=today.weekday()):
        raise FieldError("Seuls les jours de la semaine en cours peuvent être saisis.", "day")


@dataclass
class TeamToday:
    """Who is on site today for a supervisor, and where."""

    employees: list[Employee]
    worksites: list[Worksite]
    from_assignments: bool


def supervisor_teams(db: Session, user: User) -> list[Team]:
    """The active teams the supervisor leads."""
    return list(db.exec(select(Team).where(Team.structure_id == user.structure_id, Team.supervisor_id == user.id,
                                           Team.active.is_(True)).order_by(Team.name)).all())


def team_today(db: Session, *, user: User, day: date) -> TeamToday:
    """The day's team from assignments to the supervisor's teams, else the supervisor's referent employees."""
    teams = supervisor_teams(db, user)
    team_ids = [t.id for t in teams]
    rows = []
    if team_ids:
        rows = db.exec(
            select(Employee, Assignment.worksite_id).join(Assignment, Assignment.employee_id == Employee.id)
            .where(Assignment.structure_id == user.structure_id, Assignment.day == day,
                   col(Assignment.team_id).in_(team_ids))
            .order_by(Employee.first_name, Employee.last_name)
        ).all()
    if rows:
        employees = [e for e, _ in rows]
        site_ids = {s for _, s in rows}
        from_assignments = True
    else:
        employees = list(db.exec(
            select(Employee).where(Employee.structure_id == user.structure_id, Employee.active.is_(True),
                                   Employee.referent_eti_id == user.id)
            .order_by(Employee.first_name, Employee.last_name)
        ).all())
        site_ids = {t.worksite_id for t in teams} | {e.worksite_id for e in employees if e.worksite_id}
        from_assignments = False
    worksites = list(db.exec(select(Worksite).where(col(Worksite.id).in_(site_ids or [0]),
                                                    Worksite.structure_id == user.structure_id)
                             .order_by(Worksite.name)).all())
    return TeamToday(employees, worksites, from_assignments)


def team_candidates(db: Session, *, user: User) -> list[Employee]:
    """Active employees the supervisor may put on today's team: theirs first, then the rest of the structure."""
    team_ids = [t.id for t in supervisor_teams(db, user)] or [0]
    return list(db.exec(
        select(Employee).where(Employee.structure_id == user.structure_id, Employee.active.is_(True))
        .order_by(
            ((Employee.referent_eti_id == user.id) | col(Employee.team_id).in_(team_ids)).desc(),
            Employee.first_name, Employee.last_name)
    ).all())


def toggle_on_team(db: Session, *, user: User, employee: Employee, day: date, on_team: bool) -> None:
    """Put `employee` on (or take them off) the supervisor's team for `day`; the caller commits."""
    teams = supervisor_teams(db, user)
    if not teams:
        raise FieldError("Aucune équipe ne vous est confiée : demandez à la coordination.")
    current = team_today(db, user=user, day=day)
    team = next((t for t in teams if t.id == employee.team_id), teams[0])
    if not current.from_assignments:
        # The first change turns the implicit team (referent employees) into real assignments.
        for member in current.employees:
            _assign(db, member, teams, day)
    if on_team:
        existing = db.exec(select(Assignment).where(Assignment.employee_id == employee.id,
                                                    Assignment.day == day)).first()
        if existing is None:
            db.add(Assignment(structure_id=user.structure_id, day=day, employee_id=employee.id,
                              worksite_id=team.worksite_id, team_id=team.id))
        else:
            existing.team_id, existing.worksite_id = team.id, team.worksite_id
            db.add(existing)
    else:
        db.flush()
        existing = db.exec(select(Assignment).where(Assignment.employee_id == employee.id, Assignment.day == day,
                                                    col(Assignment.team_id).in_([t.id for t in teams]))).first()
        if existing is not None:
            db.delete(existing)


def _assign(db: Session, employee: Employee, teams: list[Team], day: date) -> None:
    team = next((t for t in teams if t.id == employee.team_id), teams[0])
    if db.exec(select(Assignment.id).where(Assignment.employee_id == employee.id, Assignment.day == day)).first():
        return
    db.add(Assignment(structure_id=employee.structure_id, day=day, employee_id=employee.id,
                      worksite_id=team.worksite_id, team_id=team.id))


@dataclass
class TeamCard:
    """What the Today screen shows for one person; the slots are filled by later features."""

    employee: Employee
    attendance: Attendance | None = None
    last_observation: date | None = None
    objectives: list = field(default_factory=list)
    skills: list = field(default_factory=list)
    constraints: list = field(default_factory=list)
    open_alert: bool = False
    integration_left: list | None = None  # welcome steps left while "en intégration", else None


def team_cards(db: Session, *, user: User, employees: list[Employee], day: date) -> list[TeamCard]:
    """One card per employee, filled with a fixed number of queries whatever the team size."""
    ids = [e.id for e in employees]
    if not ids:
        return []
    attendance = attendance_by_employee(db, structure_id=user.structure_id, employee_ids=ids, day=day)
    last = dict(db.exec(
        select(ObservationEmployee.employee_id, func.max(Observation.observed_on))
        .join(Observation, Observation.id == ObservationEmployee.observation_id)
        .where(col(ObservationEmployee.employee_id).in_(ids), visible_clause(user))
        .group_by(ObservationEmployee.employee_id)
    ).all())
    from webapp import followup

    goals = followup.current_goals(db, user=user, employee_ids=ids)
    constraints = followup.constraints_of(db, ids)
    integration = followup.integration_left(db, structure_id=user.structure_id, employee_ids=ids, today=day)
    return [TeamCard(e, attendance.get(e.id), last.get(e.id), objectives=[g.text for g in goals.get(e.id, [])],
                     constraints=[c.text for c in constraints.get(e.id, [])],
                     integration_left=integration.get(e.id)) for e in employees]


def attendance_by_employee(db: Session, *, structure_id: int, employee_ids: list[int], day: date) -> dict[int, Attendance]:
    """The attendance rows of `day` for these employees, by employee id."""
    rows = db.exec(select(Attendance).where(Attendance.structure_id == structure_id, Attendance.day == day,
                                            col(Attendance.employee_id).in_(employee_ids or [0]))).all()
    return {r.employee_id: r for r in rows}


def record_attendance(db: Session, *, user: User, employee: Employee, day: date, status: str,
                      late_minutes: int | None, today: date) -> Attendance:
    """Set the employee's attendance for `day` (idempotent: the same tap twice gives the same row)."""
    check_day(day, today, this_week=True)
    if status not in ATTENDANCE_STATUSES:
        raise FieldError("Statut de présence inconnu.", "status")
    if status == "late":
        if late_minutes is not None and not (1 <= late_minutes <= MAX_LATE_MINUTES):
            raise FieldError(f"Le retard se compte entre 1 et {MAX_LATE_MINUTES} minutes.", "late_minutes")
    else:
        late_minutes = None
    row = db.exec(select(Attendance).where(Attendance.employee_id == employee.id, Attendance.day == day)).first()
    if row is None:
        row = Attendance(structure_id=employee.structure_id, employee_id=employee.id, day=day, status=status,
                         recorded_by_id=user.id)
    row.status, row.late_minutes, row.recorded_by_id, row.recorded_at = status, late_minutes, user.id, utcnow()
    db.add(row)
    return row


@dataclass
class AttendanceRate:
    """Counts of one person's recorded days over a period, and the resulting rate."""

    present: int = 0
    late: int = 0
    absent: int = 0
    excused: int = 0
    late_minutes: int = 0

    @property
    def rate(self) -> float | None:
        """Share of expected days worked (present or late); excused days are not expected."""
        expected = self.present + self.late + self.absent
        return None if expected == 0 else (self.present + self.late) / expected


def attendance_rates(db: Session, *, structure_id: int, employee_ids: list[int], start: date,
                     end: date) -> dict[int, AttendanceRate]:
    """Attendance counts and rate per employee between `start` and `end` included, in one query."""
    rows = db.exec(
        select(Attendance.employee_id, Attendance.status, func.count(), func.coalesce(func.sum(Attendance.late_minutes), 0))
        .where(Attendance.structure_id == structure_id, col(Attendance.employee_id).in_(employee_ids or [0]),
               Attendance.day >= start, Attendance.day <= end)
        .group_by(Attendance.employee_id, Attendance.status)
    ).all()
    rates = {i: AttendanceRate() for i in employee_ids}
    for employee_id, status, count, minutes in rows:
        setattr(rates[employee_id], status, count)
        if status == "late":
            rates[employee_id].late_minutes = int(minutes)
    return rates


def briefings_of(db: Session, *, structure_id: int, worksite_ids: list[int], day: date) -> dict[int, TeamBriefing]:
    """The point du matin of each work site for `day`."""
    rows = db.exec(select(TeamBriefing).where(TeamBriefing.structure_id == structure_id, TeamBriefing.day == day,
                                              col(TeamBriefing.worksite_id).in_(worksite_ids or [0]))).all()
    return {r.worksite_id: r for r in rows}


def save_briefing(db: Session, *, user: User, worksite: Worksite, day: date, safety: str, organisation: str,
                  today: date) -> TeamBriefing:
    """Write the point du matin of a site and day (one per site and day, updated in place)."""
    check_day(day, today)
    row = db.exec(select(TeamBriefing).where(TeamBriefing.worksite_id == worksite.id, TeamBriefing.day == day)).first()
    if row is None:
        row = TeamBriefing(structure_id=worksite.structure_id, worksite_id=worksite.id, day=day, author_id=user.id)
    row.safety, row.organisation, row.author_id, row.updated_at = safety, organisation, user.id, utcnow()
    db.add(row)
    return row


@dataclass
class InstructionCard:
    """A consigne with the people it was given to and who understood it."""

    instruction: Instruction
    acks: list[tuple[InstructionAck, Employee]]

    @property
    def understood(self) -> int:
        return sum(1 for ack, _ in self.acks if ack.acknowledged_at)

    @property
    def total(self) -> int:
        return len(self.acks)

    @property
    def category_label(self) -> str:
        return INSTRUCTION_CATEGORIES.get(self.instruction.category, "Autre")


def instruction_cards(db: Session, instructions: list[Instruction]) -> list[InstructionCard]:
    """Cards for these consignes with their acknowledgements, in one query."""
    ids = [i.id for i in instructions]
    by_instruction: dict[int, list] = {i: [] for i in ids}
    if ids:
        rows = db.exec(
            select(InstructionAck, Employee).join(Employee, Employee.id == InstructionAck.employee_id)
            .where(col(InstructionAck.instruction_id).in_(ids)).order_by(Employee.first_name, Employee.last_name)
        ).all()
        for ack, employee in rows:
            by_instruction[ack.instruction_id].append((ack, employee))
    return [InstructionCard(i, by_instruction[i.id]) for i in instructions]


def instructions_of_day(db: Session, *, user: User, worksite_ids: list[int], day: date) -> list[Instruction]:
    """The consignes of `day` on these sites or given by the user, newest first."""
    return list(db.exec(
        select(Instruction).where(Instruction.structure_id == user.structure_id, Instruction.day == day,
                                  (col(Instruction.worksite_id).in_(worksite_ids or [0])) | (Instruction.given_by_id == user.id))
        .order_by(col(Instruction.created_at).desc(), col(Instruction.id).desc())
    ).all())


def give_instruction(db: Session, *, user: User, employees: list[Employee], category: str, text: str,
                     worksite_id: int | None, day: date, client_key: str, photo_id: int | None = None,
                     save_template: bool = False) -> tuple[Instruction, bool]:
    """Record a consigne given to `employees`; returns (consigne, created). A repeated key returns the first one."""
    existing = find_by_key(db, Instruction, Instruction.given_by_id, user.id, client_key)
    if existing:
        return existing, False
    text = text.strip()
    if not text:
        raise FieldError("Écrivez la consigne en quelques mots.", "text")
    if len(text) > 500:
        raise FieldError("La consigne dépasse 500 caractères : faites plus court.", "text")
    if category not in INSTRUCTION_CATEGORIES:
        raise FieldError("Choisissez une catégorie.", "category")
    if not employees:
        raise FieldError("Choisissez au moins une personne.", "employees")
    instruction = Instruction(structure_id=user.structure_id, worksite_id=worksite_id, day=day, category=category,
                              text=text, photo_id=photo_id, given_by_id=user.id, client_key=client_key)
    db.add(instruction)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        return find_by_key(db, Instruction, Instruction.given_by_id, user.id, client_key), False
    for employee in {e.id: e for e in employees}.values():
        db.add(InstructionAck(structure_id=user.structure_id, instruction_id=instruction.id, employee_id=employee.id))
    if save_template and not db.exec(select(InstructionTemplate.id).where(
            InstructionTemplate.structure_id == user.structure_id, InstructionTemplate.text == text)).first():
        db.add(InstructionTemplate(structure_id=user.structure_id, category=category, text=text, created_by_id=user.id))
    return instruction, True


def acknowledge(db: Session, *, user: User, instruction: Instruction, employee_ids: list[int] | None,
                understood: bool) -> None:
    """Tick (or untick) "compris" for these people, or for everyone when `employee_ids` is None."""
    stmt = select(InstructionAck).where(InstructionAck.instruction_id == instruction.id)
    if employee_ids is not None:
        stmt = stmt.where(col(InstructionAck.employee_id).in_(employee_ids or [0]))
    acks = db.exec(stmt).all()
    if employee_ids is not None and len(acks) != len(set(employee_ids)):
        raise FieldError("Cette personne n'a pas reçu cette consigne.", "employee_id")
    for ack in acks:
        if understood and ack.acknowledged_at is None:
            ack.acknowledged_at, ack.acknowledged_by_id = utcnow(), user.id
        elif not understood:
            ack.acknowledged_at, ack.acknowledged_by_id = None, None
        db.add(ack)


def templates_of(db: Session, *, structure_id: int) -> list[InstructionTemplate]:
    """The structure's saved consignes, most recent first (at most 12)."""
    return list(db.exec(select(InstructionTemplate).where(InstructionTemplate.structure_id == structure_id)
                        .order_by(col(InstructionTemplate.created_at).desc()).limit(12)).all())


def find_by_key(db: Session, model, author_column, author_id: int, client_key: str):
    """The row this author already recorded with this idempotency key, if any."""
    return db.exec(select(model).where(author_column == author_id, model.client_key == client_key)).first()


def category_counts(cards: list[InstructionCard]) -> Counter:
    """How many consignes of each category (for the day's summary)."""
    return Counter(c.instruction.category for c in cards)

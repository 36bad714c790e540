"""Follow-up services: welcome checklist, freins (with their sensitivity), signals, constraints, atouts, objectives."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Date, Integer, and_, bindparam, exists, literal, not_, union_all
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from webapp.domain.accounts import audit
from webapp.domain.followup.sensitivity import (
    SENSITIVE_THEMES,
    is_sensitive,
    sees_sensitive,
)
from webapp.domain.policy import PERMISSIONS
from webapp.domain.skills.skills import history
from webapp.domain.viewer import RoleViewer, viewer_params
from webapp.models import (
    BARRIER_STATUSES,
    GOAL_STATUSES,
    AuditEvent,
    Barrier,
    BarrierSignal,
    BarrierSituation,
    Contract,
    Employee,
    Goal,
    GoalChange,
    Skill,
    Strength,
    User,
    WelcomeCheck,
    WelcomeStep,
    WorkConstraint,
    utcnow,
)
from webapp.platform import dates, reference_lists

INTEGRATION_DAYS = 42  # "en intégration" on Today: the first six weeks
MAX_TODAY_GOALS = 3


class FollowupError(ValueError):
    """A refused change, with a French message for the named form field."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


# --- reference lists ---

def themes() -> dict[str, str]:
    """Theme code -> label."""
    return {row["code"]: row["libelle"] for row in reference_lists.load("themes")}


def situations(theme: str | None = None) -> list[tuple[str, str]]:
    """(theme, situation) pairs of situations.csv, optionally of one theme."""
    return [(r["theme"], r["situation"]) for r in reference_lists.load("situations") if theme in (None, r["theme"])]


def ensure_situations(db: Session, structure_id: int) -> list[BarrierSituation]:
    """The structure's situations (active or not), created from situations.csv the first time."""
    rows = list(db.exec(select(BarrierSituation).where(BarrierSituation.structure_id == structure_id)
                        .order_by(BarrierSituation.theme, BarrierSituation.id)).all())
    if not rows:
        rows = [BarrierSituation(structure_id=structure_id, theme=theme, label=label) for theme, label in situations()]
        db.add_all(rows)
        db.flush()
    return rows


def situations_of(db: Session, structure_id: int) -> list[tuple[str, str]]:
    """(theme, situation) pairs the structure offers: its own list once edited, else situations.csv."""
    rows = db.exec(select(BarrierSituation).where(BarrierSituation.structure_id == structure_id)
                   .order_by(BarrierSituation.theme, BarrierSituation.id)).all()
    return [(r.theme, r.label) for r in rows if r.active] if rows else situations()


def add_situation(db: Session, *, structure_id: int, theme: str, label: str) -> BarrierSituation:
    """Direction adds a situation to a theme of the structure's list."""
    if theme not in themes():
        raise FollowupError("Choisissez un thème.", "theme")
    label = label.strip()
    if not label:
        raise FollowupError("Écrivez la situation.", "label")
    if len(label) > 200:
        raise FollowupError("200 caractères au plus.", "label")
    ensure_situations(db, structure_id)
    row = BarrierSituation(structure_id=structure_id, theme=theme, label=label)
    db.add(row)
    return row


def objectives_list() -> list[tuple[str, str]]:
    """(theme, objective) pairs of objectifs.csv."""
    return [(r["theme"], r["objectif"]) for r in reference_lists.load("objectifs")]


def public_themes() -> dict[str, str]:
    """Themes a supervisor may choose when signalling a difficulty (no sensitive one)."""
    return {code: label for code, label in themes().items() if code not in SENSITIVE_THEMES}


def sees_diagnostic(user: User) -> bool:
    """May `user` read the freins (non-sensitive ones)?"""
    return user.structure_id is not None and user.role in PERMISSIONS["barrier.view"]


def barrier_clause(user: User):
    """SQL condition on Barrier: the user's structure, and no sensitive frein unless the role may read them."""
    clause = Barrier.structure_id == user.structure_id
    if not sees_sensitive(user):
        clause = and_(clause, Barrier.sensitive.is_(False))
    if not sees_diagnostic(user):
        clause = and_(clause, Barrier.id.is_(None))
    return clause


def goal_clause(user: User):
    """SQL condition on Goal: the user's structure, and no sensitive objective unless the role may read them."""
    clause = Goal.structure_id == user.structure_id
    if not sees_sensitive(user):
        clause = and_(clause, Goal.sensitive.is_(False))
    return clause


def sensitive_reads(*, user: User, employee_id: int, barriers: list[Barrier], goals=(), what="",
                    ip: str = "") -> list[AuditEvent]:
    """The trace of `user` being shown sensitive freins or objectives of an employee (none if nothing is)."""
    count = sum(1 for b in barriers if b.sensitive) + sum(1 for g in goals if g.sensitive)
    if not count:
        return []
    return [audit.sensitive_read(user=user, ip=ip, object_type="barrier", employee_id=employee_id,
                                 detail=f"{count} frein(s) ou objectif(s) sensible(s) {what}".strip())]


def trace_sensitive(db: Session, *, user: User, employee_id: int, barriers: list[Barrier], goals=(), what="",
                    ip: str = "") -> None:
    """Trace that the user is shown sensitive freins or objectives of an employee (`audit.trace_reads`)."""
    audit.trace_reads(db, sensitive_reads(user=user, employee_id=employee_id, barriers=barriers, goals=goals,
                                          what=what, ip=ip))


# --- welcome ---

def ensure_welcome_steps(db: Session, structure_id: int) -> list[WelcomeStep]:
    """The structure's active welcome steps, created from accueil.csv the first time."""
    steps = list(db.exec(select(WelcomeStep).where(WelcomeStep.structure_id == structure_id)
                         .order_by(WelcomeStep.position, WelcomeStep.id)).all())
    if not steps:
        for position, row in enumerate(reference_lists.load("accueil")):
            step = WelcomeStep(structure_id=structure_id, label=row["etape"], position=position)
            db.add(step)
            steps.append(step)
        db.flush()
    return [s for s in steps if s.active]


def add_welcome_step(db: Session, *, structure_id: int, label: str) -> WelcomeStep:
    """Direction adds a step at the end of the template."""
    label = label.strip()
    if not label:
        raise FollowupError("Écrivez l'étape en quelques mots.", "label")
    if len(label) > 200:
        raise FollowupError("200 caractères au plus.", "label")
    steps = ensure_welcome_steps(db, structure_id)
    step = WelcomeStep(structure_id=structure_id, label=label, position=max([s.position for s in steps], default=0) + 1)
    db.add(step)
    return step


@dataclass
class WelcomeItem:
    step: WelcomeStep
    check: WelcomeCheck | None


def welcome_of(db: Session, employee: Employee) -> list[WelcomeItem]:
    """The checklist of one employee: every active step with its check, if done."""
    steps = ensure_welcome_steps(db, employee.structure_id)
    checks = {c.step_id: c for c in db.exec(select(WelcomeCheck).where(WelcomeCheck.employee_id == employee.id)).all()}
    return [WelcomeItem(s, checks.get(s.id)) for s in steps]


def tick_welcome(db: Session, *, user: User, employee: Employee, step_id: int | None, done: bool, note: str,
                 today: date) -> WelcomeCheck | None:
    """Tick (or untick) a welcome step for an employee, with today's date and who; the caller commits."""
    step = db.get(WelcomeStep, step_id) if step_id else None
    if step is None or step.structure_id != employee.structure_id or not step.active:
        raise FollowupError("Étape inconnue.", "step_id")
    note = note.strip()
    if len(note) > 300:
        raise FollowupError("300 caractères au plus.", "note")
    check = db.exec(select(WelcomeCheck).where(WelcomeCheck.employee_id == employee.id,
                                               WelcomeCheck.step_id == step.id)).first()
    if not done:
        if check is not None:
            db.delete(check)
        return None
    if check is None:
        check = WelcomeCheck(structure_id=employee.structure_id, employee_id=employee.id, step_id=step.id,
                             done_on=today, done_by_id=user.id)
    check.note = note or check.note
    db.add(check)
    return check


def _integration_statement():
    """Each person of `employee_ids` whose first contract started after `since`, with the welcome steps of the
    structure they have not done yet (one row without a step when none is left; each step's position and id, by
    which `integration_from` orders them) and whether the structure has a checklist at all: one statement for the
    whole team, built once per process (every Today page runs it)."""
    structure_id = bindparam("structure_id")
    recent = (select(Contract.employee_id)
              .where(col(Contract.employee_id).in_(bindparam("employee_ids", expanding=True)),
                     Contract.renewal_number == 0, Contract.start_date > bindparam("since", type_=Date))
              .distinct().subquery("recent"))
    any_step = aliased(WelcomeStep)
    has_steps = exists().where(any_step.structure_id == structure_id, any_step.active.is_(True))
    done = exists().where(WelcomeCheck.employee_id == recent.c.employee_id, WelcomeCheck.step_id == WelcomeStep.id)
    return (select(recent.c.employee_id, WelcomeStep.label, has_steps.label("has_steps"), WelcomeStep.position,
                   WelcomeStep.id.label("step_id"))
            .select_from(recent)
            .outerjoin(WelcomeStep, and_(WelcomeStep.structure_id == structure_id, WelcomeStep.active.is_(True),
                                         not_(done))))


INTEGRATION = _integration_statement()


def integration_left(db: Session, *, structure_id: int, employee_ids: list[int], today: date) -> dict[int, list[str]]:
    """Steps left for employees in their first weeks, in one query (for Today and deadlines)."""
    if not employee_ids:
        return {}
    return integration_from(db.exec(INTEGRATION, params={"structure_id": structure_id,
                                                           **integration_params(employee_ids, today)}).all())


def integration_params(employee_ids: list[int], today: date) -> dict:
    """The values `INTEGRATION` needs besides the structure's id."""
    return {"employee_ids": employee_ids, "since": today - timedelta(days=INTEGRATION_DAYS)}


def integration_from(rows) -> dict[int, list[str]]:
    """The steps left of each person, from `INTEGRATION`'s rows in any order."""
    result: dict[int, list[str]] = {}
    for employee_id, label, has_steps, _position, _step_id in sorted(
            rows, key=lambda row: (row[0], row[3] or 0, row[4] or 0)):  # by person, then the checklist's order
        if not has_steps:  # the structure's checklist is created on first use: until then, every default step is left
            result[employee_id] = [row["etape"] for row in reference_lists.load("accueil")]
        elif label is not None:
            result.setdefault(employee_id, []).append(label)
    return result


def entry_dates(db: Session, employee_ids: list[int]) -> dict[int, date]:
    """The first contract start of each employee."""
    return dict(db.exec(select(Contract.employee_id, Contract.start_date)
                        .where(col(Contract.employee_id).in_(employee_ids or [0]), Contract.renewal_number == 0)).all())


# --- freins, signals, constraints, atouts ---

def _check_date(value: date | None, today: date, label: str, field_name: str) -> None:
    if value is not None and value > today:
        raise FollowupError(f"{label} ne peut pas être dans le futur.", field_name)


def add_barrier(db: Session, *, user: User, employee: Employee, theme: str, situation: str, status: str,
                note: str = "", discussed_on: date | None = None, today: date) -> Barrier:
    """Record a frein from the reference lists; the caller commits."""
    if theme not in themes():
        raise FollowupError("Choisissez un thème.", "theme")
    situation = situation.strip()
    if not situation:
        raise FollowupError("Choisissez ou écrivez une situation.", "situation")
    if len(situation) > 200:
        raise FollowupError("200 caractères au plus.", "situation")
    if status not in BARRIER_STATUSES:
        raise FollowupError("Choisissez un statut.", "status")
    if len(note) > 1000:
        raise FollowupError("1000 caractères au plus.", "note")
    _check_date(discussed_on, today, "La date de prise de conscience", "discussed_on")
    barrier = Barrier(structure_id=employee.structure_id, employee_id=employee.id, theme=theme, situation=situation,
                      status=status, sensitive=is_sensitive(theme, situation), note=note.strip(),
                      detected_by_id=user.id, detected_on=today, discussed_on=discussed_on,
                      history=[[today.isoformat(), status]])
    db.add(barrier)
    return barrier


def update_barrier(db: Session, *, barrier: Barrier, status: str, discussed_on: date | None, today: date) -> Barrier:
    """Change a frein's status or its prise de conscience date; the evolution is kept."""
    if status not in BARRIER_STATUSES:
        raise FollowupError("Choisissez un statut.", "status")
    _check_date(discussed_on, today, "La date de prise de conscience", "discussed_on")
    if status != barrier.status:
        barrier.history = [*barrier.history, [today.isoformat(), status]]
        barrier.status = status
    barrier.discussed_on = discussed_on or barrier.discussed_on
    barrier.updated_at = utcnow()
    db.add(barrier)
    return barrier


def barriers_of(db: Session, *, user: User, employee_id: int) -> list[Barrier]:
    """The freins of an employee the user may read, open ones first."""
    return list(db.exec(select(Barrier).where(Barrier.employee_id == employee_id, barrier_clause(user))
                        .order_by(Barrier.status == "leve", Barrier.detected_on, Barrier.id)).all())


def signal_barrier(db: Session, *, user: User, employee: Employee, theme: str, text: str) -> BarrierSignal:
    """A supervisor proposes a difficulty to the CIP: a non-sensitive theme (or "autre") and what they saw."""
    if theme not in public_themes() and theme != "autre":
        raise FollowupError("Choisissez un thème.", "theme")
    text = text.strip()
    if not text:
        raise FollowupError("Décrivez en quelques mots ce que vous avez vu.", "text")
    if len(text) > 1000:
        raise FollowupError("1000 caractères au plus.", "text")
    row = BarrierSignal(structure_id=employee.structure_id, employee_id=employee.id, theme=theme, text=text,
                        signalled_by_id=user.id)
    db.add(row)
    return row


def open_signals(db: Session, *, employee_ids: list[int]) -> list[BarrierSignal]:
    """Signals not yet handled by a CIP, oldest first."""
    return list(db.exec(select(BarrierSignal).where(col(BarrierSignal.employee_id).in_(employee_ids or [0]),
                                                    BarrierSignal.status == "nouveau")
                        .order_by(BarrierSignal.signalled_at)).all())


def handle_signal(db: Session, *, user: User, signal: BarrierSignal, decision: str, theme: str = "",
                  situation: str = "", status: str = "identifie", today: date) -> Barrier | None:
    """The CIP qualifies a signal into a frein (theme and situation of their choice) or files it."""
    if signal.status != "nouveau":
        raise FollowupError("Ce signalement a déjà été traité.", "decision")
    barrier = None
    if decision == "qualifier":
        employee = db.get(Employee, signal.employee_id)
        barrier = add_barrier(db, user=user, employee=employee, theme=theme, situation=situation, status=status,
                              note=f"Signalé par l'encadrement : {signal.text}"[:1000], today=today)
        db.flush()
        signal.status, signal.barrier_id = "qualifie", barrier.id
    elif decision == "classer":
        signal.status = "classe"
    else:
        raise FollowupError("Choisissez : qualifier ou classer.", "decision")
    signal.handled_by_id = user.id
    db.add(signal)
    return barrier


def add_constraint(db: Session, *, user: User, employee: Employee, text: str) -> WorkConstraint:
    """Share a work-relevant constraint with the supervisors."""
    text = text.strip()
    if not text:
        raise FollowupError("Écrivez la contrainte utile au travail.", "text")
    if len(text) > 200:
        raise FollowupError("200 caractères au plus.", "text")
    row = WorkConstraint(structure_id=employee.structure_id, employee_id=employee.id, text=text, created_by_id=user.id)
    db.add(row)
    return row


# Built once per process (the Today screen asks for it on every visit).
_ACTIVE_CONSTRAINTS = (select(WorkConstraint)
                       .where(col(WorkConstraint.employee_id).in_(bindparam("ids", expanding=True)),
                              WorkConstraint.active.is_(True))
                       .order_by(WorkConstraint.created_at))


def constraints_of(db: Session, employee_ids: list[int]) -> dict[int, list[WorkConstraint]]:
    """Active constraints of these employees, in one query."""
    result: dict[int, list[WorkConstraint]] = {}
    for row in db.exec(_ACTIVE_CONSTRAINTS, params={"ids": employee_ids or [0]}).all():
        result.setdefault(row.employee_id, []).append(row)
    return result


def strength_choices(db: Session | None = None, employee_id: int | None = None) -> list[str]:
    """Atouts offered: the savoir-être list, then the skills the employee has acquired."""
    choices = [row["libelle"] for row in reference_lists.load("savoir_etre")]
    if db is not None and employee_id is not None:
        choices += [h.label for h in history(db, employee_id) if h.acquired and h.label not in choices]
    return choices


def add_strength(db: Session, *, user: User, employee: Employee, label: str, today: date) -> Strength:
    """Note an atout, free or from the savoir-être list."""
    label = label.strip()
    if not label:
        raise FollowupError("Écrivez ou choisissez un atout.", "label")
    if len(label) > 200:
        raise FollowupError("200 caractères au plus.", "label")
    source = "savoir_etre" if label in strength_choices() else (
        "competence" if label in strength_choices(db, employee.id) else "libre")
    row = Strength(structure_id=employee.structure_id, employee_id=employee.id, label=label, source=source,
                   noted_by_id=user.id, noted_on=today)
    db.add(row)
    return row


def strengths_of(db: Session, employee_id: int) -> list[Strength]:
    return list(db.exec(select(Strength).where(Strength.employee_id == employee_id).order_by(Strength.noted_on)).all())


# --- objectives ---

@dataclass
class GoalInput:
    """What the objective form sends, already parsed."""

    text: str = ""
    barrier_id: int | None = None
    skill_code: str = ""
    due_date: date | None = None
    next_step: str = ""
    status: str = "en_cours"
    agreed_on: date | None = None
    errors: dict = field(default_factory=dict)


def _objective_theme(text: str) -> str:
    return next((theme for theme, objective in objectives_list() if objective == text), "")


def validate_goal(db: Session, *, employee: Employee, data: GoalInput, today: date) -> tuple[Barrier | None, str]:
    """Check an objective; returns its frein and theme. Raises FollowupError with the field name."""
    text = data.text.strip()
    if not text:
        raise FollowupError("Écrivez l'objectif ou choisissez-le dans la liste.", "text")
    if len(text) > 300:
        raise FollowupError("300 caractères au plus.", "text")
    if data.status not in GOAL_STATUSES:
        raise FollowupError("Choisissez un statut.", "status")
    if len(data.next_step) > 300:
        raise FollowupError("300 caractères au plus.", "next_step")
    if data.skill_code.strip() and not db.exec(select(Skill.id).where(
            Skill.structure_id == employee.structure_id, Skill.code == data.skill_code.strip()[:40])).first():
        raise FollowupError("Compétence inconnue.", "skill_code")
    barrier = None
    if data.barrier_id is not None:
        barrier = db.get(Barrier, data.barrier_id)
        if barrier is None or barrier.employee_id != employee.id:
            raise FollowupError("Frein inconnu.", "barrier_id")
    if data.due_date is not None:
        first = db.exec(select(Contract.start_date).where(Contract.employee_id == employee.id)
                        .order_by(Contract.start_date)).first()
        if first and data.due_date < first:
            raise FollowupError(f"L'échéance ne peut pas précéder le début du contrat ({dates.short_date(first)}).",
                                "due_date")
        if data.due_date > today + timedelta(days=3 * 366):
            raise FollowupError("Échéance trop lointaine (3 ans au plus).", "due_date")
    _check_date(data.agreed_on, today, "La date d'engagement", "agreed_on")
    theme = _objective_theme(text) or (barrier.theme if barrier else "")
    return barrier, theme


def create_goal(db: Session, *, user: User, employee: Employee, data: GoalInput, today: date) -> Goal:
    """Record an objective defined with the employee; the caller commits."""
    barrier, theme = validate_goal(db, employee=employee, data=data, today=today)
    goal = Goal(structure_id=employee.structure_id, employee_id=employee.id, text=data.text.strip(), theme=theme,
                barrier_id=data.barrier_id, skill_code=data.skill_code.strip(), due_date=data.due_date,
                next_step=data.next_step.strip(), status=data.status, agreed_on=data.agreed_on,
                sensitive=is_sensitive(theme, data.text) or bool(barrier and barrier.sensitive),
                created_by_id=user.id)
    db.add(goal)
    db.flush()
    db.add(GoalChange(structure_id=goal.structure_id, goal_id=goal.id, changed_by_id=user.id, summary="Objectif créé."))
    return goal


GOAL_FIELDS = {"text": "Objectif", "due_date": "Échéance", "next_step": "Prochaine étape", "status": "Statut",
               "agreed_on": "Engagement du salarié", "barrier_id": "Frein lié", "skill_code": "Compétence liée"}


def _shown(name: str, value) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, date):
        return dates.short_date(value)
    if name == "status":
        return GOAL_STATUSES.get(value, value)
    return str(value)


def update_goal(db: Session, *, user: User, goal: Goal, data: GoalInput, today: date) -> Goal:
    """Change an objective; each changed field is written in its history."""
    employee = db.get(Employee, goal.employee_id)
    barrier, theme = validate_goal(db, employee=employee, data=data, today=today)
    new = {"text": data.text.strip(), "due_date": data.due_date, "next_step": data.next_step.strip(),
           "status": data.status, "agreed_on": data.agreed_on, "barrier_id": data.barrier_id,
           "skill_code": data.skill_code.strip()}
    changes = [f"{GOAL_FIELDS[k]} : {_shown(k, getattr(goal, k))} → {_shown(k, v)}"
               for k, v in new.items() if getattr(goal, k) != v]
    if not changes:
        return goal
    for k, v in new.items():
        setattr(goal, k, v)
    goal.theme = theme
    goal.sensitive = is_sensitive(theme, goal.text) or bool(barrier and barrier.sensitive)
    goal.updated_at = utcnow()
    db.add(goal)
    db.add(GoalChange(structure_id=goal.structure_id, goal_id=goal.id, changed_by_id=user.id,
                      summary="; ".join(changes)[:1000]))
    return goal


def goals_of(db: Session, *, user: User, employee_id: int) -> list[Goal]:
    """Objectives of an employee the user may read: current ones first, by due date."""
    return list(db.exec(select(Goal).where(Goal.employee_id == employee_id, goal_clause(user))
                        .order_by(Goal.status != "en_cours", col(Goal.due_date).is_(None), Goal.due_date,
                                  Goal.id)).all())


def goal_history(db: Session, goal_id: int) -> list[GoalChange]:
    return list(db.exec(select(GoalChange).where(GoalChange.goal_id == goal_id)
                        .order_by(col(GoalChange.changed_at).desc(), col(GoalChange.id).desc())).all())


@functools.cache
def card_notes_statement(role: str, without_structure: bool):
    """`card_notes`' query, built once per process for a role (the Today screen asks for it on every visit): the
    current objectives the viewer may read and the active constraints, with what each is sorted by."""
    viewer = RoleViewer(role, without_structure)
    ids = bindparam("ids", expanding=True)
    goals = select(Goal.employee_id, Goal.text, literal(0, type_=Integer).label("is_constraint"), Goal.due_date,
                   literal(None, type_=WorkConstraint.__table__.c.created_at.type).label("created_at"), Goal.id
                   ).where(col(Goal.employee_id).in_(ids), Goal.status == "en_cours", goal_clause(viewer))
    constraints = select(WorkConstraint.employee_id, WorkConstraint.text, literal(1, type_=Integer),
                         literal(None, type_=Goal.__table__.c.due_date.type), WorkConstraint.created_at, WorkConstraint.id
                         ).where(col(WorkConstraint.employee_id).in_(ids), WorkConstraint.active.is_(True))
    return union_all(goals, constraints)


def card_notes(db: Session, *, user: User, employee_ids: list[int],
               limit: int = MAX_TODAY_GOALS) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """For Today's cards, in one query: at most `limit` current objectives per employee (soonest due first, then
    those without a date) and every active constraint (oldest first), as texts."""
    statement = card_notes_statement(user.role, user.structure_id is None)
    return card_notes_from(db.exec(statement, params={**viewer_params(user), "ids": employee_ids or [0]}).all(), limit)


def card_notes_from(rows, limit: int = MAX_TODAY_GOALS) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """`card_notes` from its statement's rows, in any order."""
    goals: dict[int, list[tuple]] = {}
    constraints: dict[int, list[tuple]] = {}
    for employee_id, text, is_constraint, due, created, ident in rows:
        if is_constraint:
            constraints.setdefault(employee_id, []).append((created, ident, text))
        else:
            goals.setdefault(employee_id, []).append((due is None, due or date.min, ident, text))
    return ({i: [row[-1] for row in sorted(rows)[:limit]] for i, rows in goals.items()},
            {i: [row[-1] for row in sorted(rows)] for i, rows in constraints.items()})

"""Suivi socioprofessionnel of one employee: welcome, freins and atouts, signals, constraints, objectives."""

from flask import Blueprint, abort, request, url_for
from flask_login import current_user

from webapp.domain.employees.employees import staff_names
from webapp.domain.followup import followup as service
from webapp.domain.followup import overview
from webapp.domain.skills import skills
from webapp.models import (
    GOAL_STATUSES,
    Barrier,
    BarrierSignal,
    BarrierSituation,
    Employee,
    Goal,
    WelcomeStep,
    WorkConstraint,
)
from webapp.routes._web.db_session import get_session
from webapp.routes._web.forms import EmptyForm, form
from webapp.routes._web.permissions import requires
from webapp.routes._web.views import (
    client_ip,
    get_owned,
    local_today,
    render,
    see_other,
)
from webapp.routes.followup.forms import (
    BarrierForm,
    BarrierUpdateForm,
    ConstraintForm,
    GoalForm,
    SignalDecisionForm,
    SignalForm,
    SituationForm,
    StrengthForm,
    WelcomeStepForm,
    WelcomeTickForm,
)

bp = Blueprint("followup", __name__, url_prefix="/suivi")


def _date_errors(sent, *names: str) -> dict[str, str]:
    """« Date invalide. » for each of these date fields that holds something other than a date."""
    return {name: sent[name].process_errors[0] for name in names if sent[name].invalid}


def employee_page(employee: Employee, errors: dict | None = None, values: dict | None = None, status: int = 200):
    """The follow-up page, with what the user's role may see (its reads of sensitive items are traced)."""
    db = get_session()
    ctx = overview.employee_screen(db, user=current_user, employee=employee, today=local_today(), ip=client_ip())
    db.commit()
    return render("followup/followup/employee.html", status=status, errors=errors or {}, values=values or {}, **ctx)


@bp.route("/salaries/<int:employee_id>")
@requires("followup.view")
def employee(employee_id: int):
    """One employee's follow-up."""
    return employee_page(get_owned(Employee, employee_id))


@bp.route("/salaries/<int:employee_id>/accueil", methods=["POST"])
@requires("welcome.tick")
@form(WelcomeTickForm)
def tick(employee_id: int):
    """Tick or untick a welcome step (date and who are recorded)."""
    db = get_session()
    person = get_owned(Employee, employee_id)
    sent = WelcomeTickForm()
    error = None
    try:
        service.tick_welcome(db, user=current_user, employee=person, step_id=sent.step_id.data,
                             done=sent.done.data != "0", note=sent.note.data, today=local_today())
        db.commit()
    except service.FollowupError as problem:
        db.rollback()
        error = str(problem)
    if request.htmx and not request.htmx.boosted:
        welcome = service.welcome_of(db, person)
        names = {i: u.full_name for i, u in staff_names(db, [w.check.done_by_id for w in welcome if w.check]).items()}
        return render("followup/followup/_welcome.html", employee=person, welcome=welcome, names=names,
                      welcome_error=error, status=422 if error else 200)
    if error:
        return employee_page(person, {"welcome": error}, status=422)
    return see_other(url_for("followup.employee", employee_id=person.id) + "#accueil")


@bp.route("/accueil/modele", methods=["GET", "POST"])
@requires("welcome.edit")
@form(WelcomeStepForm)
def welcome_template():
    """Direction edits the structure's welcome checklist."""
    db = get_session()
    sid = current_user.structure_id
    error = None
    if request.method == "POST":
        sent = WelcomeStepForm()
        try:
            if sent.action.data == "remove":
                step = db.get(WelcomeStep, sent.step_id.data) if sent.step_id.data else None
                if step is None or step.structure_id != sid:
                    raise service.FollowupError("Étape inconnue.", "step_id")
                step.active = False
                db.add(step)
            else:
                service.add_welcome_step(db, structure_id=sid, label=sent.label.data)
            db.commit()
            return see_other(url_for("followup.welcome_template"))
        except service.FollowupError as problem:
            db.rollback()
            error = str(problem)
    steps = service.ensure_welcome_steps(db, sid)
    db.commit()
    return render("followup/followup/welcome_template.html", steps=steps, error=error, status=422 if error else 200)


@bp.route("/situations", methods=["GET", "POST"])
@requires("welcome.edit")
@form(SituationForm)
def situations():
    """Direction edits the situations offered for each theme of freins."""
    db = get_session()
    sid = current_user.structure_id
    error = None
    if request.method == "POST":
        sent = SituationForm()
        try:
            if sent.action.data == "remove":
                row = db.get(BarrierSituation, sent.situation_id.data) if sent.situation_id.data else None
                if row is None or row.structure_id != sid:
                    raise service.FollowupError("Situation inconnue.", "situation_id")
                row.active = False
                db.add(row)
            else:
                service.add_situation(db, structure_id=sid, theme=sent.theme.data, label=sent.label.data)
            db.commit()
            return see_other(url_for("followup.situations"))
        except service.FollowupError as problem:
            db.rollback()
            error = str(problem)
    rows = [r for r in service.ensure_situations(db, sid) if r.active]
    db.commit()
    return render("followup/followup/situations.html", rows=rows, themes=service.themes(), error=error,
                  status=422 if error else 200)


@bp.route("/salaries/<int:employee_id>/freins", methods=["POST"])
@requires("barrier.edit")
@form(BarrierForm)
def add_barrier(employee_id: int):
    """Record a frein."""
    db = get_session()
    person = get_owned(Employee, employee_id)
    sent = BarrierForm()
    errors = _date_errors(sent, "discussed_on")
    discussed = sent.discussed_on.data
    values = {k: sent[k].data for k in ("theme", "situation", "status", "note")}
    if not errors:
        try:
            service.add_barrier(db, user=current_user, employee=person, theme=values["theme"],
                                situation=values["situation"], status=values["status"] or "identifie",
                                note=values["note"], discussed_on=discussed, today=local_today())
            db.commit()
            return see_other(url_for("followup.employee", employee_id=person.id) + "#freins")
        except service.FollowupError as problem:
            db.rollback()
            errors[problem.field] = str(problem)
    return employee_page(person, {f"barrier_{k}": v for k, v in errors.items()}, values, 422)


def _owned_barrier(barrier_id: int) -> Barrier:
    barrier = get_owned(Barrier, barrier_id)
    if barrier.sensitive and not service.sees_sensitive(current_user):
        abort(404)
    return barrier


@bp.route("/freins/<int:barrier_id>", methods=["POST"])
@requires("barrier.edit")
@form(BarrierUpdateForm)
def update_barrier(barrier_id: int):
    """Change a frein's status or note the prise de conscience."""
    db = get_session()
    barrier = _owned_barrier(barrier_id)
    person = db.get(Employee, barrier.employee_id)
    sent = BarrierUpdateForm()
    errors = _date_errors(sent, "discussed_on")
    discussed = sent.discussed_on.data
    if not errors:
        try:
            service.update_barrier(db, barrier=barrier, status=sent.status.data, discussed_on=discussed,
                                   today=local_today())
            db.commit()
            return see_other(url_for("followup.employee", employee_id=person.id) + "#freins")
        except service.FollowupError as problem:
            db.rollback()
            errors[problem.field] = str(problem)
    return employee_page(person, {f"b{barrier.id}": " ".join(errors.values())}, status=422)


@bp.route("/salaries/<int:employee_id>/signaler", methods=["GET", "POST"])
@requires("barrier.signal")
@form(SignalForm)
def signal(employee_id: int):
    """A supervisor signals a difficulty seen on site; it goes to the CIP as a proposal."""
    db = get_session()
    person = get_owned(Employee, employee_id)
    errors, values, sent = {}, {"theme": "", "text": ""}, False
    if request.method == "POST":
        sent = SignalForm()
        values = {"theme": sent.theme.data, "text": sent.text.data}
        try:
            service.signal_barrier(db, user=current_user, employee=person, theme=values["theme"], text=values["text"])
            db.commit()
            sent = True
            values = {"theme": "", "text": ""}
        except service.FollowupError as problem:
            db.rollback()
            errors[problem.field] = str(problem)
    return render("followup/followup/signal.html", employee=person, themes=service.public_themes(), errors=errors,
                  values=values, sent=sent, status=422 if errors else 200)


@bp.route("/signalements/<int:signal_id>", methods=["POST"])
@requires("barrier.edit")
@form(SignalDecisionForm)
def handle_signal(signal_id: int):
    """The CIP qualifies a signal into a frein, or files it."""
    db = get_session()
    row = get_owned(BarrierSignal, signal_id)
    person = db.get(Employee, row.employee_id)
    sent = SignalDecisionForm()
    try:
        service.handle_signal(db, user=current_user, signal=row, decision=sent.decision.data, theme=sent.theme.data,
                              situation=sent.situation.data, status=sent.status.data or "identifie",
                              today=local_today())
        db.commit()
        return see_other(url_for("followup.employee", employee_id=person.id) + "#freins")
    except service.FollowupError as problem:
        db.rollback()
        key = f"s{row.id}" if row.status == "nouveau" else "signal"
        return employee_page(person, {key: str(problem)}, status=422)


@bp.route("/salaries/<int:employee_id>/contraintes", methods=["POST"])
@requires("barrier.edit")
@form(ConstraintForm)
def add_constraint(employee_id: int):
    """Share a work-relevant constraint with the supervisors."""
    db = get_session()
    person = get_owned(Employee, employee_id)
    text = ConstraintForm().text.data
    try:
        service.add_constraint(db, user=current_user, employee=person, text=text)
        db.commit()
        return see_other(url_for("followup.employee", employee_id=person.id) + "#contraintes")
    except service.FollowupError as problem:
        db.rollback()
        return employee_page(person, {"constraint": str(problem)}, {"constraint": text}, 422)


@bp.route("/contraintes/<int:constraint_id>/retirer", methods=["POST"])
@requires("barrier.edit")
@form(EmptyForm)
def remove_constraint(constraint_id: int):
    """Stop sharing a constraint."""
    db = get_session()
    row = get_owned(WorkConstraint, constraint_id)
    row.active = False
    db.add(row)
    db.commit()
    return see_other(url_for("followup.employee", employee_id=row.employee_id) + "#contraintes")


@bp.route("/salaries/<int:employee_id>/atouts", methods=["POST"])
@requires("barrier.edit")
@form(StrengthForm)
def add_strength(employee_id: int):
    """Note an atout."""
    db = get_session()
    person = get_owned(Employee, employee_id)
    try:
        service.add_strength(db, user=current_user, employee=person, label=StrengthForm().label.data,
                             today=local_today())
        db.commit()
        return see_other(url_for("followup.employee", employee_id=person.id) + "#atouts")
    except service.FollowupError as problem:
        db.rollback()
        return employee_page(person, {"strength": str(problem)}, status=422)


def _goal_input(errors: dict) -> service.GoalInput:
    sent = GoalForm()
    errors.update(_date_errors(sent, "due_date", "agreed_on"))
    if sent.barrier_id.invalid:
        errors["barrier_id"] = sent.barrier_id.process_errors[0]
    return service.GoalInput(
        text=sent.text.data or sent.objective.data, barrier_id=sent.barrier_id.data,
        skill_code=sent.skill_code.data, due_date=sent.due_date.data, next_step=sent.next_step.data,
        status=sent.status.data or "en_cours", agreed_on=sent.agreed_on.data)


def _goal_form(person: Employee, goal: Goal | None, data: service.GoalInput, errors: dict, status: int = 200):
    db = get_session()
    return render("followup/followup/goal_form.html", employee=person, goal=goal, data=data, errors=errors,
                  objectives=service.objectives_list(), themes=service.themes(),
                  barriers=service.barriers_of(db, user=current_user, employee_id=person.id),
                  skills=skills.skills_for_sector(db, person.structure_id, skills.worksite_sector(db, person.worksite_id)),
                  statuses=GOAL_STATUSES, history=service.goal_history(db, goal.id) if goal else [], status=status)


@bp.route("/salaries/<int:employee_id>/objectifs/nouveau", methods=["GET", "POST"])
@requires("goal.edit")
@form(GoalForm)
def new_goal(employee_id: int):
    """Define an objective with the employee."""
    db = get_session()
    person = get_owned(Employee, employee_id)
    errors: dict = {}
    if request.method == "GET":
        return _goal_form(person, None, service.GoalInput(), errors)
    data = _goal_input(errors)
    if not errors:
        try:
            service.create_goal(db, user=current_user, employee=person, data=data, today=local_today())
            db.commit()
            return see_other(url_for("followup.employee", employee_id=person.id) + "#objectifs")
        except service.FollowupError as problem:
            db.rollback()
            errors[problem.field] = str(problem)
    return _goal_form(person, None, data, errors, 422)


@bp.route("/objectifs/<int:goal_id>", methods=["GET", "POST"])
@requires("goal.edit")
@form(GoalForm)
def edit_goal(goal_id: int):
    """Change an objective; the history of changes is shown below."""
    db = get_session()
    goal = get_owned(Goal, goal_id)
    if goal.sensitive and not service.sees_sensitive(current_user):
        abort(404)
    person = db.get(Employee, goal.employee_id)
    errors: dict = {}
    if request.method == "GET":
        data = service.GoalInput(goal.text, goal.barrier_id, goal.skill_code, goal.due_date, goal.next_step,
                                 goal.status, goal.agreed_on)
        return _goal_form(person, goal, data, errors)
    data = _goal_input(errors)
    if not errors:
        try:
            service.update_goal(db, user=current_user, goal=goal, data=data, today=local_today())
            db.commit()
            return see_other(url_for("followup.employee", employee_id=person.id) + "#objectifs")
        except service.FollowupError as problem:
            db.rollback()
            errors[problem.field] = str(problem)
    return _goal_form(person, goal, data, errors, 422)

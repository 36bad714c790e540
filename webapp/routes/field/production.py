"""Production follow-up: the day's jobs and notes per work site, the weekly summary."""
from datetime import timedelta

from flask import Blueprint, abort, make_response, render_template, request, url_for
from flask_login import current_user

from webapp.domain import field
from webapp.domain.field import production as service
from webapp.domain.undo import UndoRefused
from webapp.models import ProductionTask, Worksite, utcnow
from webapp.platform import idempotency
from webapp.routes._web.capture import (
    content_hash,
    happened_at,
    in_flight,
    read_key,
    retarget,
)
from webapp.routes._web.db_session import get_session
from webapp.routes._web.forms import EmptyForm, form, new_key, parse_day
from webapp.routes._web.permissions import allowed, requires
from webapp.routes._web.views import (
    client_ip,
    get_owned,
    local_today,
    render,
    see_other,
)
from webapp.routes.field.forms import (
    DoneForm,
    ProductionLogForm,
    ProductionQuery,
    TaskForm,
)

bp = Blueprint("production", __name__, url_prefix="/production")


def _site_and_day(query: ProductionQuery):
    """The work site and day asked for, defaulting to the supervisor's site today; 404 for a malformed one."""
    db = get_session()
    today = local_today()
    day = query.jour.data or today
    if query.jour.invalid or query.chantier.invalid or day > today:
        abort(404)
    if query.chantier.data:
        return get_owned(Worksite, query.chantier.data), day
    team = field.today.team_today(db, user=current_user, day=today)
    sites = team.worksites or service.worksites_of(db, structure_id=current_user.structure_id)
    if not sites:
        abort(404)
    return sites[0], day


@bp.route("/")
@requires("production.view")
@form(query=ProductionQuery)
def index():
    """The production sheet of a work site for a day."""
    worksite, day = _site_and_day(ProductionQuery())
    tasks, log = service.day_of(get_session(), worksite=worksite, day=day)
    return render("field/production/index.html", worksite=worksite, day=day, tasks=tasks, log=log,
                  sites=service.worksites_of(get_session(), structure_id=current_user.structure_id),
                  task_form={"key": new_key(), "values": {}, "errors": {}}, log_errors={}, today=local_today(),
                  can_edit=_can_edit())


def _can_edit() -> bool:
    return allowed("field.capture")


@bp.route("/<int:worksite_id>/<day>/taches", methods=["POST"])
@requires("field.capture")
@form(TaskForm)
def add_task(worksite_id: int, day: str):
    """Add a job of the day; answers its row and a fresh form."""
    db = get_session()
    worksite = get_owned(Worksite, worksite_id)
    the_day = parse_day(day)
    if the_day is None:
        abort(404)
    sent = TaskForm()
    key = read_key(sent)
    values = {k: sent[k].data for k in ("client", "task", "unit", "planned_quantity", "done_quantity")}
    try:
        task, _created = service.add_task(db, user=current_user, worksite=worksite, day=the_day, client_key=key,
                                          today=local_today(), content_hash=content_hash(sent),
                                          happened_at=happened_at(), **values)
        db.commit()
    except idempotency.KeyInFlight as problem:
        db.rollback()
        return in_flight(problem)
    except (field.captures.FieldError, idempotency.KeyReused) as problem:
        db.rollback()
        if isinstance(problem, idempotency.KeyReused):
            key = new_key()  # sending again records this content as a new job
        form = {"key": key, "values": values, "errors": {problem.field: str(problem)}}
        response = make_response(render_template("field/production/_task_form.html", worksite=worksite, day=the_day,
                                                 task_form=form), 422)
        return retarget(response, "#task-form")
    if not request.htmx:
        return see_other(url_for("production.index", chantier=worksite.id, jour=the_day.isoformat()))
    return render_template("field/production/_task_created.html", task=task, worksite=worksite, day=the_day,
                           task_form={"key": new_key(), "values": {}, "errors": {}}, can_edit=True)


@bp.route("/taches/<int:task_id>/annuler", methods=["POST"])
@requires("field.capture")
@form(EmptyForm)
def undo_task(task_id: int):
    """Take back a job just added: its author only, for a few minutes; refused with the reason after."""
    db = get_session()
    task = get_owned(ProductionTask, task_id)
    worksite_id, day = task.worksite_id, task.day
    try:
        service.undo_task(db, task=task, user=current_user, now=utcnow(), ip=client_ip())
    except UndoRefused as refusal:
        db.rollback()
        return render("undone.html", "_undo.html", status=422, error=str(refusal))
    db.commit()
    if not request.htmx:
        return see_other(url_for("production.index", chantier=worksite_id, jour=day.isoformat()))
    return render("undone.html", "_undo.html", message="Travail retiré : il n'est plus enregistré.")


@bp.route("/taches/<int:task_id>", methods=["POST"])
@requires("field.capture")
@form(DoneForm)
def update_task(task_id: int):
    """Record what was done for a job."""
    db = get_session()
    task = get_owned(ProductionTask, task_id)
    done = DoneForm().done_quantity.data
    error = None
    try:
        service.update_done(db, task=task, done_quantity=done, today=local_today())
        db.commit()
    except field.captures.FieldError as problem:
        db.rollback()
        error = str(problem)
    if not request.htmx:
        return see_other(url_for("production.index", chantier=task.worksite_id, jour=task.day.isoformat()))
    return make_response(render_template("field/production/_task.html", task=task, error=error,
                                         value=done, can_edit=True),
                         422 if error else 200)


@bp.route("/<int:worksite_id>/<day>/journal", methods=["POST"])
@requires("field.capture")
@form(ProductionLogForm)
def save_log(worksite_id: int, day: str):
    """Save the day's quality issues, incidents and weather notes."""
    db = get_session()
    worksite = get_owned(Worksite, worksite_id)
    the_day = parse_day(day)
    if the_day is None:
        abort(404)
    sent = ProductionLogForm()
    values = {k: sent[k].data for k in ("quality_issues", "incidents", "weather")}
    errors, log = {}, None
    try:
        log = service.save_log(db, user=current_user, worksite=worksite, day=the_day, today=local_today(),
                               happened_at=happened_at(), **values)
        db.commit()
    except field.captures.FieldError as problem:
        db.rollback()
        errors = {problem.field: str(problem)}
    if not request.htmx:
        return see_other(url_for("production.index", chantier=worksite.id, jour=the_day.isoformat()))
    return make_response(render_template("field/production/_log.html", worksite=worksite, day=the_day, log=log,
                                         values=values, log_errors=errors, saved=not errors, can_edit=True),
                         422 if errors else 200)


@bp.route("/semaine")
@requires("production.view")
@form(query=ProductionQuery)
def week():
    """Weekly summary of a work site: planned vs done, issues of each day."""
    db = get_session()
    query = ProductionQuery()
    worksite, _day = _site_and_day(query)
    start = query.semaine.data or local_today()
    if query.semaine.invalid:
        abort(404)
    summary = service.week_summary(db, worksite=worksite, start=start)
    return render("field/production/week.html", worksite=worksite, summary=summary, today=local_today(),
                  sites=service.worksites_of(db, structure_id=current_user.structure_id),
                  previous=summary.start - timedelta(days=7), next=summary.start + timedelta(days=7))

"""Observations: capture about one or several employees, correction, photos, the counsellor's feed."""

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlmodel import select

from webapp.domain import field
from webapp.domain.accounts import audit
from webapp.domain.field import observations as service
from webapp.domain.undo import UndoRefused
from webapp.models import (
    OBSERVATION_CATEGORIES,
    OBSERVATION_TONES,
    VISIBILITIES,
    Employee,
    Observation,
    ObservationEmployee,
    Photo,
    utcnow,
)
from webapp.platform import idempotency, photos
from webapp.routes._web.capture import (
    content_hash,
    discard_photo,
    happened_at,
    in_flight,
    owned_employees,
    photo_from_request,
    read_key,
    settle_capture,
)
from webapp.routes._web.db_session import get_session
from webapp.routes._web.forms import EmptyForm, form, new_key, parse_id
from webapp.routes._web.permissions import requires
from webapp.routes._web.views import (
    client_ip,
    get_owned,
    local_today,
    render,
    see_other,
    serve_photo,
)
from webapp.routes.field.forms import FeedQuery, ObservationForm, ObservationQuery

bp = Blueprint("observations", __name__, url_prefix="/observations")


def _candidates(selected_ids: set[int]) -> list[Employee]:
    """People offered in the form: today's team for a supervisor, else the structure's active employees."""
    db = get_session()
    if current_user.role == "supervisor":
        people = field.today.team_today(db, user=current_user, day=local_today()).employees
    else:
        people = list(db.exec(select(Employee).where(Employee.structure_id == current_user.structure_id,
                                                     Employee.active.is_(True))
                              .order_by(Employee.first_name, Employee.last_name)).all())
    known = {e.id for e in people}
    missing = [i for i in selected_ids if i not in known]
    if missing:
        people = owned_employees(missing) + list(people)
    return people


def _form(values: dict, errors: dict | None = None, corrects: Observation | None = None):
    selected = {i for i in (parse_id(str(v)) for v in values.get("employee_ids", [])) if i is not None}
    return {
        "employees": _candidates(selected), "selected": selected, "values": values, "errors": errors or {},
        "categories": OBSERVATION_CATEGORIES, "tones": OBSERVATION_TONES, "visibilities": VISIBILITIES,
        "key": values.get("client_key") or new_key(), "today": local_today(), "corrects": corrects,
    }


@bp.route("/nouvelle")
@requires("observation.create")
@form(query=ObservationQuery)
def new():
    """The observation form, with the employees given in `salarie` pre-selected."""
    query = ObservationQuery()
    if query.salarie.invalid:
        abort(404)
    ids = query.salarie.data
    owned_employees(ids)
    values = {"employee_ids": [str(i) for i in ids], "tone": "neutre", "visibility": "team", "observed_on": local_today().isoformat()}
    return render("field/observations/new.html", form=_form(values))


@bp.route("/", methods=["POST"])
@requires("observation.create")
@form(ObservationForm)
def create():
    """Record an observation; answers a confirmation and a fresh form in the same place."""
    return _record(None)


@bp.route("/<int:observation_id>/corriger", methods=["GET", "POST"])
@requires("observation.create")
@form(ObservationForm)
def correct(observation_id: int):
    """Write a corrected version of one's own observation; the earlier one stays in the history."""
    original = get_owned(Observation, observation_id)
    if not service.may_read(current_user, original) or original.author_id != current_user.id:
        abort(404)
    if request.method == "POST":
        return _record(original)
    ids = get_session().exec(select(ObservationEmployee.employee_id)
                             .where(ObservationEmployee.observation_id == original.id)).all()
    values = {"employee_ids": [str(i) for i in ids], "category": original.category, "tone": original.tone,
              "visibility": original.visibility, "text": original.text, "observed_on": original.observed_on.isoformat(),
              "skills_note": original.skills_note}
    return render("field/observations/new.html", form=_form(values, corrects=original))


def _record(corrects: Observation | None):
    db = get_session()
    sent = ObservationForm()
    key = read_key(sent)
    if sent.employee_ids.invalid:
        abort(404)
    values = sent.values()
    employees = owned_employees(sent.employee_ids.data)
    today = local_today()
    photo = None
    try:
        photo = photo_from_request(db)
        observation, created = service.record_observation(
            db, user=current_user, employees=employees, category=values["category"], tone=values["tone"],
            text=values["text"], visibility=values["visibility"], observed_on=sent.observed_on.data,
            today=today, client_key=key, photo_id=photo.id if photo else None, skills_note=values["skills_note"],
            corrects=corrects, content_hash=content_hash(sent), happened_at=happened_at())
        settle_capture(db, created=created, photo=photo)
    except idempotency.KeyInFlight as problem:
        db.rollback()
        discard_photo(photo)
        return in_flight(problem)
    except (service.ObservationError, photos.PhotoError, idempotency.KeyReused) as problem:
        db.rollback()
        discard_photo(photo)
        if isinstance(problem, idempotency.KeyReused):
            values["client_key"] = new_key()  # sending again records this content as a new observation
        errors = {getattr(problem, "field", "") or "photo": str(problem)}
        return render("field/observations/new.html", "field/observations/_form.html",
                      form=_form(values, errors, corrects), status=422)
    if not request.htmx:
        target = employees[0] if len(employees) == 1 else None
        return see_other(url_for("pathway.index", employee_id=target.id) if target else url_for("home.index"))
    views = service.observation_views(db, user=current_user, observations=[observation])
    fresh = {"employee_ids": [str(e.id) for e in employees] if corrects is None and len(employees) == 1 else [],
             "tone": "neutre", "visibility": "team", "observed_on": today.isoformat()}
    return make_response(render_template(
        "field/observations/_saved.html", view=views[0] if views else None, people=employees, observation=observation,
        form=_form(fresh)))


@bp.route("/<int:observation_id>/annuler", methods=["POST"])
@requires("observation.create")
@form(EmptyForm)
def undo(observation_id: int):
    """Take back an observation just saved: its author only, for a few minutes; refused with the reason after."""
    db = get_session()
    observation = get_owned(Observation, observation_id)
    if not service.may_read(current_user, observation):
        abort(404)
    try:
        service.undo_observation(db, observation=observation, user=current_user, now=utcnow(), ip=client_ip(),
                                 upload_folder=current_app.config["UPLOAD_FOLDER"])
    except UndoRefused as refusal:
        db.rollback()
        mine = observation.author_id == current_user.id
        return render("undone.html", "_undo.html", status=422, error=str(refusal),
                      correct_url=url_for("observations.correct", observation_id=observation.id) if mine else None)
    db.commit()
    if not request.htmx:
        return see_other(url_for("home.index"))
    return render("undone.html", "_undo.html", message="Observation annulée : elle n'est plus enregistrée.")


@bp.route("/<int:observation_id>/photo")
@requires("observation.view")
def photo(observation_id: int):
    """The observation's photo, only for those who may read the observation."""
    observation = get_owned(Observation, observation_id)
    if not service.may_read(current_user, observation) or observation.photo_id is None:
        abort(404)
    return serve_photo(get_session().get(Photo, observation.photo_id), f"observation-{observation.id}.jpg")


@bp.route("/fil")
@requires("feed.view")
@form(query=FeedQuery)
def feed():
    """What the supervisors recorded since the counsellor's last visit; `apres` asks for the next page."""
    db = get_session()
    cursor = service.FeedCursor.decode(FeedQuery().apres.data or None)
    # The account itself rather than the request's proxy to it: the feed reads it for every note.
    feed = service.counsellor_feed(db, user=current_user.user, today=local_today(), cursor=cursor)
    audit.trace_reads(db, audit.restricted_observation_reads(feed.observations, user=current_user, ip=client_ip()))
    if cursor is not None:
        return render("field/observations/feed.html", "field/observations/_feed_page.html", feed=feed)
    return render("field/observations/feed.html", "field/observations/_feed.html", feed=feed)


@bp.route("/fil/lu", methods=["POST"])
@requires("feed.view")
@form(EmptyForm)
def feed_read():
    """Mark the feed as read up to now."""
    db = get_session()
    service.mark_feed_read(db, user=current_user)
    db.commit()
    if not request.htmx:
        return see_other(url_for("observations.feed"))
    feed = service.counsellor_feed(db, user=current_user, today=local_today())
    return render("field/observations/feed.html", "field/observations/_feed.html", feed=feed)


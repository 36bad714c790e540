"""Consignes: give one to the team or to chosen people, tick who understood it, reuse templates."""

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

from webapp.domain import field
from webapp.domain.undo import UndoRefused
from webapp.models import Instruction, InstructionTemplate, Photo, Worksite, utcnow
from webapp.platform import idempotency, photos
from webapp.routes._web.capture import (
    content_hash,
    discard_photo,
    happened_at,
    in_flight,
    owned_employees,
    photo_from_request,
    read_key,
    retarget,
    settle_capture,
)
from webapp.routes._web.db_session import get_session
from webapp.routes._web.forms import EmptyForm, form, new_key
from webapp.routes._web.permissions import requires
from webapp.routes._web.views import (
    client_ip,
    get_owned,
    local_today,
    render,
    see_other,
    serve_photo,
)
from webapp.routes.field.forms import AcknowledgeForm, InstructionForm

bp = Blueprint("instructions", __name__, url_prefix="/consignes")


def _card(instruction: Instruction, status: int = 200):
    card = field.instructions.instruction_cards(get_session(), [instruction])[0]
    return make_response(render_template("field/instructions/_card.html", card=card), status)


@bp.route("/", methods=["POST"])
@requires("field.capture")
@form(InstructionForm)
def create():
    """Give a consigne: answers the new card, and a fresh form out of band."""
    db = get_session()
    given = InstructionForm()
    key = read_key(given)
    team = field.today.team_today(db, user=current_user, day=local_today())
    values = given.values()
    if given.employee_ids.invalid or given.template_id.invalid or given.worksite_id.invalid:
        abort(404)
    if given.template_id.data:
        template = get_owned(InstructionTemplate, given.template_id.data)
        values.update(text=template.text, category=template.category, target="all")
    if values["target"] == "chosen":
        employees = owned_employees(given.employee_ids.data)
    else:
        employees = team.employees
    worksite_id = given.worksite_id.data or (team.worksites[0].id if team.worksites else None)
    if worksite_id is not None:
        get_owned(Worksite, worksite_id)
    photo = None
    try:
        photo = photo_from_request(db)
        instruction, created = field.instructions.give_instruction(
            db, user=current_user, employees=employees, category=values["category"], text=values["text"],
            worksite_id=worksite_id, day=local_today(), client_key=key, photo_id=photo.id if photo else None,
            save_template=given.save_template.data, content_hash=content_hash(given), happened_at=happened_at())
        settle_capture(db, created=created, photo=photo)
    except idempotency.KeyInFlight as problem:
        db.rollback()
        discard_photo(photo)
        return in_flight(problem)
    except (field.captures.FieldError, photos.PhotoError, idempotency.KeyReused) as problem:
        db.rollback()
        discard_photo(photo)
        field_name = getattr(problem, "field", "") or "photo"
        if isinstance(problem, idempotency.KeyReused):
            values["client_key"] = new_key()  # sending again records this content as a new consigne
        context = field.instructions.form_context(team, errors={field_name: str(problem)}, values=values)
        response = make_response(render_template("field/instructions/_form.html", form=context), 422)
        return retarget(response, "#instruction-form")
    if not request.htmx:
        return see_other(url_for("today.index"))
    card = field.instructions.instruction_cards(db, [instruction])[0]
    fresh = field.instructions.form_context(team)
    return render_template("field/instructions/_created.html", card=card, form=fresh, undoable=True)


@bp.route("/<int:instruction_id>/compris", methods=["POST"])
@requires("field.capture")
@form(AcknowledgeForm)
def acknowledge(instruction_id: int):
    """Tick or untick "compris" for one person (or everyone with `tous`); answers the updated card."""
    db = get_session()
    instruction = get_owned(Instruction, instruction_id)
    tick = AcknowledgeForm()
    everyone = tick.tous.data
    if not everyone and tick.employee_id.data is None:
        abort(400)
    try:
        field.instructions.acknowledge(db, user=current_user, instruction=instruction,
                                       employee_ids=None if everyone else [tick.employee_id.data],
                                       understood=tick.understood.data, happened_at=happened_at())
    except field.captures.FieldError:
        abort(404)
    db.commit()
    if not request.htmx:
        return see_other(url_for("today.index"))
    if everyone:
        return _card(instruction)
    # One person's chip only (and the counter out of band): ticks made in quick succession never replace
    # each other's forms, so none is lost while another is in flight.
    card = field.instructions.instruction_cards(db, [instruction])[0]
    ack, person = next((a, e) for a, e in card.acks if e.id == tick.employee_id.data)
    return render_template("field/instructions/_ack.html", card=card, ack=ack, e=person, oob=True)


@bp.route("/<int:instruction_id>/annuler", methods=["POST"])
@requires("field.capture")
@form(EmptyForm)
def undo(instruction_id: int):
    """Take back a consigne just given: its author only, for a few minutes; refused with the reason after."""
    db = get_session()
    instruction = get_owned(Instruction, instruction_id)
    try:
        field.instructions.undo_instruction(db, instruction=instruction, user=current_user, now=utcnow(),
                                            ip=client_ip(), upload_folder=current_app.config["UPLOAD_FOLDER"])
    except UndoRefused as refusal:
        db.rollback()
        return render("undone.html", "_undo.html", status=422, error=str(refusal))
    db.commit()
    if not request.htmx:
        return see_other(url_for("today.index"))
    return render("undone.html", "_undo.html", message="Consigne annulée : elle n'est plus enregistrée.")


@bp.route("/<int:instruction_id>/photo")
@requires("employee.view")
def photo(instruction_id: int):
    """The consigne's photo, for the staff of the structure."""
    instruction = get_owned(Instruction, instruction_id)
    if instruction.photo_id is None:
        abort(404)
    return serve_photo(get_session().get(Photo, instruction.photo_id), f"consigne-{instruction.id}.jpg")

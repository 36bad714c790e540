"""Consignes: give one to the team or to chosen people, tick who understood it, reuse templates."""
from datetime import date

from flask import Blueprint, abort, make_response, render_template, request, url_for
from flask_login import current_user

from webapp.domain import field
from webapp.models import Instruction, InstructionTemplate, Photo, Worksite
from webapp.platform import photos
from webapp.platform.db import get_session
from webapp.routes._web.capture import (
    discard_photo,
    owned_employees,
    parse_int,
    photo_from_request,
    read_key,
    retarget,
)
from webapp.routes._web.permissions import requires
from webapp.routes._web.views import get_owned, see_other, serve_photo
from webapp.routes.field.today import instruction_form_context

bp = Blueprint("instructions", __name__, url_prefix="/consignes")


def _card(instruction: Instruction, status: int = 200):
    card = field.instructions.instruction_cards(get_session(), [instruction])[0]
    return make_response(render_template("field/instructions/_card.html", card=card), status)


@bp.route("/", methods=["POST"])
@requires("field.capture")
def create():
    """Give a consigne: answers the new card, and a fresh form out of band."""
    db = get_session()
    key = read_key()
    team = field.today.team_today(db, user=current_user, day=date.today())
    values = {k: request.form.get(k, "") for k in ("text", "category", "worksite_id", "client_key", "target")}
    values["employee_ids"] = request.form.getlist("employee_ids")
    template_id = parse_int(request.form.get("template_id"))
    if template_id:
        template = get_owned(InstructionTemplate, template_id)
        values.update(text=template.text, category=template.category, target="all")
    if values["target"] == "chosen":
        employees = owned_employees(values["employee_ids"])
    else:
        employees = team.employees
    worksite_id = parse_int(values["worksite_id"]) or (team.worksites[0].id if team.worksites else None)
    if worksite_id is not None:
        get_owned(Worksite, worksite_id)
    photo = None
    try:
        photo = photo_from_request(db)
        instruction, created = field.instructions.give_instruction(
            db, user=current_user, employees=employees, category=values["category"], text=values["text"],
            worksite_id=worksite_id, day=date.today(), client_key=key, photo_id=photo.id if photo else None,
            save_template=request.form.get("save_template") == "1")
        if created:
            db.commit()
        else:
            # Recorded first by a replay or a double tap: this request's photo row and file go.
            db.rollback()
            discard_photo(photo)
    except (field.captures.FieldError, photos.PhotoError) as problem:
        db.rollback()
        discard_photo(photo)
        field_name = getattr(problem, "field", "") or "photo"
        context = instruction_form_context(team, errors={field_name: str(problem)}, values=values)
        response = make_response(render_template("field/instructions/_form.html", form=context), 422)
        return retarget(response, "#instruction-form")
    if not request.htmx:
        return see_other(url_for("today.index"))
    card = field.instructions.instruction_cards(db, [instruction])[0]
    fresh = instruction_form_context(team)
    return render_template("field/instructions/_created.html", card=card, form=fresh)


@bp.route("/<int:instruction_id>/compris", methods=["POST"])
@requires("field.capture")
def acknowledge(instruction_id: int):
    """Tick or untick "compris" for one person (or everyone with `tous`); answers the updated card."""
    db = get_session()
    instruction = get_owned(Instruction, instruction_id)
    understood = request.form.get("understood", "1") == "1"
    employee_id = parse_int(request.form.get("employee_id"))
    everyone = request.form.get("tous") == "1"
    if not everyone and employee_id is None:
        abort(400)
    try:
        field.instructions.acknowledge(db, user=current_user, instruction=instruction,
                            employee_ids=None if everyone else [employee_id], understood=understood)
    except field.captures.FieldError:
        abort(404)
    db.commit()
    if not request.htmx:
        return see_other(url_for("today.index"))
    return _card(instruction)


@bp.route("/<int:instruction_id>/photo")
@requires("employee.view")
def photo(instruction_id: int):
    """The consigne's photo, for the staff of the structure."""
    instruction = get_owned(Instruction, instruction_id)
    if instruction.photo_id is None:
        abort(404)
    return serve_photo(get_session().get(Photo, instruction.photo_id), f"consigne-{instruction.id}.jpg")

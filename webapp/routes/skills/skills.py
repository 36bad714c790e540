"""Skills: team matrix, quick rating (one person, a group), progress, frameworks (edit, CSV import/export)."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    request,
    session,
    url_for,
)
from flask_login import current_user
from sqlmodel import col, select

from webapp.domain.skills import learning_sessions
from webapp.domain.skills import skills as service
from webapp.domain.undo import UndoRefused
from webapp.models import (
    Employee,
    Photo,
    Skill,
    SkillActivity,
    SkillFramework,
    SkillRating,
    Worksite,
    utcnow,
)
from webapp.platform import idempotency
from webapp.platform.photos import PhotoError
from webapp.routes._web import capture
from webapp.routes._web.db_session import get_session
from webapp.routes._web.forms import EmptyForm, form
from webapp.routes._web.permissions import requires
from webapp.routes._web.sites import active_sites, chosen_site, ensure_frameworks
from webapp.routes._web.views import (
    client_ip,
    get_owned,
    is_fragment_request,
    local_today,
    render,
    see_other,
    serve_photo,
)
from webapp.routes.skills.forms import (
    CorrectionForm,
    FrameworkImportForm,
    GroupRatingForm,
    GroupResultQuery,
    GroupUndoForm,
    RateQuery,
    RatingForm,
    SiteQuery,
    SkillForm,
    SkillLabelForm,
)

bp = Blueprint("skills", __name__, url_prefix="/competences")

LAST_SITUATION = "skills_last_situation"


@bp.route("/")
@requires("skill.view")
@form(query=SiteQuery)
def index():
    """The team matrix of a work site: people × skills, latest levels, rate from a cell."""
    ensure_frameworks()
    sites = active_sites()
    site = chosen_site(sites, SiteQuery().chantier)
    grid = service.matrix(get_session(), site) if site else None
    return render("skills/skills/index.html", sites=sites, site=site, grid=grid, levels=service.LEVELS)


def _rate_context(employee: Employee, search: RateQuery):
    """What the one-person rating screen needs: skills being worked on first, then the others."""
    db = get_session()
    query = search.q.data
    sector = service.worksite_sector(db, employee.worksite_id)
    rows = service.skills_for_sector(db, employee.structure_id, sector, query)
    latest = service.latest_ratings(db, [employee.id], [r.skill.code for r in rows])
    working = service.working_codes(db, employee.id)
    first = [r for r in rows if r.skill.code in working]
    others = [r for r in rows if r.skill.code not in working]
    return {"employee": employee, "first": first, "others": others, "latest": latest, "q": query,
            "open_code": search.competence.data, "levels": service.LEVELS,
            "situation": session.get(LAST_SITUATION, ""), "sector": sector}


def _rate_item(employee: Employee, skill: Skill, status: int = 200, **context):
    """One skill of the rating list, re-rendered after an htmx rating."""
    db = get_session()
    row = service.SkillRow(skill, db.get(SkillActivity, skill.activity_id), db.get(SkillFramework, skill.framework_id))
    return render("skills/skills/_rate_item.html", status=status, row=row, employee=employee, open_code="",
                  latest=service.latest_ratings(db, [employee.id], [skill.code]),
                  situation=session.get(LAST_SITUATION, ""), **context)


@bp.route("/salaries/<int:employee_id>/evaluer", methods=["GET", "POST"])
@requires("skill.rate")
@form(RatingForm, query=RateQuery)
def rate(employee_id: int):
    """Rate one employee: open a skill, tap a level."""
    ensure_frameworks()
    employee = get_owned(Employee, employee_id)
    error = None
    if request.method == "POST":
        db = get_session()
        sent = RatingForm()
        skill = db.get(Skill, sent.skill_id.data) if sent.skill_id.data else None
        if skill is None or skill.structure_id != current_user.structure_id:
            abort(404)
        key = capture.read_key(sent)
        situation = sent.situation.data
        photo = None
        try:
            service.parse_level(sent.level.data)
            # Same store as observation photos: checked by content, metadata stripped, resized.
            photo = capture.photo_from_request(db)
            reference = f"{service.PHOTO_PREFIX}{photo.id}" if photo else ""
            ratings, created = service.capture_ratings(
                db, employees=[employee], skill=skill, level=sent.level.data, user=current_user,
                client_key=key, content_hash=capture.content_hash(sent), worksite_id=employee.worksite_id,
                situation=situation, evidence_ref=reference, evidence_note=sent.evidence_note.data,
                at=capture.happened_at())
            rating = ratings[0]
        except idempotency.KeyInFlight as problem:
            db.rollback()
            capture.discard_photo(photo)
            return capture.in_flight(problem)
        except (service.SkillError, PhotoError, idempotency.KeyReused) as exc:
            db.rollback()
            capture.discard_photo(photo)
            error = str(exc)
        else:
            capture.settle_capture(db, created=created, photo=photo)
            session[LAST_SITUATION] = situation
            level = service.LEVELS[rating.level]
            message = (f"Enregistré : {employee.first_name} — {skill.label} : {level.symbol} {level.code} "
                       f"{level.label}.")
            if is_fragment_request():
                return _rate_item(employee, skill, saved=message,
                                  undo_url=url_for("skills.undo", rating_id=rating.id))
            flash(message, "success")
            return see_other(url_for("skills.rate", employee_id=employee.id))
        if is_fragment_request():
            return _rate_item(employee, skill, item_error=error, status=422)
    context = _rate_context(employee, RateQuery())
    return render("skills/skills/rate.html", "skills/skills/_rate_list.html", status=422 if error else 200, error=error,
                  **context)


@bp.route("/evaluations/<int:rating_id>/photo")
@requires("skill.view")
def photo(rating_id: int):
    """The evidence photo of a rating."""
    rating = get_owned(SkillRating, rating_id)
    photo_id = service.evidence_photo_id(rating)
    if photo_id is None:
        abort(404)
    return serve_photo(get_session().get(Photo, photo_id), f"preuve-{rating.id}.jpg")


@bp.route("/salaries/<int:employee_id>")
@requires("skill.view")
def progress(employee_id: int):
    """An employee's progress: history of each skill, acquired, being worked on, sessions."""
    employee = get_owned(Employee, employee_id)
    db = get_session()
    planned, held = learning_sessions.sessions_list(db, current_user.structure_id, employee_id=employee.id)
    return render("skills/skills/progress.html", employee=employee, progress=service.progress(db, employee.id),
                  levels=service.LEVELS, planned=planned, held=held)


@bp.route("/groupe")
@requires("skill.rate")
@form(query=SiteQuery)
def group():
    """Group rating, step 1: pick the skill the group worked on."""
    ensure_frameworks()
    sites = active_sites()
    search = SiteQuery()
    site = chosen_site(sites, search.chantier)
    query = search.q.data
    rows = service.skills_for_sector(get_session(), current_user.structure_id, site.sector if site else None, query)
    return render("skills/skills/group.html", "skills/skills/_group_skills.html", sites=sites, site=site, rows=rows, q=query)


@bp.route("/groupe/<int:skill_id>", methods=["GET", "POST"])
@requires("skill.rate")
@form(GroupRatingForm, query=SiteQuery)
def group_rate(skill_id: int):
    """Group rating, step 2: tick the people, tap one level for all."""
    db = get_session()
    skill = get_owned(Skill, skill_id)
    sent = GroupRatingForm() if request.method == "POST" else None
    wanted = sent.chantier if sent else SiteQuery().chantier
    if wanted.invalid:
        abort(404)
    site = get_owned(Worksite, wanted.data) if wanted.data else None
    # Today's team on the site comes ticked: the supervisor taps only the exceptions.
    people, selected = service.group_people(db, site, local_today()) if site else ([], set())
    error = None
    if sent is not None:
        if sent.employee_ids.invalid:
            abort(404)
        selected = set(sent.employee_ids.data)
        employees = db.exec(select(Employee).where(col(Employee.id).in_(selected or {0}))).all()
        if any(e.structure_id != current_user.structure_id for e in employees) or len(employees) != len(selected):
            abort(404)
        key = capture.read_key(sent)
        situation = sent.situation.data
        try:
            ratings, created = service.capture_ratings(
                db, employees=list(employees), skill=skill, level=sent.level.data, user=current_user,
                client_key=key, content_hash=capture.content_hash(sent), worksite_id=site.id if site else None,
                situation=situation, at=capture.happened_at())
        except idempotency.KeyInFlight as problem:
            db.rollback()
            return capture.in_flight(problem)
        except (service.SkillError, idempotency.KeyReused) as exc:
            db.rollback()
            error = str(exc)
        else:
            capture.settle_capture(db, created=created, photo=None)
            session[LAST_SITUATION] = situation
            return see_other(url_for("skills.group_result", r=",".join(str(r.id) for r in ratings),
                                     chantier=site.id if site else None))
    latest = service.latest_ratings(db, [e.id for e in people], [skill.code])
    return render("skills/skills/group_rate.html", status=422 if error else 200, error=error, skill=skill, site=site,
                  people=people, latest=latest, selected=selected, preticked=sent is None, levels=service.LEVELS,
                  situation=session.get(LAST_SITUATION, ""))


@bp.route("/groupe/resultat")
@requires("skill.rate")
@form(query=GroupResultQuery)
def group_result():
    """Group rating, step 3: what was recorded, with a tap to change one person's level."""
    db = get_session()
    query = GroupResultQuery()
    ids = query.r.data
    rows = db.exec(select(SkillRating, Employee).join(Employee, Employee.id == SkillRating.employee_id)
                   .where(col(SkillRating.id).in_(ids or [0]),
                          SkillRating.structure_id == current_user.structure_id)
                   .order_by(Employee.first_name)).all()
    if not rows:
        abort(404)
    return render("skills/skills/group_result.html", rows=rows, levels=service.LEVELS, ids=",".join(map(str, ids)),
                  chantier=query.chantier.data)


@bp.route("/evaluations/<int:rating_id>/annuler", methods=["POST"])
@requires("skill.rate")
@form(EmptyForm)
def undo(rating_id: int):
    """Take back a rating just made: its author only, for a few minutes; the previous level is current again."""
    db = get_session()
    rating = get_owned(SkillRating, rating_id)
    employee = get_owned(Employee, rating.employee_id)
    skill = get_owned(Skill, rating.skill_id)
    try:
        service.undo_rating(db, rating=rating, user=current_user, now=utcnow(), ip=client_ip(),
                            upload_folder=current_app.config["UPLOAD_FOLDER"])
    except UndoRefused as refusal:
        db.rollback()
        if is_fragment_request():
            return _rate_item(employee, skill, item_error=str(refusal), status=422)
        flash(str(refusal), "error")
    else:
        db.commit()
        message = f"Évaluation annulée : {employee.first_name} — {skill.label}."
        if is_fragment_request():
            return _rate_item(employee, skill, saved=message)
        flash(message, "success")
    return see_other(url_for("skills.rate", employee_id=employee.id, competence=skill.code))


@bp.route("/groupe/annuler", methods=["POST"])
@requires("skill.rate")
@form(GroupUndoForm)
def group_undo():
    """Take back a group rating just recorded, all of it: its author only, for a few minutes."""
    db = get_session()
    sent = GroupUndoForm()
    ids = sent.r.data or []
    if not ids:
        abort(400)
    ratings = db.exec(select(SkillRating).where(col(SkillRating.id).in_(ids or [0]),
                                                SkillRating.structure_id == current_user.structure_id)).all()
    if not ratings or len(ratings) != len(set(ids)):
        abort(404)
    try:
        for rating in ratings:
            service.undo_rating(db, rating=rating, user=current_user, now=utcnow(), ip=client_ip(),
                                upload_folder=current_app.config["UPLOAD_FOLDER"])
    except UndoRefused as refusal:
        db.rollback()
        flash(str(refusal), "error")
        return see_other(url_for("skills.group_result", r=sent.r.typed(), chantier=sent.chantier.data))
    db.commit()
    flash(f"{len(ratings)} évaluation(s) annulée(s) : rien n'est enregistré pour ce groupe.", "success")
    return see_other(url_for("skills.group", chantier=sent.chantier.data))


@bp.route("/evaluations/<int:rating_id>/corriger", methods=["POST"])
@requires("skill.rate")
@form(CorrectionForm)
def correct(rating_id: int):
    """Change the level of a rating just recorded (an exception in a group)."""
    db = get_session()
    rating = get_owned(SkillRating, rating_id)
    sent = CorrectionForm()
    try:
        service.correct_rating(db, rating=rating, level=sent.level.data, user=current_user)
    except service.SkillError as exc:
        db.rollback()
        flash(str(exc), "error")
    else:
        db.commit()
    ids = sent.r.typed() or str(rating.id)
    return see_other(url_for("skills.group_result", r=ids, chantier=sent.chantier.data))


# --- frameworks ---------------------------------------------------------------------------------

@bp.route("/referentiels")
@requires("skill.view")
def frameworks():
    """The structure's frameworks."""
    ensure_frameworks()
    db = get_session()
    items = [(f, len(service.skills_of_framework(db, f))) for f in service.frameworks_of(db, current_user.structure_id)]
    return render("skills/skills/frameworks.html", items=items)


def _framework_page(framework: SkillFramework, error: str | None = None, status: int = 200):
    db = get_session()
    return render("skills/skills/framework.html", framework=framework, rows=service.skills_of_framework(db, framework),
                  error=error, status=status, pictograms=service.PICTOGRAMS)


@bp.route("/referentiels/<int:framework_id>")
@requires("skill.view")
def framework(framework_id: int):
    """One framework, editable by the direction."""
    return _framework_page(get_owned(SkillFramework, framework_id))


def _edit(framework: SkillFramework, action) -> Response:
    """Run a framework edit; a refusal re-renders the page with the French message, nothing changed."""
    db = get_session()
    try:
        message = action(db)
    except service.SkillError as exc:
        db.rollback()
        return _framework_page(framework, str(exc), 422)
    db.commit()
    flash(message, "success")
    return see_other(url_for("skills.framework", framework_id=framework.id))


@bp.route("/referentiels/<int:framework_id>/ajouter", methods=["POST"])
@requires("framework.edit")
@form(SkillForm)
def add_skill(framework_id: int):
    """Add a skill to a framework."""
    framework = get_owned(SkillFramework, framework_id)
    sent = SkillForm()
    return _edit(framework, lambda db: service.add_skill(
        db, framework=framework, activity_name=sent.activity.data,
        label=sent.label.data, pictogram=sent.pictogram.data) and
        "Compétence ajoutée.")


@bp.route("/referentiels/competences/<int:skill_id>/modifier", methods=["POST"])
@requires("framework.edit")
@form(SkillLabelForm)
def revise_skill(skill_id: int):
    """Reword a skill (a new version; past ratings keep their wording)."""
    skill = get_owned(Skill, skill_id)
    framework = get_owned(SkillFramework, skill.framework_id)
    label = SkillLabelForm().label.data
    return _edit(framework, lambda db: service.revise_skill(db, skill=skill, label=label)
                 and "Compétence modifiée : les évaluations passées gardent l'ancien libellé.")


@bp.route("/referentiels/competences/<int:skill_id>/retirer", methods=["POST"])
@requires("framework.edit")
@form(EmptyForm)
def retire_skill(skill_id: int):
    """Take a skill out of its framework."""
    skill = get_owned(Skill, skill_id)
    framework = get_owned(SkillFramework, skill.framework_id)
    return _edit(framework, lambda db: service.retire_skill(db, skill=skill) or
                 "Compétence retirée : son historique est conservé.")


@bp.route("/referentiels/<int:framework_id>/export.csv")
@requires("skill.view")
def export(framework_id: int):
    """Download a framework as CSV."""
    framework = get_owned(SkillFramework, framework_id)
    body = "\ufeff" + service.export_csv(get_session(), framework)
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="referentiel-{framework.id}.csv"'
    return response


@bp.route("/referentiels/<int:framework_id>/import", methods=["POST"])
@requires("framework.edit")
@form(FrameworkImportForm)
def import_csv(framework_id: int):
    """Replace a framework's skills from a CSV file (same columns as the export)."""
    framework = get_owned(SkillFramework, framework_id)
    upload = FrameworkImportForm().file.data
    try:
        text = upload.read().decode("utf-8") if upload else ""
    except UnicodeDecodeError:
        text = None
    if not text:
        return _framework_page(framework, "Choisissez un fichier CSV encodé en UTF-8.", 422)

    def run(db):
        counts = service.import_csv(db, framework=framework, text=text)
        return (f"Import terminé : {counts['added']} ajoutée(s), {counts['revised']} modifiée(s), "
                f"{counts['retired']} retirée(s), {counts['unchanged']} inchangée(s).")

    return _edit(framework, run)

"""Learning sessions: list per site and per employee, prepare (from a template), run and rate at the end."""

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user

from webapp.domain.skills import learning_sessions as service
from webapp.domain.skills import skills as skills_service
from webapp.models import Employee, LearningSession, LearningSessionTemplate, Worksite
from webapp.routes._web.db_session import get_session
from webapp.routes._web.forms import form, parse_count
from webapp.routes._web.permissions import requires
from webapp.routes._web.sites import active_sites, chosen_site, ensure_frameworks
from webapp.routes._web.views import get_owned, local_today, render, see_other
from webapp.routes.skills.forms import (
    FinishForm,
    NewSessionQuery,
    SessionForm,
    SessionsQuery,
)

bp = Blueprint("learning_sessions", __name__, url_prefix="/seances")


@bp.route("/")
@requires("learning_session.view")
@form(query=SessionsQuery)
def index():
    """Sessions planned and held, for a work site or for one employee."""
    db = get_session()
    sites = active_sites()
    query = SessionsQuery()
    if query.salarie.invalid:
        abort(404)
    employee = get_owned(Employee, query.salarie.data) if query.salarie.data else None
    site = None if employee else chosen_site(sites, query.chantier)
    planned, held = service.sessions_list(db, current_user.structure_id, worksite_id=site.id if site else None,
                                          employee_id=employee.id if employee else None)
    return render("skills/learning_sessions/index.html", sites=sites, site=site, employee=employee, planned=planned, held=held,
                  templates=service.templates_of(db, current_user.structure_id))


def _form_context(site: Worksite | None, values: dict, problems: dict | None = None):
    """Choices for the preparation form: the site's skills (and savoir-être) and people."""
    db = get_session()
    return {
        "site": site, "sites": active_sites(), "values": values, "problems": problems or {},
        "skills": skills_service.skills_for_sector(db, current_user.structure_id, site.sector if site else None),
        "people": skills_service.site_employees(db, site) if site else [],
        "methods": service.METHODS, "templates": service.templates_of(db, current_user.structure_id),
    }


@bp.route("/nouvelle", methods=["GET", "POST"])
@requires("learning_session.manage")
@form(SessionForm, query=NewSessionQuery)
def create():
    """Prepare a session: title, targeted skills, situation, method, material, safety, duration, people, date."""
    ensure_frameworks()
    db = get_session()
    if request.method == "GET":
        query = NewSessionQuery()
        if query.modele.invalid:
            abort(404)
        site = chosen_site(active_sites(), query.chantier)
        values = {"planned_on": local_today().isoformat(), "duration_minutes": 60, "skill_ids": [],
                  "participant_ids": [], "method": "demonstration"}
        template = get_owned(LearningSessionTemplate, query.modele.data) if query.modele.data else None
        if template:
            values.update(title=template.title, situation=template.situation, method=template.method,
                          material=template.material, safety=template.safety,
                          duration_minutes=template.duration_minutes, template_id=template.id,
                          skill_ids=service.template_skill_ids(db, template))
        return render("skills/learning_sessions/form.html", **_form_context(site, values))
    sent = SessionForm()
    if any(sent[name].invalid for name in ("worksite_id", "skill_ids", "participant_ids", "template_id")):
        abort(404)
    site = get_owned(Worksite, sent.worksite_id.data) if sent.worksite_id.data else None
    values = {key: sent[key].data for key in ("title", "situation", "method", "material", "safety",
                                              "duration_minutes", "skill_ids", "participant_ids",
                                              "save_as_template", "template_id")}
    values["planned_on"] = sent.planned_on.typed().strip()
    if values["template_id"]:
        get_owned(LearningSessionTemplate, values["template_id"])
    planned_on = sent.planned_on.data
    try:
        session = service.create_session(
            db, user=current_user, title=values["title"], planned_on=planned_on, skill_ids=values["skill_ids"],
            participant_ids=values["participant_ids"], worksite_id=site.id if site else None,
            situation=values["situation"], method=values["method"], material=values["material"],
            safety=values["safety"], duration_minutes=parse_count(values["duration_minutes"]),
            save_as_template=values["save_as_template"], template_id=values["template_id"])
    except service.LearningError as exc:
        db.rollback()
        return render("skills/learning_sessions/form.html", status=422, **_form_context(site, values, exc.problems))
    db.commit()
    flash("Séance préparée." + (" Modèle enregistré." if values["save_as_template"] else ""), "success")
    return see_other(url_for("learning_sessions.show", session_id=session.id))


@bp.route("/<int:session_id>")
@requires("learning_session.view")
def show(session_id: int):
    """A session: its plan, and while planned the one screen to run it and rate everyone at the end."""
    session = get_owned(LearningSession, session_id)
    db = get_session()
    site = db.get(Worksite, session.worksite_id) if session.worksite_id else None
    return render("skills/learning_sessions/show.html", info=service.details(db, session), site=site, problems={},
                  method_labels=service.METHOD_LABELS, status_labels=service.STATUS_LABELS)


@bp.route("/<int:session_id>/terminer", methods=["POST"])
@requires("learning_session.manage")
@form(FinishForm)
def finish(session_id: int):
    """Record attendance, notes and end-of-session ratings."""
    session = get_owned(LearningSession, session_id)
    db = get_session()
    sent = FinishForm()
    if sent.present.invalid or sent.levels.invalid:
        abort(400)
    try:
        ratings = service.finish_session(db, session=session, user=current_user, present_ids=set(sent.present.data),
                                         notes=sent.notes.data, levels=sent.levels.data)
    except service.LearningError as exc:
        db.rollback()
        site = db.get(Worksite, session.worksite_id) if session.worksite_id else None
        return render("skills/learning_sessions/show.html", status=422, info=service.details(db, session), site=site,
                      problems=exc.problems, method_labels=service.METHOD_LABELS,
                      status_labels=service.STATUS_LABELS)
    db.commit()
    flash(f"Séance terminée : {len(ratings)} évaluation(s) enregistrée(s).", "success")
    return see_other(url_for("learning_sessions.show", session_id=session.id))


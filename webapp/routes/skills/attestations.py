"""Attestations de compétences: preview, issue, print page, PDF, easy-to-read version, Open Badges 3.0 JSON."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    request,
    url_for,
)
from flask_login import current_user

from webapp.domain.skills import attestations as service
from webapp.domain.skills import openbadges
from webapp.models import Attestation, Employee
from webapp.routes._web.db_session import get_session
from webapp.routes._web.forms import EmptyForm, form
from webapp.routes._web.permissions import allowed, requires
from webapp.routes._web.views import content_disposition, get_owned, render, see_other

bp = Blueprint("attestations", __name__, url_prefix="/attestations")


@bp.route("/salaries/<int:employee_id>", methods=["GET", "POST"])
@requires("attestation.view")
@form(EmptyForm)
def employee(employee_id: int):
    """What the attestation would say today, the attestations already issued, and the button to issue one."""
    person = get_owned(Employee, employee_id)
    db = get_session()
    error = None
    if request.method == "POST":
        if not allowed("attestation.issue"):
            abort(403)
        try:
            attestation = service.issue(db, employee=person, user=current_user)
        except service.AttestationError as exc:
            db.rollback()
            error = str(exc)
        else:
            db.commit()
            flash("Attestation générée.", "success")
            return see_other(url_for("attestations.show", attestation_id=attestation.id))
    return render("skills/attestations/employee.html", status=422 if error else 200, error=error, employee=person,
                  content=service.build_content(db, person), issued=service.attestations_of(db, person.id),
                  attestation=None)


@bp.route("/<int:attestation_id>")
@requires("attestation.view")
def show(attestation_id: int):
    """The attestation as a document, with a print stylesheet for A4."""
    attestation = get_owned(Attestation, attestation_id)
    return render("skills/attestations/show.html", attestation=attestation, c=attestation.content)


@bp.route("/<int:attestation_id>/facile")
@requires("attestation.view")
def easy(attestation_id: int):
    """The easy-to-read version (FALC) for the employee."""
    attestation = get_owned(Attestation, attestation_id)
    return render("skills/attestations/easy.html", attestation=attestation, c=attestation.content)


@bp.route("/<int:attestation_id>/attestation.pdf")
@requires("attestation.view")
def pdf(attestation_id: int):
    """The attestation as a PDF download."""
    attestation = get_owned(Attestation, attestation_id)
    name = attestation.content["employee"]["last_name"].lower().replace(" ", "-")
    response = Response(service.pdf_bytes(attestation, timezone=current_user.timezone), mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition(f"attestation-competences-{name}.pdf")
    return response


@bp.route("/<int:attestation_id>/openbadge.json")
@requires("attestation.view")
def openbadge(attestation_id: int):
    """The attestation as an unsigned Open Badges 3.0 credential."""
    attestation = get_owned(Attestation, attestation_id)
    # Ids from the configured public address: a forged Host header must not name the issuer.
    response = jsonify(openbadges.credential(attestation, current_app.config["TERRAIN_BASE_URL"]))
    response.headers["Content-Disposition"] = f'attachment; filename="openbadge-{attestation.uuid}.json"'
    return response

"""Right of access and portability: everything held about one employee, as a document or as JSON."""
import json
from datetime import date

from flask import Blueprint, make_response
from flask_login import current_user

from webapp.domain import privacy
from webapp.domain.accounts import audit
from webapp.models import Employee, utcnow
from webapp.platform import dates
from webapp.routes._web.db_session import get_session
from webapp.routes._web.permissions import requires
from webapp.routes._web.views import client_ip, get_owned, render

bp = Blueprint("privacy", __name__, url_prefix="/salaries")


def _export(employee_id: int, kind: str):
    db = get_session()
    employee = get_owned(Employee, employee_id)
    sections = privacy.export_employee(db, employee)
    audit.record(db, user=current_user, ip=client_ip(), action="employee.export", object_type="employee", object_id=employee.id,
                 employee_id=employee.id, detail=kind)
    db.commit()
    return employee, sections


@bp.route("/<int:employee_id>/donnees")
@requires("employee.export")
def export_html(employee_id: int):
    """A readable, printable document of all the employee's data."""
    employee, sections = _export(employee_id, "document")
    return render("employees/privacy/export.html", employee=employee, sections=sections, generated_at=utcnow())


@bp.route("/<int:employee_id>/donnees.json")
@requires("employee.export")
def export_json(employee_id: int):
    """The same data as JSON, for portability."""
    employee, sections = _export(employee_id, "json")
    zone = current_user.timezone
    body = json.dumps({"salarie_id": employee.id, "genere_le": dates.iso_local(utcnow(), zone),
                       "sections": {title: rows for title, rows in sections}}, ensure_ascii=False, indent=2,
                      default=lambda value: dates.iso_local(value, zone) if isinstance(value, date) else str(value))
    response = make_response(body)
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = f'attachment; filename="terrain-salarie-{employee.id}.json"'
    return response

"""The audit trail, browsed and filtered by direction."""
from datetime import date

from flask import Blueprint, request
from flask_login import current_user
from sqlmodel import select

from webapp.domain.accounts import audit as service
from webapp.domain.accounts.users import structure_users
from webapp.models import Employee
from webapp.routes._web.db_session import get_session
from webapp.routes._web.permissions import requires
from webapp.routes._web.views import render

bp = Blueprint("audit", __name__, url_prefix="/journal")

PAGE = 50


def _int(name: str) -> int | None:
    try:
        value = int(request.args.get(name, ""))
    except ValueError:
        return None
    return value if 0 < value < 2**31 else None


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.route("/")
@requires("audit.view")
def index():
    """Events of the structure, newest first, with filters and paging."""
    db = get_session()
    action = request.args.get("action", "")
    filters = service.AuditFilter(
        action=action if action in service.ACTIONS else "", user_id=_int("user"), employee_id=_int("employee"),
        start=_date("du"), end=_date("au"), before_id=_int("avant"),
    )
    rows = service.browse(db, current_user.structure_id, filters, limit=PAGE + 1, timezone=current_user.timezone)
    employees = db.exec(select(Employee).where(Employee.structure_id == current_user.structure_id)
                        .order_by(Employee.last_name, Employee.first_name)).all()
    employee_names = {e.id: e.full_name for e in employees}
    return render(
        "accounts/audit/index.html", "accounts/audit/_events.html", rows=rows[:PAGE], has_more=len(rows) > PAGE,
        filters=filters, actions=service.ACTIONS, users=structure_users(db, current_user.structure_id),
        employees=employees, employee_names=employee_names,
    )

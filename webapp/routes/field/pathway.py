"""The parcours timeline of an employee, with filters and keyset paging."""
from datetime import timedelta

from flask import Blueprint
from flask_login import current_user

from webapp.domain import field
from webapp.domain.accounts import audit
from webapp.domain.field import pathway as service
from webapp.domain.followup import followup
from webapp.models import ATTENDANCE_STATUSES, Employee
from webapp.routes._web.db_session import get_session
from webapp.routes._web.forms import form
from webapp.routes._web.permissions import requires
from webapp.routes._web.views import client_ip, get_owned, local_today, render
from webapp.routes.field.forms import PathwayQuery

bp = Blueprint("pathway", __name__, url_prefix="/salaries")


@bp.route("/<int:employee_id>/parcours")
@requires("employee.view")
@form(query=PathwayQuery)
def index(employee_id: int):
    """The employee's timeline: the page, or for htmx the list (or the next page of it)."""
    employee = get_owned(Employee, employee_id)
    query = PathwayQuery()
    filters = service.filters_for(current_user)
    kind = query.type.data if query.type.data in filters else ""
    kinds = service.kinds_for(current_user, kind)
    start, end, cursor = query.du.data, query.au.data, query.apres.data
    entries, next_cursor = service.timeline(get_session(), user=current_user, employee=employee, kinds=kinds,
                                            start=start, end=end, cursor=cursor, tz=current_user.timezone)
    views = [entry.observation for entry in entries if entry.observation is not None]
    goals = [entry.goal for entry in entries if entry.kind == "goal" and entry.goal.sensitive]
    audit.trace_reads(get_session(), audit.restricted_observation_reads(views, user=current_user, ip=client_ip())
                      + followup.sensitive_reads(user=current_user, employee_id=employee.id, barriers=[], goals=goals,
                                                 what="dans le parcours", ip=client_ip()))
    fragment = "field/pathway/_entries.html" if cursor else "field/pathway/_timeline.html"
    today = local_today()
    rates = None
    if cursor is None:
        recent, overall = field.attendance.recent_and_overall_rates(
            get_session(), structure_id=current_user.structure_id, employee_id=employee.id,
            recent_start=today - timedelta(days=30), end=today)
        rates = {"30 derniers jours": recent, "depuis l'entrée": overall}
    return render("field/pathway/index.html", fragment, employee=employee, entries=entries, next_cursor=next_cursor,
                  kind=kind, start=start, end=end, filters=filters, labels=service.labels(),
                  statuses=ATTENDANCE_STATUSES,
                  today=today, rates=rates)

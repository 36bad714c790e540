"""Home screen by role, account page, health check."""
from datetime import timedelta

from flask import Blueprint, jsonify
from flask_login import current_user
from sqlalchemy import text
from sqlmodel import col, func, select

from webapp.domain import field
from webapp.domain.accounts import audit
from webapp.domain.employees.employees import latest_contracts
from webapp.models import Contract, Employee, Structure, User, Worksite, utcnow
from webapp.routes._web.db_session import get_session
from webapp.routes._web.permissions import allowed, requires
from webapp.routes._web.views import local_today, render
from webapp.routes.accounts.forms import StructureForm

bp = Blueprint("home", __name__)


@bp.route("/")
@requires("home.view")
def index():
    """The home screen that fits the user's role."""
    db = get_session()
    if current_user.role == "admin":
        structures = db.exec(select(Structure).order_by(Structure.name)).all()
        return render("shell/home/admin.html", structures=structures, form=StructureForm(retention_months=24))
    today = local_today()
    if current_user.role == "supervisor":
        return render("field/today/index.html", **field.today.screen(db, user=current_user, day=today))
    if current_user.role == "counsellor":
        followed = _followed(db, Employee.referent_cip_id)
        ending = [r for r in followed if r[1] and r[1].end_date <= today + timedelta(days=60)]
        return render("shell/home/counsellor.html", followed=followed, ending=ending, today=today)
    # Direction hears of lock-outs and password sprays against the structure's accounts (last 24 hours).
    threats = (audit.recent_login_threats(db, current_user.structure_id, since=utcnow() - timedelta(hours=24))
               if allowed("audit.view") else [])
    return render("shell/home/manager.html", stats=_structure_stats(db), today=today, login_threats=threats)


def _followed(db, referent_column):
    """Active employees of the structure whose referent is the current user, with latest contracts."""
    employees = db.exec(
        select(Employee)
        .where(Employee.structure_id == current_user.structure_id, Employee.active.is_(True),
               referent_column == current_user.id)
        .order_by(Employee.first_name)
    ).all()
    contracts = latest_contracts(db, [e.id for e in employees])
    return [(e, contracts.get(e.id)) for e in employees]


def _structure_stats(db):
    """Counts shown on the coordination and direction home screens."""
    sid = current_user.structure_id
    today = local_today()
    active = db.exec(select(func.count()).select_from(Employee).where(
        Employee.structure_id == sid, Employee.active.is_(True))).one()
    ending = db.exec(select(func.count(func.distinct(Contract.employee_id))).where(
        Contract.structure_id == sid, Contract.end_date >= today,
        Contract.end_date <= today + timedelta(days=60))).one()
    sites = db.exec(
        select(Worksite, func.count(col(Employee.id)))
        .join(Employee, (Employee.worksite_id == Worksite.id) & (Employee.active.is_(True)), isouter=True)
        .where(Worksite.structure_id == sid)
        .group_by(Worksite.id)
        .order_by(Worksite.name)
    ).all()
    users = db.exec(select(func.count()).select_from(User).where(User.structure_id == sid, User.active.is_(True))).one()
    return {"active": active, "ending": ending, "sites": sites, "users": users}


@bp.route("/healthz")
def healthz():
    """200 when the database answers, 503 otherwise."""
    try:
        get_session().exec(text("SELECT 1")).one()
    except Exception:  # any database failure means unhealthy
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")

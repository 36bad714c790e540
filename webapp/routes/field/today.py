"""Today ("Aujourd'hui"): the supervisor's team, attendance, point du matin and consignes of the day."""

from flask import Blueprint, abort, request, url_for
from flask_login import current_user

from webapp.domain import field
from webapp.models import (
    ATTENDANCE_STATUSES,
    Employee,
    Worksite,
)
from webapp.platform import dates
from webapp.routes._web.capture import happened_at
from webapp.routes._web.db_session import get_session
from webapp.routes._web.forms import form
from webapp.routes._web.permissions import requires
from webapp.routes._web.views import get_owned, local_today, render, see_other
from webapp.routes.field.forms import AttendanceForm, BriefingForm, DayQuery, TeamForm

bp = Blueprint("today", __name__, url_prefix="/aujourdhui")


@bp.route("/")
@requires("field.capture")
def index():
    """The Today screen."""
    return render("field/today/index.html", **field.today.screen(get_session(), user=current_user, day=local_today()))


@bp.route("/presences")
@requires("field.capture")
@form(query=DayQuery)
def attendance():
    """Attendance of the team for a day of the current week."""
    today = local_today()
    query = DayQuery()
    day = query.jour.data or today
    if query.jour.invalid or day > today or day not in field.captures.week_days(today):
        abort(404)
    db = get_session()
    team = field.today.team_today(db, user=current_user, day=day)
    if not team.employees:
        team = field.today.team_today(db, user=current_user, day=today)
    rows = field.attendance.attendance_by_employee(db, structure_id=current_user.structure_id,
                                          employee_ids=[e.id for e in team.employees], day=day)
    return render("field/today/attendance.html", day=day, today=today, days=field.captures.week_days(today),
                  employees=team.employees, rows=rows, statuses=ATTENDANCE_STATUSES)


@bp.route("/presences/<int:employee_id>", methods=["POST"])
@requires("field.capture")
@form(AttendanceForm)
def mark(employee_id: int):
    """One tap: set an employee's attendance for a day; answers the person's attendance fragment."""
    db = get_session()
    employee = get_owned(Employee, employee_id)
    today = local_today()
    tap = AttendanceForm()
    day = None if tap.day.invalid else (tap.day.data or today)
    minutes = tap.late_minutes.data
    status = tap.status.data or ("late" if minutes is not None else "")
    error, row = None, None
    if day is None:
        error, day = "Date invalide.", today
    else:
        try:
            row = field.attendance.record_attendance(db, user=current_user, employee=employee, day=day, status=status,
                                            late_minutes=minutes, today=today, happened_at=happened_at())
            db.commit()
        except field.captures.FieldError as problem:
            error = str(problem)
    if error:
        db.rollback()
        day = min(day, today)
        row = field.attendance.attendance_by_employee(db, structure_id=current_user.structure_id,
                                             employee_ids=[employee.id], day=day).get(employee.id)
    if not request.htmx:
        return see_other(url_for("today.attendance", jour=day.isoformat()))
    return render("field/today/_attendance.html", employee=employee, day=day, row=row, error=error,
                  statuses=ATTENDANCE_STATUSES, status=422 if error else 200)


@bp.route("/equipe/<int:employee_id>", methods=["POST"])
@requires("field.capture")
@form(TeamForm)
def team(employee_id: int):
    """Put a person on today's team or take them off."""
    db = get_session()
    employee = get_owned(Employee, employee_id)
    try:
        field.today.toggle_on_team(db, user=current_user, employee=employee, day=local_today(),
                               on_team=TeamForm().on.data)
    except field.captures.FieldError:
        abort(409)
    db.commit()
    return see_other(url_for("today.team_edit"))


@bp.route("/equipe")
@requires("field.capture")
def team_edit():
    """Choose who is on site today."""
    db = get_session()
    team = field.today.team_today(db, user=current_user, day=local_today())
    on_team = {e.id for e in team.employees}
    return render("field/today/team.html", candidates=field.today.team_candidates(db, user=current_user), on_team=on_team,
                  team=team)


@bp.route("/point/<int:worksite_id>", methods=["POST"])
@requires("field.capture")
@form(BriefingForm)
def briefing(worksite_id: int):
    """Save the point du matin of a work site for today."""
    db = get_session()
    worksite = get_owned(Worksite, worksite_id)
    note = BriefingForm()
    safety, organisation = note.safety.data, note.organisation.data
    errors = {}
    if len(safety) > 1000:
        errors["safety"] = "1000 caractères au plus."
    if len(organisation) > 2000:
        errors["organisation"] = "2000 caractères au plus."
    row = None
    if not errors:
        # A point du matin typed offline and sent the next day belongs to the day it was typed.
        when = happened_at()
        day = min(dates.local_day(when, current_user.timezone), local_today())
        row = field.today.save_briefing(db, user=current_user, worksite=worksite, day=day, safety=safety,
                                        organisation=organisation, today=local_today(), happened_at=when)
        db.commit()
    if not request.htmx:
        return see_other(url_for("today.index"))
    return render("field/today/_briefing.html", worksite=worksite, briefing=row, errors=errors,
                  values={"safety": safety, "organisation": organisation}, saved=not errors,
                  status=422 if errors else 200)


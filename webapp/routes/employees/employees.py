"""Employees: list and search, profile, creation and edit with the CDDI contract."""
from flask import Blueprint, request, url_for
from flask_login import current_user
from sqlmodel import select

from webapp.domain.accounts.users import structure_users
from webapp.domain.employees import employees as service
from webapp.domain.employees.names import NameRefused, clean_person_name
from webapp.domain.skills import skills
from webapp.models import Contract, Employee, Worksite
from webapp.routes._web.db_session import get_session
from webapp.routes._web.forms import choices, form
from webapp.routes._web.permissions import allowed, requires
from webapp.routes._web.views import get_owned, render, see_other
from webapp.routes.employees.forms import EmployeeForm, EmployeeSearch, RenewalForm

bp = Blueprint("employees", __name__, url_prefix="/salaries")

PAGE_SIZE = 30


@bp.route("/")
@requires("employee.list")
@form(query=EmployeeSearch)
def index():
    """List and search the structure's employees."""
    search = EmployeeSearch()
    query, include_inactive = search.q.data, search.sortis.data
    page = max(1, min(search.page.data or 1, 1000)) if not search.page.errors else 1
    rows = service.search_employees(
        get_session(), current_user.structure_id, query, include_inactive,
        limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE,
    )
    return render(
        "employees/employees/index.html", "employees/employees/_results.html",
        rows=rows[:PAGE_SIZE], has_more=len(rows) > PAGE_SIZE, page=page, q=query,
        include_inactive=include_inactive,
    )


def _form_choices(form: EmployeeForm) -> None:
    """Fill the select lists with the structure's sites and staff."""
    db = get_session()
    sid = current_user.structure_id
    sites = db.exec(select(Worksite).where(Worksite.structure_id == sid, Worksite.active.is_(True)).order_by(Worksite.name)).all()
    form.worksite_id.choices = choices([("", "— Aucun —")] + [(s.id, f"{s.name} ({s.sector})") for s in sites])
    form.referent_cip_id.choices = choices(
        [("", "— Aucun(e) —")] + [(u.id, u.full_name) for u in structure_users(db, sid, "counsellor")])
    form.referent_eti_id.choices = choices(
        [("", "— Aucun(e) —")] + [(u.id, u.full_name) for u in structure_users(db, sid, "supervisor")])


def _apply(form: EmployeeForm, employee: Employee) -> None:
    """Copy the declared identity fields of the form onto the employee."""
    for name in ("first_name", "last_name", "phone", "email", "worksite_id", "referent_cip_id",
                 "referent_eti_id", "pass_iae_number", "pass_iae_end"):
        setattr(employee, name, getattr(form, name).data or (None if name.endswith(("_id", "_end")) else ""))


def _names_ok(form: EmployeeForm) -> bool:
    """Names normalised by the domain's rule; a refusal is attached to its field."""
    ok = True
    for field in (form.first_name, form.last_name):
        try:
            field.data = clean_person_name(field.data or "")
        except NameRefused as refusal:
            field.errors.append(str(refusal))
            ok = False
    return ok


def _contract_ok(form: EmployeeForm) -> bool:
    """Cross-field contract checks; errors are attached to the form fields."""
    problems = service.contract_problems(form.start_date.data, form.end_date.data,
                                         float(form.weekly_hours.data) if form.weekly_hours.data is not None else None)
    for field, message in problems.items():
        getattr(form, field).errors.append(message)
    return not problems


@bp.route("/nouveau", methods=["GET", "POST"])
@requires("employee.edit")
@form(EmployeeForm)
def create():
    """Create an employee with their first CDDI."""
    form = EmployeeForm()
    _form_choices(form)
    if form.validate_on_submit() and all([_names_ok(form), _contract_ok(form)]):
        db = get_session()
        employee = Employee(structure_id=current_user.structure_id, first_name="", last_name="")
        _apply(form, employee)
        db.add(employee)
        db.flush()
        db.add(Contract(
            structure_id=employee.structure_id, employee_id=employee.id,
            start_date=form.start_date.data, end_date=form.end_date.data,
            weekly_hours=float(form.weekly_hours.data), job_title=form.job_title.data or "",
        ))
        db.commit()
        return see_other(url_for("employees.show", employee_id=employee.id))
    status = 422 if form.errors else 200
    return render("employees/employees/form.html", "employees/employees/_form.html", form=form, employee=None, status=status)


@bp.route("/<int:employee_id>")
@requires("employee.view")
def show(employee_id: int):
    """An employee's page: identity, contract, referents."""
    db = get_session()
    employee = get_owned(Employee, employee_id)
    contracts = service.contracts_of(db, employee.id)
    staff = service.staff_names(db, [employee.referent_cip_id, employee.referent_eti_id])
    worksite = db.get(Worksite, employee.worksite_id) if employee.worksite_id else None
    return render(
        "employees/employees/show.html", employee=employee, contracts=contracts,
        current=contracts[-1] if contracts else None, warnings=service.contract_warnings(contracts),
        cip=staff.get(employee.referent_cip_id), eti=staff.get(employee.referent_eti_id),
        worksite=worksite, renewal_form=RenewalForm(),
        skills_progress=skills.progress(db, employee.id) if allowed("skill.view") else None,
    )


@bp.route("/<int:employee_id>/modifier", methods=["GET", "POST"])
@requires("employee.edit")
@form(EmployeeForm)
def edit(employee_id: int):
    """Edit an employee and their current contract period."""
    db = get_session()
    employee = get_owned(Employee, employee_id)
    contracts = service.contracts_of(db, employee.id)
    current = contracts[-1] if contracts else None
    if request.method == "GET":
        form = EmployeeForm(obj=employee)
        if current:
            form.start_date.data, form.end_date.data = current.start_date, current.end_date
            form.weekly_hours.data, form.job_title.data = current.weekly_hours, current.job_title
    else:
        form = EmployeeForm()
    _form_choices(form)
    if form.validate_on_submit() and all([_names_ok(form), _contract_ok(form)]):
        _apply(form, employee)
        if current is None:
            current = Contract(structure_id=employee.structure_id, employee_id=employee.id,
                               start_date=form.start_date.data, end_date=form.end_date.data)
        current.start_date, current.end_date = form.start_date.data, form.end_date.data
        current.weekly_hours, current.job_title = float(form.weekly_hours.data), form.job_title.data or ""
        db.add_all([employee, current])
        db.commit()
        return see_other(url_for("employees.show", employee_id=employee.id))
    status = 422 if form.errors else 200
    return render("employees/employees/form.html", "employees/employees/_form.html", form=form, employee=employee, status=status)


@bp.route("/<int:employee_id>/renouveler", methods=["POST"])
@requires("employee.edit")
@form(RenewalForm)
def renew(employee_id: int):
    """Add a renewal period to the employee's CDDI."""
    db = get_session()
    employee = get_owned(Employee, employee_id)
    contracts = service.contracts_of(db, employee.id)
    form = RenewalForm()
    if not contracts:
        form.end_date.errors = ["Aucun contrat à renouveler : saisissez d'abord le contrat."]
    elif form.validate_on_submit():
        if form.end_date.data <= contracts[-1].end_date:
            form.end_date.errors.append("La nouvelle fin doit être après la fin du contrat en cours.")
        else:
            service.renew_contract(db=db, employee=employee, end_date=form.end_date.data,
                                   weekly_hours=float(form.weekly_hours.data))
            db.commit()
            return see_other(url_for("employees.show", employee_id=employee.id))
    return render("employees/employees/renewal.html", "employees/employees/_renewal.html", form=form,
                  employee=employee, status=422)

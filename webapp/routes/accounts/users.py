"""Staff accounts of the structure, managed by direction."""
from flask import Blueprint, url_for
from flask_login import current_user

from webapp.domain import accounts
from webapp.domain.accounts.passwords import password_problem
from webapp.models import User
from webapp.routes._web.db_session import get_session
from webapp.routes._web.forms import form
from webapp.routes._web.permissions import requires
from webapp.routes._web.views import client_ip, get_owned, render, see_other
from webapp.routes.accounts.forms import UserForm

bp = Blueprint("users", __name__, url_prefix="/comptes")


@bp.route("/")
@requires("user.manage")
def index():
    """The structure's accounts."""
    users = accounts.users.structure_users(get_session(), current_user.structure_id)
    return render("accounts/users/index.html", users=users)


def _password_ok(form: UserForm, required: bool) -> bool:
    password = form.password.data or ""
    if not password and not required:
        return True
    problem = password_problem(password) if password else "Ce champ est obligatoire."
    if problem:
        form.password.errors = [*form.password.errors, problem]
    return problem is None


@bp.route("/nouveau", methods=["GET", "POST"])
@requires("user.manage")
@form(UserForm)
def create():
    """Create an account in the structure."""
    form = UserForm()
    if form.validate_on_submit() and _password_ok(form, required=True):
        db = get_session()
        try:
            accounts.users.create_user(actor=current_user, ip=client_ip(), 
                db=db, structure_id=current_user.structure_id, email=form.email.data,
                full_name=form.full_name.data, role=form.role.data, phone=form.phone.data or "",
                password=form.password.data,
            )
        except accounts.users.AccountError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            db.commit()
            return see_other(url_for("users.index"))
    status = 422 if form.errors else 200
    return render("accounts/users/form.html", "accounts/users/_form.html", form=form, account=None, status=status)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@requires("user.manage")
@form(UserForm)
def edit(user_id: int):
    """Edit an account; deactivating it ends its sessions at once."""
    db = get_session()
    account = get_owned(User, user_id)
    form = UserForm(obj=account)
    if form.validate_on_submit() and _password_ok(form, required=False):
        if account.id == current_user.id and (not form.active.data or form.role.data != "director"):
            form.active.errors = ["Vous ne pouvez pas retirer votre propre accès de direction."]
        else:
            try:
                accounts.users.update_user(actor=current_user, ip=client_ip(), 
                    db=db, user=account, email=form.email.data, full_name=form.full_name.data,
                    role=form.role.data, phone=form.phone.data or "", active=form.active.data,
                    password=form.password.data or None,
                )
            except accounts.users.AccountError as error:
                getattr(form, error.field).errors.append(str(error))
            else:
                db.commit()
                return see_other(url_for("users.index"))
    status = 422 if form.errors else 200
    return render("accounts/users/form.html", "accounts/users/_form.html", form=form, account=account, status=status)

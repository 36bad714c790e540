"""Structure settings (direction) and structures of the instance (admin)."""
from flask import Blueprint, url_for
from flask_login import current_user
from sqlmodel import select

from webapp.domain import accounts
from webapp.domain.accounts import audit
from webapp.domain.accounts.passwords import password_problem
from webapp.models import Structure
from webapp.routes._web.db_session import get_session
from webapp.routes._web.forms import form
from webapp.routes._web.permissions import requires
from webapp.routes._web.views import client_ip, render, see_other
from webapp.routes.accounts.forms import NewStructureForm, StructureForm

bp = Blueprint("structure", __name__)

SETTINGS = ("name", "kind", "siret", "address", "phone", "retention_months", "timezone")


@bp.route("/structure", methods=["GET", "POST"])
@requires("structure.edit")
@form(StructureForm)
def edit():
    """Edit the settings of the director's structure."""
    db = get_session()
    structure = db.get(Structure, current_user.structure_id)
    settings = StructureForm(obj=structure)
    saved = False
    if settings.validate_on_submit():
        before = {name: getattr(structure, name) for name in SETTINGS}
        for name in ("name", "kind", "siret", "address", "phone", "timezone"):
            setattr(structure, name, getattr(settings, name).data or "")
        structure.retention_months = int(settings.retention_months.data)
        changed = [name for name in SETTINGS if getattr(structure, name) != before[name]]
        if changed:
            audit.record(db, user=current_user, ip=client_ip(), action="structure.settings", object_type="structure", object_id=structure.id,
                         detail=", ".join(changed))
        db.add(structure)
        db.commit()
        saved = True
    status = 422 if settings.errors else 200
    return render("accounts/structure/edit.html", "accounts/structure/_form.html", form=settings, saved=saved, status=status)


@bp.route("/structures", methods=["POST"])
@requires("instance.admin")
@form(NewStructureForm)
def create():
    """Create a structure and its first director account."""
    db = get_session()
    form = NewStructureForm()
    if form.validate_on_submit():
        problem = password_problem(form.director_password.data)
        if problem:
            form.director_password.errors.append(problem)
        elif accounts.users.email_taken(db, form.director_email.data):
            form.director_email.errors.append("Un compte utilise déjà cette adresse e-mail.")
        else:
            structure = accounts.users.create_structure(db=db, name=form.name.data, kind=form.kind.data,
                                                  siret=form.siret.data or "", address=form.address.data or "")
            accounts.users.create_user(actor=current_user, ip=client_ip(), db=db, structure_id=structure.id, email=form.director_email.data,
                                 full_name=form.director_name.data, role="director",
                                 password=form.director_password.data)
            db.commit()
            return see_other(url_for("home.index"))
    structures = db.exec(select(Structure).order_by(Structure.name)).all()
    return render("shell/home/admin.html", "accounts/structure/_new.html", form=form, structures=structures, status=422)

"""Échéances: the prioritised list of what is due for the user's employees."""

from flask import Blueprint
from flask_login import current_user

from webapp.domain.followup import deadlines as service
from webapp.routes._web.db_session import get_session
from webapp.routes._web.permissions import requires
from webapp.routes._web.views import local_today, render

bp = Blueprint("deadlines", __name__, url_prefix="/echeances")


@bp.route("/")
@requires("deadline.view")
def index():
    """Contracts and PASS ending, bilans due, objectives past due, welcome steps left: red, orange, green."""
    items = service.deadlines(get_session(), user=current_user, today=local_today())
    return render("followup/deadlines/index.html", items=items, counts=service.counts(items), levels=service.LEVELS)

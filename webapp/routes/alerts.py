"""Urgent alerts (the full flow comes with its own issue; these pages say so)."""
from flask import Blueprint

from webapp.policy import requires
from webapp.views import render

bp = Blueprint("alerts", __name__, url_prefix="/alertes")


@bp.route("/")
@requires("employee.list")
def index():
    """Inbox of alerts (placeholder)."""
    return render("alerts/placeholder.html", inbox=True)


@bp.route("/nouvelle")
@requires("alert.raise")
def new():
    """Raise an alert (placeholder that gives the phone numbers meanwhile)."""
    return render("alerts/placeholder.html", inbox=False)

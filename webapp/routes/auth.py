"""Login and logout."""
from urllib.parse import urlsplit

from flask import Blueprint, redirect, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from webapp.auth import CurrentUser, authenticate, end_session, start_session
from webapp.db import get_session
from webapp.forms import LoginForm
from webapp.views import render

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only follow a `next` that stays on this site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form; on success, open a fresh server-side session."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        db = get_session()
        user, error = authenticate(db, form.email.data, form.password.data, request.remote_addr or "")
        if user is not None:
            session.clear()  # a new session id at login: nothing from before survives
            token, row = start_session(db, user)
            session["sid"] = token
            session.permanent = True
            login_user(CurrentUser(user, row))
            return redirect(_safe_next(request.args.get("next")), code=303)
    status = 422 if request.method == "POST" else 200
    return render("auth/login.html", form=form, error=error, status=status)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """End the session on the server, then in the browser."""
    end_session(get_session(), session.get("sid", ""))
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"), code=303)

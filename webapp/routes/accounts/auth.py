"""Login (password, then the second factor when set up) and logout."""
import re
import secrets
import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, redirect, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from webapp.domain.accounts import audit, passkeys
from webapp.domain.accounts.auth import (
    authenticate,
    consume_second_factor,
    end_session,
    known_device,
    record_failure,
    record_success,
    start_session,
    throttle,
)
from webapp.models import User
from webapp.routes._web.db_session import get_session
from webapp.routes._web.forms import EmptyForm, form
from webapp.routes._web.login import CurrentUser
from webapp.routes._web.views import client_ip, relying_party, render
from webapp.routes.accounts.forms import (
    LoginForm,
    NextQuery,
    PasskeyAssertion,
    TotpForm,
)

bp = Blueprint("auth", __name__)

PENDING_SECONDS = 300


def _safe_next(target: str | None) -> str:
    """Only follow a `next` that stays on this site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("home.index")


# A random token naming this browser: once an account logged in from it, its password logins stay open
# while strangers guessing that account's password are throttled.
DEVICE_COOKIE = "terrain_device"
DEVICE_DAYS = 365
_DEVICE_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


def _device_token() -> str:
    """This browser's device token, or "" when it has none (or a malformed one)."""
    token = request.cookies.get(DEVICE_COOKIE, "")
    return token if _DEVICE_TOKEN.match(token) else ""


def _complete_login(db, user: User, next_url: str):
    """Open a fresh server-side session (new cookie) for `user`, remember this browser, and go on."""
    session.clear()  # a new session at login: nothing from before survives
    device = _device_token() or secrets.token_urlsafe(32)
    record_success(db, user, request.remote_addr or "", device)
    token, row = start_session(db, user, ip=request.remote_addr or "", user_agent=request.user_agent.string or "")
    session["sid"] = token
    session.permanent = True
    login_user(CurrentUser(user, row))
    response = redirect(_safe_next(next_url), code=303)
    response.set_cookie(DEVICE_COOKIE, device, max_age=DEVICE_DAYS * 86400, httponly=True, samesite="Lax",
                        secure=current_app.config["HTTPS"])
    return response


@bp.route("/login", methods=["GET", "POST"])
@form(LoginForm, query=NextQuery)
def login():
    """Show the login form; on success, open a session or ask for the second factor."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    login_form = LoginForm()
    next_url = NextQuery().next.data
    error = None
    if login_form.validate_on_submit():
        db = get_session()
        user, error = authenticate(db, login_form.email.data, login_form.password.data, request.remote_addr or "",
                                   _device_token())
        if user is not None:
            if user.totp_secret:
                session.clear()
                session["pending_user"] = user.id
                session["pending_at"] = time.time()
                session["pending_next"] = next_url
                return redirect(url_for("auth.second_factor"), code=303)
            return _complete_login(db, user, next_url)
    status = 422 if request.method == "POST" else 200
    return render("accounts/auth/login.html", form=login_form, error=error, status=status)


@bp.route("/login/code", methods=["GET", "POST"])
@form(TotpForm)
def second_factor():
    """Ask for the 6-digit code of the authenticator app."""
    pending = session.get("pending_user")
    if not pending or time.time() - session.get("pending_at", 0) > PENDING_SECONDS:
        session.clear()
        return redirect(url_for("auth.login"))
    db = get_session()
    user = db.get(User, pending)
    if user is None or not user.active or not user.totp_secret:
        session.clear()
        return redirect(url_for("auth.login"))
    code_form = TotpForm()
    error = None
    if code_form.validate_on_submit():
        ip = request.remote_addr or ""
        device = known_device(db, user.id, _device_token())
        error = throttle(db, email=user.email, ip=ip, device=device)
        if error is None:
            if consume_second_factor(db, user, code_form.code.data):
                return _complete_login(db, user, session.get("pending_next"))
            record_failure(db, user.email, user, ip, "code de double authentification", device)
            db.commit()
            error = "Code incorrect ou expiré."
    status = 422 if request.method == "POST" else 200
    return render("accounts/auth/code.html", form=code_form, error=error, status=status)


@bp.route("/login/passkey/options", methods=["POST"])
@form(EmptyForm)
def passkey_options():
    """Challenge for logging in with a passkey."""
    options, challenge = passkeys.authentication_options(rp=relying_party())
    session["passkey_login_challenge"] = challenge.hex()
    return options, 200, {"Content-Type": "application/json"}


@bp.route("/login/passkey", methods=["POST"])
@form(PasskeyAssertion, query=NextQuery)
def passkey_login():
    """Log in with a passkey assertion (a passkey with user verification stands for both factors)."""
    challenge = session.pop("passkey_login_challenge", None)
    db = get_session()
    user = None
    if challenge and PasskeyAssertion.read() is not None:
        user = passkeys.authenticate(db, PasskeyAssertion.raw_body(), bytes.fromhex(challenge),
                                     rp=relying_party())
    if user is None:
        record_failure(db, "", None, request.remote_addr or "", "clé d'accès refusée")
        db.commit()
        return {"error": "Clé d'accès non reconnue. Connectez-vous avec votre mot de passe."}, 400
    response = _complete_login(db, user, NextQuery().next.data)
    answer = jsonify(redirect=response.headers["Location"])
    for cookie in response.headers.getlist("Set-Cookie"):
        answer.headers.add("Set-Cookie", cookie)
    return answer


@bp.route("/logout", methods=["POST"])
@login_required
@form(EmptyForm)
def logout():
    """End the session on the server, then in the browser."""
    db = get_session()
    audit.record(db, user=current_user, ip=client_ip(), action="logout")
    end_session(db, session.get("sid", ""))
    logout_user()
    session.clear()
    response = redirect(url_for("auth.login"), code=303)
    # Nothing personal stays on the phone: cached capture screens and the (already sent) outbox are wiped.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response

"""The user's own account: open sessions, password, second factor."""
import json

from flask import Blueprint, abort, current_app, session, url_for
from flask_login import current_user, login_required
from sqlmodel import col, select

from webapp.domain.accounts import audit, passkeys, totp
from webapp.domain.accounts.auth import (
    end_all_sessions,
    hash_password,
    needs_second_factor_setup,
    verify_password,
)
from webapp.domain.accounts.passwords import password_problem
from webapp.models import Passkey, User, UserSession, utcnow
from webapp.routes._web.db_session import get_session
from webapp.routes._web.forms import EmptyForm, form
from webapp.routes._web.views import client_ip, relying_party, render, see_other
from webapp.routes.accounts.forms import (
    PasskeyRegistration,
    PasswordChangeForm,
    TotpForm,
)

bp = Blueprint("account", __name__, url_prefix="/compte")


def _open_sessions(db):
    return db.exec(
        select(UserSession)
        .where(UserSession.user_id == current_user.id, UserSession.ended_at.is_(None),
               UserSession.expires_at > utcnow())
        .order_by(col(UserSession.last_seen_at).desc())
    ).all()


@bp.route("/")
@login_required
def index():
    """Identity, open sessions, security settings, logout."""
    db = get_session()
    return render("accounts/account/index.html", "accounts/account/_sessions.html", sessions=_open_sessions(db),
                  passkey_list=_passkeys(db))


def _passkeys(db):
    return db.exec(select(Passkey).where(Passkey.user_id == current_user.id).order_by(Passkey.created_at)).all()


@bp.route("/cles/options", methods=["POST"])
@login_required
@form(EmptyForm)
def passkey_options():
    """Challenge for registering a new passkey on this device."""
    options, challenge = passkeys.registration_options(get_session(), current_user.user, rp=relying_party())
    session["passkey_register_challenge"] = challenge.hex()
    return options, 200, {"Content-Type": "application/json"}


@bp.route("/cles", methods=["POST"])
@login_required
@form(PasskeyRegistration)
def passkey_register():
    """Store the passkey the browser just created."""
    challenge = session.pop("passkey_register_challenge", None)
    body = PasskeyRegistration.read()
    if not challenge or body is None:
        return {"error": "Demande invalide : recommencez."}, 400
    db = get_session()
    try:
        passkeys.register(db, current_user.user, json.dumps(body.credential), bytes.fromhex(challenge),
                          body.name.strip(), rp=relying_party())
    except ValueError as error:
        return {"error": str(error)}, 400
    audit.record(db, user=current_user, ip=client_ip(), action="user.passkey", object_type="user", object_id=current_user.id, detail="ajoutée")
    db.commit()
    return {"ok": True}, 201


@bp.route("/cles/<int:passkey_id>/supprimer", methods=["POST"])
@login_required
@form(EmptyForm)
def passkey_delete(passkey_id: int):
    """Remove one of the user's passkeys."""
    db = get_session()
    passkey = db.get(Passkey, passkey_id)
    if passkey is None or passkey.user_id != current_user.id:
        abort(404)
    db.delete(passkey)
    audit.record(db, user=current_user, ip=client_ip(), action="user.passkey", object_type="user", object_id=current_user.id, detail="supprimée")
    db.commit()
    return see_other(url_for("account.index"))


@bp.route("/sessions/<int:session_id>/fermer", methods=["POST"])
@login_required
@form(EmptyForm)
def end_session(session_id: int):
    """End one of the user's other sessions (another phone, a forgotten computer)."""
    db = get_session()
    row = db.get(UserSession, session_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    if row.ended_at is None:
        row.ended_at = utcnow()
        db.add(row)
        audit.record(db, user=current_user, ip=client_ip(), action="session.end", object_type="session", object_id=row.id)
        db.commit()
    return render("accounts/account/index.html", "accounts/account/_sessions.html", sessions=_open_sessions(db))


@bp.route("/sessions/fermer-autres", methods=["POST"])
@login_required
@form(EmptyForm)
def end_other_sessions():
    """End every session of the user except this one."""
    db = get_session()
    for row in _open_sessions(db):
        if row.id != current_user.user_session.id:
            row.ended_at = utcnow()
            db.add(row)
    audit.record(db, user=current_user, ip=client_ip(), action="session.end", detail="toutes les autres sessions")
    db.commit()
    return render("accounts/account/index.html", "accounts/account/_sessions.html", sessions=_open_sessions(db))


@bp.route("/mot-de-passe", methods=["GET", "POST"])
@login_required
@form(PasswordChangeForm)
def password():
    """Change one's password; every other session ends."""
    db = get_session()
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = db.get(User, current_user.id)
        problem = password_problem(form.new.data)
        if not verify_password(user, form.current.data):
            form.current.errors.append("Mot de passe actuel incorrect.")
        elif problem:
            form.new.errors.append(problem)
        else:
            user.password_hash = hash_password(form.new.data)
            db.add(user)
            end_all_sessions(db, user.id)
            keep = db.get(UserSession, current_user.user_session.id)
            keep.ended_at = None
            db.add(keep)
            audit.record(db, user=current_user, ip=client_ip(), action="user.password", object_type="user", object_id=user.id)
            db.commit()
            return see_other(url_for("account.index"))
    status = 422 if form.errors else 200
    return render("accounts/account/password.html", "accounts/account/_password.html", form=form, status=status)


@bp.route("/double-authentification", methods=["GET", "POST"], endpoint="totp")
@login_required
@form(TotpForm)
def totp_setup():
    """Set up the authenticator app: scan the QR code, confirm with a code."""
    db = get_session()
    form = TotpForm()
    secret = session.get("totp_pending") or totp.new_secret()
    session["totp_pending"] = secret
    if form.validate_on_submit():
        step = totp.accepted_step(secret, form.code.data, None)
        if step is None:
            form.code.errors.append("Code incorrect : vérifiez l'heure du téléphone et réessayez.")
        else:
            user = db.get(User, current_user.id)
            user.totp_secret, user.totp_last_step = secret, step
            db.add(user)
            audit.record(db, user=current_user, ip=client_ip(), action="user.totp", object_type="user", object_id=user.id, detail="activée")
            db.commit()
            session.pop("totp_pending", None)
            return see_other(url_for("account.index"))
    uri = totp.provisioning_uri(secret, current_user.email)
    status = 422 if form.errors else 200
    return render("accounts/account/totp.html", form=form, secret=secret, qr=totp.qr_svg_data_uri(uri),
                  required=needs_second_factor_setup(current_user, current_app.config["TOTP_REQUIRED_ROLES"]), status=status)


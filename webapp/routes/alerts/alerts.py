"""Urgent alerts: raise, follow, inbox, acknowledge, resolve; push subscriptions; director's figures."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, jsonify, request, url_for
from flask_login import current_user
from sqlmodel import col, select

from webapp.domain.accounts import audit
from webapp.domain.alerts import alerts as service
from webapp.domain.alerts.escalation import base_url
from webapp.models import Alert, Employee, PushSubscription, User
from webapp.platform import idempotency
from webapp.platform.db import write_after_read
from webapp.platform.delivery.push import endpoint_allowed, public_key
from webapp.routes._web.capture import content_hash, in_flight
from webapp.routes._web.db_session import get_session
from webapp.routes._web.forms import EmptyForm, form, new_key
from webapp.routes._web.permissions import allowed, requires
from webapp.routes._web.views import (
    client_ip,
    get_owned,
    is_fragment_request,
    render,
    see_other,
)
from webapp.routes.alerts.forms import (
    AlertForm,
    AlertSettingsForm,
    NewAlertQuery,
    PushSubscriptionBody,
    ResolveForm,
    StatusQuery,
)

bp = Blueprint("alerts", __name__, url_prefix="/alertes")


def _poll_seconds() -> int:
    return int(current_app.config.get("ALERTS_POLL_SECONDS", 10))


def _structure_phone() -> str:
    """The structure's own number, offered in the offline panel (kept on the phone with the alert form)."""
    return current_user.structure_phone


def _common():
    return {"structure_phone": _structure_phone(), "severity_labels": service.SEVERITY_LABELS, "severity_symbols": service.SEVERITY_SYMBOLS,
            "status_labels": service.STATUS_LABELS, "event_labels": service.EVENT_LABELS,
            "poll_seconds": _poll_seconds(), "number_labels": service.NUMBER_LABELS}


def _readable(alert_id: int) -> Alert:
    """The alert if the current user may read its text, else 404."""
    alert = get_owned(Alert, alert_id)
    if not service.can_read(get_session(), alert, current_user):
        abort(404)
    return alert


@bp.route("/")
@requires("alert.view")
def index():
    """Inbox: open alerts by severity then age, recently closed; figures for direction."""
    db = get_session()
    listed = service.inbox(db, current_user)
    lists = {"open_rows": listed.open_rows, "open_total": listed.open_total, "closed_rows": listed.closed_rows}
    if is_fragment_request():  # the inbox polling itself: only the list
        return render("alerts/alerts/index.html", "alerts/alerts/_inbox.html", **lists, **_common())
    figures = (service.response_times(db, current_user.structure_id, timezone=current_user.timezone)
               if allowed("alert.stats") else None)
    subscribed = db.exec(select(PushSubscription.id).where(PushSubscription.user_id == current_user.id)).first()
    return render("alerts/alerts/index.html", **lists, figures=figures,
                  vapid_key=public_key(_config()), subscribed=subscribed is not None, **_common())


@bp.route("/badge")
@requires("alert.view")
def badge():
    """The count of alerts waiting for the user, for the navigation badge, and the urgent banner out of band."""
    waiting = service.waiting_for(get_session(), current_user)
    first = waiting[0] if waiting else None
    return render("alerts/alerts/_badge.html", "alerts/alerts/_badge.html", count=len(waiting), first=first,
                  alert_type=service.alert_type(first[0].type_code) if first else None,
                  may_acknowledge=allowed("alert.acknowledge"))


def _form_context(form: AlertForm, status: int = 200):
    team, others = service.employees_for_alert(get_session(), current_user)
    cips = _referent_cips(team + others)
    return render("alerts/alerts/new.html", "alerts/alerts/_form.html", form=form, team=team, others=others,
                  types=service.alert_types(), cips=cips, status=status, **_common())


def _referent_cips(employees: list[Employee]) -> dict[int, User]:
    """Referent CIPs of these employees by id (their phone goes on the offline screen)."""
    ids = {e.referent_cip_id for e in employees if e.referent_cip_id}
    if not ids:
        return {}
    return {u.id: u for u in get_session().exec(select(User).where(col(User.id).in_(ids))).all()}


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


@bp.route("/nouvelle", methods=["GET", "POST"])
@requires("alert.raise")
@form(AlertForm, query=NewAlertQuery)
def new():
    """Raise an alert: employee, situation, a few facts, send (the person preselected from their card or page)."""
    form = AlertForm()
    if request.method == "GET":
        form.client_key.data = new_key()
        form.raiser_id.data = current_user.id
        form.employee_id.data = NewAlertQuery().salarie.data
        return _form_context(form)
    if form.raiser_id.typed() and form.raiser_id.data != current_user.id:
        # An alert kept on a shared phone is only ever sent by the account that wrote it.
        return "Cette alerte a été préparée par un autre compte.", 409
    if form.validate_on_submit():
        db = get_session()
        try:
            alert, _created = service.raise_alert(
                db=db, raiser=current_user, employee_id=form.employee_id.data, type_code=form.type_code.data or "",
                facts=form.facts.data or "", client_key=form.client_key.data or "",
                raised_at=_parse_time(form.raised_at.data), base_url=base_url(current_app),
                content_hash=content_hash(form),
            )
            db.commit()
        except service.AlertError as error:
            db.rollback()
            target = getattr(form, error.field, form.employee_id)
            target.errors = [*target.errors, error.message]
        except idempotency.KeyInFlight as problem:
            db.rollback()
            return in_flight(problem)
        except idempotency.KeyReused as problem:
            db.rollback()
            form.client_key.errors = [str(problem)]
            form.client_key.data = new_key()  # sending again raises this alert as a new one
        else:
            return see_other(url_for(".show", alert_id=alert.id), reload=True)
    return _form_context(form, status=422)


def _show_context(alert: Alert):
    db = get_session()
    employee = db.get(Employee, alert.employee_id)
    cip = db.get(User, employee.referent_cip_id) if employee.referent_cip_id else None
    raiser = db.get(User, alert.raised_by_id)
    owner = db.get(User, alert.owner_id) if alert.owner_id else None
    recipient = service.recipient_row(db, alert, current_user.id)
    atype = service.alert_type(alert.type_code)
    events = service.history(db, alert)
    return dict(
        alert=alert, employee=employee, cip=cip, raiser=raiser, owner=owner, atype=atype,
        numbers=service.useful_numbers(atype.numbers if atype else ()),
        events=events, version=f"{alert.status}-{alert.escalation_level}-{len(events)}", is_recipient=recipient is not None,
        may_acknowledge=recipient is not None and allowed("alert.acknowledge") and alert.status in service.OPEN_STATUSES,
        may_resolve=alert.status == "acknowledged" and allowed("alert.resolve")
        and (alert.owner_id == current_user.id or current_user.role in ("coordinator", "director")),
        **_common(),
    )


@bp.route("/<int:alert_id>")
@requires("alert.view")
def show(alert_id: int):
    """One alert: status as it changes, useful numbers, actions for its recipients, history."""
    db = get_session()
    alert = _readable(alert_id)
    is_recipient = service.recipient_row(db, alert, current_user.id) is not None
    if request.method != "HEAD":  # a HEAD shows nothing: the alert is neither seen nor read
        with write_after_read(db):
            if is_recipient:
                service.mark_seen(db=db, alert=alert, user=current_user)
            # Alert facts may touch health or justice: every opening of the page is traced.
            audit.record(db, user=current_user, ip=client_ip(), action="alert.read", object_type="alert",
                         object_id=alert.id, employee_id=alert.employee_id)
    return render("alerts/alerts/show.html", form=ResolveForm(), **_show_context(alert))


@bp.route("/<int:alert_id>/statut")
@requires("alert.view")
@form(query=StatusQuery)
def status(alert_id: int):
    """The status block of an alert, polled by the page that shows it."""
    alert = _readable(alert_id)
    context = _show_context(alert)
    if StatusQuery().v.data == context["version"]:
        return "", 204  # unchanged: htmx keeps the block (and screen readers hear nothing new)
    return render("alerts/alerts/_status.html", "alerts/alerts/_status.html", **context)


def _refused(alert: Alert, message: str | None, form: ResolveForm | None = None):
    """The alert page again with a French message, status 422 (htmx swaps it)."""
    context = _show_context(alert)
    if message is None and form is not None and form.note.errors and not context["may_resolve"]:
        message = form.note.errors[0]  # the note field is not on the page: say it above
    return render("alerts/alerts/show.html", form=form or ResolveForm(), error=message, status=422, **context)


@bp.route("/<int:alert_id>/prise-en-charge", methods=["POST"])
@requires("alert.acknowledge")
@form(EmptyForm)
def acknowledge(alert_id: int):
    """The current user takes charge of the alert."""
    db = get_session()
    alert = _readable(alert_id)
    try:
        service.acknowledge(db=db, alert=alert, user=current_user, base_url=base_url(current_app))
        db.commit()
    except service.AlertError as error:
        db.rollback()
        return _refused(db.get(Alert, alert_id), error.message)
    return see_other(url_for(".show", alert_id=alert.id), reload=True)


@bp.route("/<int:alert_id>/cloture", methods=["POST"])
@requires("alert.resolve")
@form(ResolveForm)
def resolve(alert_id: int):
    """Close the alert with a note."""
    db = get_session()
    alert = _readable(alert_id)
    form = ResolveForm()
    if form.validate_on_submit():
        try:
            service.resolve(db=db, alert=alert, user=current_user, note=form.note.data or "",
                            base_url=base_url(current_app))
            db.commit()
            return see_other(url_for(".show", alert_id=alert.id), reload=True)
        except service.AlertError as error:
            db.rollback()
            form.note.errors = [*form.note.errors, error.message]
    return _refused(db.get(Alert, alert_id), None, form)


@bp.route("/abonnements", methods=["POST"])
@requires("push.subscribe")
@form(PushSubscriptionBody)
def subscribe():
    """Store this device's Web Push subscription for the current user."""
    body = PushSubscriptionBody.read()
    if body is None:
        return jsonify(error="Abonnement aux notifications invalide."), 422
    endpoint, p256dh, auth = body.endpoint, body.keys.p256dh, body.keys.auth
    if not endpoint_allowed(endpoint, testing=current_app.testing) or len(endpoint) > 1000 or not (20 <= len(p256dh) <= 200) or not (8 <= len(auth) <= 100):
        return jsonify(error="Abonnement aux notifications invalide."), 422
    db = get_session()
    sub = db.exec(select(PushSubscription).where(PushSubscription.endpoint == endpoint)).first()
    if sub is None:
        sub = PushSubscription(structure_id=current_user.structure_id, user_id=current_user.id,
                               endpoint=endpoint, p256dh=p256dh, auth=auth)
    sub.structure_id, sub.user_id, sub.p256dh, sub.auth = current_user.structure_id, current_user.id, p256dh, auth
    sub.user_agent = request.headers.get("User-Agent", "")[:300]
    db.add(sub)
    db.commit()
    return jsonify(status="ok", message="Notifications activées sur cet appareil."), 201


@bp.route("/reglages", methods=["GET", "POST"])
@requires("alert.settings")
@form(AlertSettingsForm)
def settings():
    """The structure's escalation delays by severity and the roles alerted for each situation."""
    db = get_session()
    form = AlertSettingsForm(data=service.escalation_delays(db, current_user.structure_id)
                             if request.method == "GET" else None)
    roles = service.type_roles(db, current_user.structure_id)
    if request.method == "POST":
        roles = {t.code: form.roles.data.get(t.code, ()) for t in service.alert_types()}
    if form.validate_on_submit():
        service.set_escalation_delays(db=db, structure_id=current_user.structure_id,
                                      delays={s: getattr(form, s).data for s in service.SEVERITIES})
        service.set_type_roles(db=db, structure_id=current_user.structure_id, roles=roles)
        db.commit()
        return see_other(url_for(".index"), reload=True)
    return render("alerts/alerts/settings.html", "alerts/alerts/_settings_form.html", form=form, roles=roles,
                  types=service.alert_types(), role_choices=service.ROLE_CHOICES,
                  status=422 if form.errors else 200, **_common())


def _config() -> dict:
    return dict(current_app.config, INSTANCE_PATH=current_app.instance_path)

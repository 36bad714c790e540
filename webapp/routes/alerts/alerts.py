"""Urgent alerts: raise, follow, inbox, acknowledge, resolve; push subscriptions; director's figures."""
from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, jsonify, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from webapp.domain.accounts import audit
from webapp.domain.alerts import alerts as service
from webapp.domain.alerts.escalation import base_url
from webapp.models import Alert, Employee, PushSubscription, User, utcnow
from webapp.platform.db import get_session, writing
from webapp.platform.delivery.push import endpoint_allowed, public_key
from webapp.routes._web.forms import AlertForm, AlertSettingsForm, ResolveForm
from webapp.routes._web.permissions import allowed, requires
from webapp.routes._web.views import get_owned, is_fragment_request, render, see_other

bp = Blueprint("alerts", __name__, url_prefix="/alertes")

PARIS = ZoneInfo("Europe/Paris")


@bp.app_template_filter("local_time")
def local_time(value: datetime | None, with_date: bool = False) -> str:
    """'14:05' (or '03/03/2026 14:05') in the structure's time zone."""
    if value is None:
        return "—"
    local = value.astimezone(PARIS)
    return local.strftime("%d/%m/%Y %H:%M" if with_date else "%H:%M")


@bp.app_template_filter("age")
def age(value: datetime | None) -> str:
    """'il y a 4 min', 'il y a 2 h 05', 'il y a 3 j'."""
    if value is None:
        return "—"
    minutes = max(int((utcnow() - value).total_seconds() // 60), 0)
    if minutes < 1:
        return "à l'instant"
    if minutes < 60:
        return f"il y a {minutes} min"
    if minutes < 24 * 60:
        return f"il y a {minutes // 60} h {minutes % 60:02d}"
    return f"il y a {minutes // 1440} j"


@bp.app_template_filter("minutes")
def minutes_text(value: float | None) -> str:
    """A duration in minutes, for the response-time table."""
    if value is None:
        return "—"
    if value < 60:
        return f"{value:.0f} min"
    return f"{int(value // 60)} h {int(value % 60):02d}"


def _poll_seconds() -> int:
    return int(current_app.config.get("ALERTS_POLL_SECONDS", 10))


def _common():
    return {"severity_labels": service.SEVERITY_LABELS, "severity_symbols": service.SEVERITY_SYMBOLS,
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
    open_rows, closed_rows = service.inbox(db, current_user)
    if is_fragment_request():  # the inbox polling itself: only the list
        return render("alerts/alerts/index.html", "alerts/alerts/_inbox.html", open_rows=open_rows, closed_rows=closed_rows,
                      **_common())
    figures = service.response_times(db, current_user.structure_id) if allowed("alert.stats") else None
    subscribed = db.exec(select(PushSubscription.id).where(PushSubscription.user_id == current_user.id)).first()
    return render("alerts/alerts/index.html", open_rows=open_rows, closed_rows=closed_rows, figures=figures,
                  vapid_key=public_key(_config()), subscribed=subscribed is not None, **_common())


@bp.route("/badge")
@requires("alert.view")
def badge():
    """The count of alerts waiting for the user, for the navigation badge."""
    count = service.unacknowledged_count(get_session(), current_user)
    return render("alerts/alerts/_badge.html", "alerts/alerts/_badge.html", count=count)


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
def new():
    """Raise an alert: employee, situation, a few facts, send."""
    form = AlertForm()
    if request.method == "GET":
        form.client_key.data = uuid.uuid4().hex
        form.raiser_id.data = str(current_user.id)
        return _form_context(form)
    if form.raiser_id.data and form.raiser_id.data != str(current_user.id):
        # An alert kept on a shared phone is only ever sent by the account that wrote it.
        return "Cette alerte a été préparée par un autre compte.", 409
    if form.validate_on_submit():
        db = get_session()
        try:
            employee_id = int(form.employee_id.data) if (form.employee_id.data or "").isdigit() else None
            alert, _created = service.raise_alert(
                db=db, raiser=current_user, employee_id=employee_id, type_code=form.type_code.data or "",
                facts=form.facts.data or "", client_key=form.client_key.data or "",
                raised_at=_parse_time(form.raised_at.data), base_url=base_url(current_app),
            )
            db.commit()
        except service.AlertError as error:
            db.rollback()
            target = getattr(form, error.field, form.employee_id)
            target.errors = [*target.errors, error.message]
        except IntegrityError:
            # The same alert replayed twice at once: the first one stored wins.
            db.rollback()
            alert = db.exec(select(Alert).where(Alert.structure_id == current_user.structure_id,
                                                Alert.client_key == form.client_key.data)).one()
            return see_other(url_for(".show", alert_id=alert.id), reload=True)
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
    db.rollback()  # end the read snapshot; the writes below lock at BEGIN
    if request.method != "HEAD":  # a HEAD shows nothing: the alert is neither seen nor read
        with writing():
            if is_recipient:
                service.mark_seen(db=db, alert=alert, user=current_user)
            # Alert facts may touch health or justice: every opening of the page is traced.
            audit.record(db, action="alert.read", object_type="alert", object_id=alert.id,
                         employee_id=alert.employee_id)
            db.commit()
    return render("alerts/alerts/show.html", form=ResolveForm(), **_show_context(alert))


@bp.route("/<int:alert_id>/statut")
@requires("alert.view")
def status(alert_id: int):
    """The status block of an alert, polled by the page that shows it."""
    alert = _readable(alert_id)
    context = _show_context(alert)
    if request.args.get("v") == context["version"]:
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
def subscribe():
    """Store this device's Web Push subscription for the current user."""
    data = request.get_json(silent=True) or {}
    endpoint = str(data.get("endpoint") or "")
    keys = data.get("keys") or {}
    p256dh, auth = str(keys.get("p256dh") or ""), str(keys.get("auth") or "")
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
def settings():
    """The structure's escalation delays by severity and the roles alerted for each situation."""
    db = get_session()
    form = AlertSettingsForm(data=service.escalation_delays(db, current_user.structure_id)
                             if request.method == "GET" else None)
    roles = service.type_roles(db, current_user.structure_id)
    if request.method == "POST":
        roles = {t.code: tuple(request.form.getlist(f"roles-{t.code}")) for t in service.alert_types()}
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

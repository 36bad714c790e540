"""The HTTP side of captures: the idempotency key and content of a capture form, the employees it names, photos.

The storage rule is in platform/idempotency.py; here: a capture form's key must be a UUID (400 otherwise), the
content fingerprint is taken from what the client sent, and a replay still in flight answers 409.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import abort, current_app, make_response, request
from flask_login import current_user
from sqlmodel import col, select

from webapp.models import Employee, Photo, utcnow
from webapp.platform import idempotency, photos
from webapp.routes._web.db_session import get_session
from webapp.routes._web.errors import error_page
from webapp.routes._web.forms import TerrainForm, new_key

# Not part of what a replay must repeat: the token, the key itself, the client's clock, the photo's bytes.
_NOT_CONTENT = {"csrf_token", "client_key", "raised_at", "happened_at", "photo"}
CLOCK_SKEW = timedelta(minutes=2)  # a phone's clock a little ahead is still believed (then brought back to now)

__all__ = [
    "content_hash",
    "discard_photo",
    "happened_at",
    "in_flight",
    "new_key",
    "owned_employees",
    "photo_from_request",
    "read_key",
    "retarget",
]


def read_key(form: TerrainForm) -> str:
    """The capture's idempotency key (a UUID); 400 when missing or malformed."""
    key = form.client_key.data
    if key is None:
        abort(400)
    return key


def content_hash(form: TerrainForm) -> str:
    """The fingerprint of what the client sent: the URL and every declared field but the key (and photo)."""
    fields = {name: value for name, value in form.values().items() if name not in _NOT_CONTENT}
    return idempotency.fingerprint({"path": request.path, "fields": fields})


def happened_at() -> datetime:
    """When the capture happened on the phone (`happened_at`, sent by the outbox), bounded: not in the future,
    not before the session began; otherwise, or when absent or unreadable, now."""
    now = utcnow()
    raw = request.form.get("happened_at", "").strip()
    try:
        value = datetime.fromisoformat(raw) if raw else None  # Python 3.11 reads the "Z" of toISOString()
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        return now
    started = getattr(getattr(current_user, "user_session", None), "created_at", None) or now
    if started.tzinfo is None:
        started = started.replace(tzinfo=now.tzinfo)
    if started <= value <= now + CLOCK_SKEW:
        return min(value, now)
    return now


def in_flight(problem: idempotency.KeyInFlight):
    """409: the first request with this key is still being written; the client tries again shortly."""
    body, status = error_page(409, str(problem))
    response = make_response(body, status)
    response.headers["Retry-After"] = "2"
    return response


def owned_employees(ids: list[int]) -> list[Employee]:
    """Active-or-not employees of the user's structure for these ids; 404 if any is foreign or unknown."""
    wanted = set(ids)
    if not wanted:
        return []
    rows = get_session().exec(select(Employee).where(col(Employee.id).in_(wanted),
                                                     Employee.structure_id == current_user.structure_id)).all()
    if len(rows) != len(wanted):
        abort(404)
    return sorted(rows, key=lambda e: (e.first_name, e.last_name))


def retarget(response, target: str):
    """Swap a 422 fragment into `target` instead of the request's own target, its message brought into view."""
    response.headers["HX-Retarget"] = target
    response.headers["HX-Reswap"] = "outerHTML show:top"
    return response


def photo_from_request(db) -> Photo | None:
    """Store the form's optional `photo` upload (cleaned); raises PhotoError for a bad file."""
    upload = request.files.get("photo")
    if not upload or not upload.filename:
        return None
    try:
        data = photos.read_upload(upload.stream)
    finally:
        upload.close()
    return photos.store_photo(db=db, data=data, upload_folder=current_app.config["UPLOAD_FOLDER"],
                              structure_id=current_user.structure_id, user_id=current_user.id)


def discard_photo(photo: Photo | None) -> None:
    """Remove the file of a photo whose capture was not recorded (refused, or already recorded)."""
    if photo is not None:
        photos.photo_path(photo, current_app.config["UPLOAD_FOLDER"]).unlink(missing_ok=True)


def settle_capture(db, *, created: bool, photo: Photo | None) -> None:
    """Commit a capture just recorded; when a replay or a double tap recorded it first, drop this request's photo."""
    if created:
        db.commit()
    else:
        db.rollback()
        discard_photo(photo)

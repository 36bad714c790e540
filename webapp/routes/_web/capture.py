"""Request helpers shared by the capture screens: idempotency keys, dates, the employees of a form."""
from __future__ import annotations

import re
import uuid
from datetime import date

from flask import abort, current_app, request
from flask_login import current_user
from sqlmodel import col, select

from webapp.models import Employee, Photo
from webapp.platform import photos
from webapp.routes._web.db_session import get_session

_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def new_key() -> str:
    """A fresh idempotency key for a capture form (the offline queue reuses it when replaying)."""
    return uuid.uuid4().hex


def read_key() -> str:
    """The capture's idempotency key from the form; 400 when missing or malformed."""
    key = request.form.get("client_key", "")
    if not _KEY.match(key):
        abort(400)
    return key


def parse_date(value: str | None, default: date | None = None) -> date | None:
    """An ISO date from a form or query string; `default` when empty, None when malformed."""
    if not value:
        return default
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def parse_int(value: str | None) -> int | None:
    """An integer from a form, or None."""
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def owned_employees(ids: list) -> list[Employee]:
    """Active-or-not employees of the user's structure for these ids; 404 if any is foreign or unknown."""
    wanted = {i for i in (parse_int(str(v)) for v in ids) if i is not None}
    if len(wanted) != len(set(ids)):
        abort(404)
    if not wanted:
        return []
    rows = get_session().exec(select(Employee).where(col(Employee.id).in_(wanted),
                                                     Employee.structure_id == current_user.structure_id)).all()
    if len(rows) != len(wanted):
        abort(404)
    return sorted(rows, key=lambda e: (e.first_name, e.last_name))


def retarget(response, target: str):
    """Swap a 422 fragment into `target` instead of the request's own target."""
    response.headers["HX-Retarget"] = target
    response.headers["HX-Reswap"] = "outerHTML"
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

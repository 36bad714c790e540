"""Helpers shared by the blueprints: page-or-fragment rendering and post-redirect."""
from __future__ import annotations

import json
import re
import unicodedata
from datetime import date
from urllib.parse import quote

from flask import abort, current_app, make_response, redirect, render_template, request
from flask_login import current_user
from sqlmodel import SQLModel

from webapp.domain.accounts.passkeys import RelyingParty
from webapp.platform import dates, photos
from webapp.platform.plans import BY_KEY
from webapp.routes._web.db_session import get_session


def is_fragment_request() -> bool:
    """True for an htmx request that wants a fragment (boosted navigation wants the page)."""
    return bool(request.htmx) and not request.htmx.boosted


def render(_page: str, _fragment: str | None = None, status: int = 200, **context):
    """Render the full page, or only its fragment for an htmx request."""
    template = _fragment if _fragment and is_fragment_request() else _page
    return make_response(render_template(template, **context), status)


def see_other(url: str, reload: bool = False):
    """Finish a successful POST: 303 for plain forms; for htmx, HX-Location (or HX-Redirect for a full reload).

    The next page is swapped into the body and starts at its top, as a navigation does: without `show`, htmx
    keeps the scroll of the form, and the confirmation at the top of the next page is out of sight."""
    if request.htmx:
        response = make_response("", 204)
        if reload:
            response.headers["HX-Redirect"] = url
        else:
            response.headers["HX-Location"] = json.dumps(
                {"path": url, "target": "body", "swap": "innerHTML show:window:top"})
        return response
    return redirect(url, code=303)


def local_today() -> date:
    """Today in the time zone of the person's structure (Nouméa is a day ahead of the server in the evening)."""
    return dates.today(getattr(current_user, "timezone", None))


def client_ip() -> str:
    """The address the request came from (as seen after the proxy configuration), for the audit trail."""
    return request.remote_addr or ""


def relying_party() -> RelyingParty:
    """The WebAuthn relying party: from configuration (behind a proxy), else this request's own origin."""
    origin = current_app.config.get("WEBAUTHN_ORIGIN") or request.host_url
    return RelyingParty.for_origin(origin, current_app.config.get("WEBAUTHN_RP_ID") or "")


def get_owned(model: type[SQLModel], object_id: int):
    """Return the row of the current user's structure with this id, or answer 404."""
    obj = get_session().get(model, object_id, execution_options=BY_KEY)
    if obj is None or getattr(obj, "structure_id", None) != current_user.structure_id:
        abort(404)
    return obj


def serve_photo(photo, name: str):
    """Send a stored photo of the user's structure inline, never sniffed, never cached."""
    if photo is None or photo.structure_id != current_user.structure_id:
        abort(404)
    path = photos.photo_path(photo, current_app.config["UPLOAD_FOLDER"])
    if not path.is_file():
        abort(404)
    response = make_response(path.read_bytes())
    response.headers["Content-Type"] = "image/jpeg"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """A Content-Disposition header (RFC 6266): an ASCII `filename` for every client, the exact UTF-8 name in
    `filename*` when they differ (a raw non-Latin name in a header breaks the response)."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_name)
    ascii_name = re.sub(r"-+(?=[.-])|(?<=[.-])-+", "", ascii_name).strip("-.") or "document"
    value = f'{disposition}; filename="{ascii_name}"'
    if ascii_name != filename:
        value += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return value

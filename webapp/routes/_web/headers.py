"""Response headers that every page carries: CSP, caching, and htmx's Vary."""
from flask import Flask, abort, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user

from webapp.routes._web.assets import static_cache_control

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


# Static files that are never a document (a script, a style sheet, a picture): the headers that only govern a
# document (what it may load, run, frame or use) would only add to the first visit's weight, on every file.
_NOT_DOCUMENTS = ("text/css", "text/javascript", "application/javascript", "image/png", "image/jpeg", "image/webp")


def _set_headers(response):
    """Add the security headers, and keep authenticated pages out of every cache."""
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    if not (request.endpoint == "static" and response.mimetype in _NOT_DOCUMENTS):
        headers.setdefault("Content-Security-Policy", CSP)
        headers["X-Frame-Options"] = "DENY"
        headers["Permissions-Policy"] = "camera=(self), microphone=(), geolocation=()"
    if request.is_secure or request.environ.get("wsgi.url_scheme") == "https":
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    # One Vary header: the compression hook has already named Accept-Encoding.
    vary = [v.strip() for value in headers.getlist("Vary") for v in value.split(",") if v.strip()]
    headers["Vary"] = ", ".join(dict.fromkeys([*vary, "HX-Request"]))
    if request.endpoint == "static":
        headers["Cache-Control"] = static_cache_control((request.view_args or {}).get("filename", ""))
    elif request.path not in PUBLIC_CACHEABLE:
        if current_user and current_user.is_authenticated or response.mimetype == "text/html":
            headers["Cache-Control"] = "no-store"
    _mark_offline_screen(response)
    return response


# The capture screens a supervisor may open with no network (docs/offline.md): the service worker keeps the last
# online copy of a page only when it carries X-Terrain-Offline (the account id), and nothing else personal.
OFFLINE_SCREENS = {
    "home.index", "today.index", "today.attendance", "observations.new", "production.index", "skills.index",
    "skills.group", "skills.group_rate", "skills.rate", "alerts.new",
}


def _mark_offline_screen(response) -> None:
    """Name the account on a full capture page of a field role, so that the service worker may keep it."""
    if (request.method == "GET" and response.status_code == 200 and request.endpoint in OFFLINE_SCREENS
            and response.mimetype == "text/html" and "HX-Request" not in request.headers
            and current_user and current_user.is_authenticated and current_user.role in ("supervisor", "coordinator")):
        response.headers["X-Terrain-Offline"] = str(current_user.id)


# Paths that may be cached by the browser: they carry nothing personal.
PUBLIC_CACHEABLE = {"/manifest.webmanifest"}


def _has_nul(value) -> bool:
    """True when a NUL character hides anywhere in a decoded JSON value (keys included)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _refuse_nul_bytes():
    """No text field has a use for NUL characters, and PostgreSQL refuses them: answer 400 up front."""
    values = list(request.args.values())
    if request.method not in ("GET", "HEAD"):
        values += list(request.form.values())
    if any("\x00" in value for value in values):
        abort(400)
    if request.method not in ("GET", "HEAD") and request.is_json and _has_nul(request.get_json(silent=True)):
        abort(400)


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, but a static file does not vary with the cookie.

    flask-login reads the session after every request, so Flask would name "Cookie" in Vary; as each page renews
    the session cookie, the browser would then download every static file again, and the service worker's
    installation would fetch a second time what the page has just loaded (docs/offline.md, « Weight »).
    """

    def save_session(self, app, session, response):
        super().save_session(app, session, response)
        if request.endpoint == "static":
            response.headers["Vary"] = ", ".join(v for v in response.vary if v.lower() != "cookie")


def init_app(app: Flask) -> None:
    """Register the header hook, the input guard and the session interface on `app`."""
    app.before_request(_refuse_nul_bytes)
    app.after_request(_set_headers)
    app.session_interface = _SessionInterface()

"""Progressive web app: manifest, service worker and the offline page."""
import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, current_app, jsonify, render_template, url_for
from flask_login import login_required
from flask_wtf.csrf import generate_csrf

from webapp.routes._web.assets import static_url

bp = Blueprint("pwa", __name__)

# The static shell the service worker keeps for offline use: what a kept page needs to work. The large manifest
# icons are not in it: the browser reads them online when the app is added to the home screen.
SHELL = [
    "css/terrain.css",
    "js/terrain.js",
    "js/alerts.js",
    "js/outbox.js",
    "icons/sprite.svg",
    "vendor/htmx-2.0.11.min.js",
    "icons/icon-192.png",
]


@lru_cache(maxsize=1)
def shell_version() -> str:
    """A short hash of the shell files and the offline page: a new version renews the cache."""
    digest = hashlib.sha256()
    static = Path(current_app.static_folder)
    for name in SHELL:
        digest.update((static / name).read_bytes())
    digest.update((Path(current_app.root_path) / current_app.template_folder / "shell" / "pwa" / "offline.html").read_bytes())
    return digest.hexdigest()[:12]


@bp.route("/manifest.webmanifest")
def manifest():
    """The web app manifest."""
    body = render_template("shell/pwa/manifest.webmanifest")
    return body, 200, {"Content-Type": "application/manifest+json", "Cache-Control": "public, max-age=3600"}


@bp.route("/sw.js")
def service_worker():
    """The service worker, served from the root so that its scope is the whole site."""
    body = render_template(
        "shell/pwa/sw.js", version=shell_version(),
        shell_urls=[static_url(name) for name in SHELL],
        offline_url=url_for("pwa.offline"), token_url=url_for("pwa.csrf_token"),
        login_url=url_for("auth.login"), alert_url=url_for("alerts.new"),
    )
    return body, 200, {
        "Content-Type": "text/javascript; charset=utf-8",
        "Service-Worker-Allowed": "/",
        "Cache-Control": "no-cache",
    }


@bp.route("/hors-ligne")
def offline():
    """The page shown by the service worker when there is no network."""
    return render_template("shell/pwa/offline.html"), 200, {"Cache-Control": "no-cache"}


@bp.route("/jeton")
@login_required
def csrf_token():
    """A fresh CSRF token for the outbox's replay (the page's token may have expired while offline)."""
    return jsonify(token=generate_csrf()), 200, {"Cache-Control": "no-store"}

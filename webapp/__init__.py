"""Terrain: the field notebook of the encadrant(e) technique d'insertion.

`create_app` is the one place where extensions, blueprints, CLI commands and template helpers are wired.
"""
from __future__ import annotations

import os

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from webapp import cli
from webapp.config import load_config
from webapp.platform import db
from webapp.routes._web import errors, headers, login, templating
from webapp.routes.accounts import account, audit, auth, structure, users
from webapp.routes.alerts import alerts
from webapp.routes.employees import employees, privacy
from webapp.routes.field import instructions, observations, pathway, production, today
from webapp.routes.followup import deadlines, followup, reviews
from webapp.routes.shell import home, pwa
from webapp.routes.skills import attestations, learning_sessions, skills

csrf = CSRFProtect()
htmx = Htmx()

BLUEPRINTS = (
    # accounts
    auth, account, users, structure, audit,
    # the app shell: home screen by role, PWA manifest, service worker, offline page, health check
    home, pwa,
    # employees
    employees, privacy,
    # field
    today, instructions, observations, pathway, production,
    # skills
    skills, learning_sessions, attestations,
    # alerts
    alerts,
    # followup
    followup, reviews, deadlines,
)


class IdConverter(IntegerConverter):
    """`<int:...>` bounded to 1..2**31-1: a larger id is a 404, not a database error."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the Flask application; `test_config` overrides the environment's configuration."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(load_config(app.instance_path))
    app.config["WTF_I18N_ENABLED"] = False  # WTForms' own French catalogue is used instead
    if test_config:
        app.config.update(test_config)

    if app.config["PROXY_COUNT"]:
        # The client's address (login throttling, audit) comes from the proxies' X-Forwarded-For.
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    db.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    login.init_app(app)
    headers.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    # Ids in URLs stay within the 32-bit integer columns of every database engine.
    app.url_map.converters["int"] = IdConverter
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
    cli.init_app(app)
    return app

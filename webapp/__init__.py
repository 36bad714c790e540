"""Terrain: the field notebook of the encadrant(e) technique d'insertion."""
from __future__ import annotations

import os

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from werkzeug.routing import IntegerConverter

csrf = CSRFProtect()


class IdConverter(IntegerConverter):
    """`<int:...>` bounded to 1..2**31-1: a larger id is a 404, not a database error."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


htmx = Htmx()


def create_app(test_config: dict | None = None) -> Flask:
    """Build the Flask application; `test_config` overrides the environment's configuration."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)

    from webapp.config import load_config

    app.config.from_mapping(load_config(app.instance_path))
    app.config["WTF_I18N_ENABLED"] = False  # WTForms' own French catalogue is used instead
    if test_config:
        app.config.update(test_config)

    from webapp import auth, db, errors, security

    db.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    auth.init_app(app)
    security.init_app(app)
    errors.init_app(app)

    # Ids in URLs stay within the 32-bit integer columns of every database engine.
    app.url_map.converters["int"] = IdConverter
    from webapp.routes import register_blueprints

    register_blueprints(app)

    from webapp import cli

    cli.init_app(app)

    from webapp import escalation

    escalation.init_app(app)

    from webapp.templating import init_app as init_templating

    init_templating(app)
    return app

"""One blueprint per area of the application."""
from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint to `app`."""
    from webapp.routes import alerts, auth, employees, home, pwa, structure, users
    from webapp.routes import attestations, learning, skills

    for module in (auth, home, employees, users, structure, alerts, pwa, skills, learning, attestations):
        app.register_blueprint(module.bp)

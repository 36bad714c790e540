"""One blueprint per area of the application."""
from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint to `app`."""
    from webapp.routes import alerts, auth, employees, home, pwa, structure, users

    for module in (auth, home, employees, users, structure, alerts, pwa):
        app.register_blueprint(module.bp)
    from webapp.routes import instructions, observations, pathway, production, today

    for module in (today, instructions, observations, pathway, production):
        app.register_blueprint(module.bp)

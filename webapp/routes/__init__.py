"""One blueprint per area of the application."""
from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint to `app`."""
    from webapp.routes import account, alerts, audit, auth, employees, home, privacy, pwa, structure, users

    for module in (auth, account, home, employees, privacy, users, structure, audit, alerts, pwa):
        app.register_blueprint(module.bp)
    from webapp.routes import instructions, observations, pathway, production, today

    for module in (today, instructions, observations, pathway, production):
        app.register_blueprint(module.bp)

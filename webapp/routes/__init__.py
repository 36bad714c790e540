"""One blueprint per area of the application."""
from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint to `app`."""
    from webapp.routes import (
        account,
        alerts,
        attestations,
        audit,
        auth,
        deadlines,
        employees,
        followup,
        home,
        instructions,
        learning,
        observations,
        pathway,
        privacy,
        production,
        reviews,
        pwa,
        skills,
        structure,
        today,
        users,
    )

    for module in (auth, account, home, today, instructions, observations, pathway, production, employees,
                   privacy, users, structure, audit, skills, learning, attestations, alerts, followup, reviews,
                   deadlines, pwa):
        app.register_blueprint(module.bp)

"""Permission checks for the logged-in user: `@requires(action)` on views, `allowed(action)` in views and templates."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from webapp.domain.policy import can


def allowed(action: str) -> bool:
    """May the logged-in user perform `action`?"""
    return can(current_user, action)


def requires(action: str):
    """Decorate a view: login required, then `action` must be allowed, else 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not allowed(action):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator

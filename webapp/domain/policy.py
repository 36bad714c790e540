"""Who may do what: the single place where routes ask for permission."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

STAFF = frozenset({"supervisor", "counsellor", "coordinator", "director"})

# action -> roles allowed; object scoping (same structure) is checked by webapp.routes._web.views.get_owned.
PERMISSIONS: dict[str, frozenset[str]] = {
    "home.view": STAFF | {"admin"},
    "employee.list": STAFF,
    "employee.view": STAFF,
    "employee.edit": frozenset({"counsellor", "coordinator", "director"}),
    "user.manage": frozenset({"director"}),
    "structure.edit": frozenset({"director"}),
    "instance.admin": frozenset({"admin"}),
    "alert.raise": frozenset({"supervisor", "coordinator"}),
    "audit.view": frozenset({"director"}),
    "employee.export": frozenset({"director"}),
    # field capture (issue 3)
    "field.capture": frozenset({"supervisor", "coordinator", "director"}),
    "observation.create": STAFF,
    "observation.view": STAFF,
    "observation.view_restricted": frozenset({"counsellor", "director"}),
    "production.view": frozenset({"supervisor", "coordinator", "director"}),
    "feed.view": frozenset({"counsellor", "coordinator", "director"}),
    "skill.view": STAFF,
    "skill.rate": frozenset({"supervisor", "coordinator", "director"}),
    "framework.edit": frozenset({"director"}),
    "learning_session.view": STAFF,
    "learning_session.manage": frozenset({"supervisor", "coordinator", "director"}),
    "attestation.view": STAFF,
    "attestation.issue": frozenset({"supervisor", "coordinator", "director"}),
    "alert.view": STAFF,
    "alert.acknowledge": frozenset({"counsellor", "coordinator"}),
    "alert.resolve": frozenset({"counsellor", "coordinator", "director"}),
    "alert.stats": frozenset({"director"}),
    "alert.settings": frozenset({"director"}),
    "push.subscribe": STAFF,
    # socio-professional follow-up (issue 6)
    "followup.view": STAFF,
    "welcome.tick": STAFF,
    "welcome.edit": frozenset({"director"}),
    "barrier.view": frozenset({"counsellor", "coordinator", "director"}),
    "barrier.view_sensitive": frozenset({"counsellor", "director"}),
    "barrier.edit": frozenset({"counsellor", "director"}),
    "barrier.signal": frozenset({"supervisor", "coordinator", "director"}),
    "goal.edit": frozenset({"counsellor", "director"}),
    "review.view": frozenset({"counsellor", "coordinator", "director"}),
    "review.contribute": frozenset({"supervisor", "coordinator", "director"}),
    "review.edit": frozenset({"counsellor", "director"}),
    "deadline.view": STAFF,
}


def can(action: str, user=None) -> bool:
    """May `user` (default: the logged-in user) perform `action`?"""
    user = user or current_user
    if not user or not user.is_authenticated:
        return False
    if action not in PERMISSIONS:
        raise KeyError(f"unknown action {action!r}")
    if user.role != "admin" and user.structure_id is None:
        return False
    return user.role in PERMISSIONS[action]


def requires(action: str):
    """Decorate a view: login required, then `action` must be allowed, else 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not can(action):
                abort(403)
            return view(*args, **kwargs)

        wrapped.terrain_action = action
        return wrapped

    return decorator

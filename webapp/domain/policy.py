"""Who may do what: one table of actions and roles, asked through `can(user, action)`."""
from __future__ import annotations

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


def can(user, action: str) -> bool:
    """May `user` perform `action`? Unknown actions are a programming error."""
    if action not in PERMISSIONS:
        raise KeyError(f"unknown action {action!r}")
    if user is None or not user.is_authenticated:
        return False
    if user.role != "admin" and user.structure_id is None:
        return False
    return user.role in PERMISSIONS[action]

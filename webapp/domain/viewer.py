"""The user as seen by statements built once per process: visibility clauses written for a user serve every one."""
from __future__ import annotations

from sqlalchemy import Integer, bindparam


class RoleViewer:
    """A stand-in for the user when a statement is built once per role: the role itself, the ids as the bound
    parameters `user_id` and `structure_id`, given at execution (`viewer_params(user)`)."""

    id = bindparam("user_id", type_=Integer)
    structure_id = bindparam("structure_id", type_=Integer)

    def __init__(self, role: str, without_structure: bool = False):
        self.role = role
        if without_structure:
            # A platform account belongs to no structure: the clauses that test for it see it so.
            self.structure_id = None


def viewer_params(user) -> dict:
    """The values of a RoleViewer's parameters for this user."""
    return {"user_id": user.id, "structure_id": user.structure_id}

"""The work site a skills or learning-session screen is about, shared by those screens' routes."""
from __future__ import annotations

from flask import abort
from flask_login import current_user

from webapp.domain.skills import skills as skills_service
from webapp.models import Worksite
from webapp.routes._web.db_session import get_session


def ensure_frameworks() -> None:
    """Create the frameworks missing for the sectors of the structure's work sites, before the view reads."""
    skills_service.ensure_frameworks_before_reading(get_session(), current_user.structure_id)


def active_sites():
    """Active work sites of the structure, by name."""
    return skills_service.active_sites(get_session(), current_user.structure_id)


def chosen_site(sites, wanted) -> Worksite | None:
    """The site asked for (?chantier=), else the supervisor's own team's site, else the first one; 404 if bad."""
    if wanted.invalid:
        abort(404)
    try:
        return skills_service.pick_site(get_session(), user=current_user, sites=sites, wanted_id=wanted.data)
    except LookupError:
        abort(404)

"""The latest rating of each (person, skill), as the team matrix and the Today cards read it."""
from __future__ import annotations

from tests.skills.test_skill_ratings import frameworks, site, skill  # noqa: F401  (fixtures)
from webapp.domain.skills import skills as service
from webapp.models import utcnow
from webapp.platform.db import writing


def test_of_two_ratings_at_the_same_moment_the_one_recorded_last_is_the_latest(db, make, structure, site,  # noqa: F811
                                                                                 frameworks, users):  # noqa: F811
    supervisor = users["supervisor"]
    rated, never_rated = make.employee(structure, worksite_id=site.id), make.employee(structure, worksite_id=site.id)
    same_moment = utcnow()
    with writing():
        for level in (4, 1):
            service.record_rating(db, employee=rated, skill=skill(db, structure, "EV-04"), level=level,
                                  user=supervisor, at=same_moment)
        db.commit()
    grid = service.matrix(db, site)
    assert grid.cell(rated.id, "EV-04").level == 1
    assert grid.cell(never_rated.id, "EV-04") is None
    assert service.latest_ratings(db, [rated.id])[(rated.id, "EV-04")].level == 1
    assert [w.code for w in service.working_skills(db, [rated.id])[rated.id]] == ["EV-04"]

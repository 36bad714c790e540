"""The schema the migrations build is the one the models declare, and every migration can be undone."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import webapp.models  # noqa: F401  (every table registered on the metadata)
from webapp.platform.db import get_engine
from webapp.platform.migrate import downgrade, upgrade


def differences(app) -> list:
    """What autogenerate would write after head: tables, columns, indexes and constraints that differ."""
    with get_engine(app).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False, "render_as_batch": True})
        return compare_metadata(context, SQLModel.metadata)


def test_migrated_schema_matches_the_models(app):
    assert differences(app) == []


def test_the_last_migrations_go_down_and_up_again(app):
    downgrade(app, "0009")
    assert differences(app) != []  # the models are ahead of revision 0009: the comparison can see a drift
    upgrade(app)
    assert differences(app) == []

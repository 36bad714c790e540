"""Alembic environment: Terrain's metadata, the URL or connection handed over by webapp.cli."""
from alembic import context
from sqlmodel import SQLModel

import webapp.models  # noqa: F401  (registers every table)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations() -> None:
    """Run migrations on the connection given by the caller, or on a new engine for the URL."""
    connection = config.attributes.get("connection")
    if connection is None:
        from webapp.platform.db import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url"))
        with engine.connect() as conn:
            _run(conn)
        engine.dispose()
    else:
        _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()

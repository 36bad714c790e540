"""Schema migrations with Alembic, driven from the application's configuration."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask

from webapp.platform.db import get_engine, writing

SCRIPT_LOCATION = str(Path(__file__).parent.parent / "migrations")


def alembic_config(app: Flask) -> Config:
    """An Alembic configuration pointing at Terrain's migrations and database."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.set_main_option("sqlalchemy.url", app.config["DATABASE_URL"].replace("%", "%%"))
    return config


def upgrade(app: Flask, revision: str = "head") -> None:
    """Bring the database schema to `revision`."""
    config = alembic_config(app)
    with writing(), get_engine(app).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(app: Flask, revision: str) -> None:
    """Take the database schema back to `revision`."""
    config = alembic_config(app)
    with writing(), get_engine(app).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def revision(app: Flask, message: str, autogenerate: bool = True) -> None:
    """Write a new migration script comparing the models with the database."""
    config = alembic_config(app)
    with get_engine(app).connect() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=autogenerate)

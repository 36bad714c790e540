"""Where each test's database lives: a copied SQLite file, or a PostgreSQL database cloned from a template.

Set TERRAIN_TEST_DATABASE_URL to a PostgreSQL server URL (with a user allowed to create databases) to run the
suite on PostgreSQL; by default every test gets a SQLite file.
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from webapp import create_app
from webapp.platform.db import get_engine
from webapp.platform.migrate import upgrade

ENV = "TERRAIN_TEST_DATABASE_URL"


def _migrate(url: str) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "migrate", "DATABASE_URL": url})
    upgrade(app)
    get_engine(app).dispose()


class SQLiteDatabases:
    """A migrated template file, copied for each test."""

    name = "sqlite"

    def __init__(self, folder: Path):
        self.template = folder / "template.sqlite"
        _migrate(f"sqlite:///{self.template}")

    def new(self, folder: Path) -> str:
        path = folder / "terrain.sqlite"
        shutil.copy(self.template, path)
        return f"sqlite:///{path}"

    def clone(self, url: str, folder: Path) -> str:
        """A copy of the database at `url` (which must have no open connection)."""
        path = folder / "clone.sqlite"
        shutil.copy(make_url(url).database, path)
        return f"sqlite:///{path}"

    def drop(self, url: str) -> None:
        """Files go with pytest's temporary folders."""

    def close(self) -> None:
        """Nothing to release."""


class PostgresDatabases:
    """A migrated template database, cloned with CREATE DATABASE ... TEMPLATE for each test."""

    name = "postgresql"

    def __init__(self, admin_url: str):
        self.admin_url = make_url(admin_url)
        self.admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        self.template = f"terrain_tpl_{uuid.uuid4().hex[:8]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.template}"'))
        _migrate(self._url(self.template))

    def _url(self, database: str) -> str:
        return self.admin_url.set(database=database).render_as_string(hide_password=False)

    def new(self, folder: Path) -> str:
        name = f"terrain_t_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        return self._url(name)

    def clone(self, url: str, folder: Path) -> str:
        """A copy of the database at `url` (which must have no open connection)."""
        name = f"terrain_t_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(url).database}"'))
        return self._url(name)

    def drop(self, url: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))

    def close(self) -> None:
        self.drop(self._url(self.template))
        self.admin.dispose()


def provider(folder: Path):
    """The database provider chosen by the environment."""
    url = os.environ.get(ENV)
    return PostgresDatabases(url) if url else SQLiteDatabases(folder)

"""Database engine, one session per request, and write transactions that lock early on SQLite."""
from __future__ import annotations

import contextlib
from contextvars import ContextVar

from flask import Flask, current_app, g, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

# When true, the next SQLite transaction starts with BEGIN IMMEDIATE (it will write).
_write_intent: ContextVar[bool] = ContextVar("terrain_write_intent", default=False)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def make_engine(url: str) -> Engine:
    """Create the engine for `url`, tuned for SQLite when it is the backend."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 15}
        )
        _tune_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _tune_sqlite(engine: Engine) -> None:
    """Apply WAL, full sync, foreign keys and a busy timeout; take over transaction start."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # pysqlite's own implicit BEGIN is disabled so that we choose DEFERRED or IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


@contextlib.contextmanager
def writing():
    """Within this block, new SQLite transactions take the write lock at BEGIN."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


@contextlib.contextmanager
def reading():
    """Within this block, new SQLite transactions start deferred (read-only), even in a POST."""
    token = _write_intent.set(False)
    try:
        yield
    finally:
        _write_intent.reset(token)


def get_engine(app: Flask | None = None) -> Engine:
    """Return the application's engine, created on first use."""
    app = app or current_app
    engine = app.extensions.get("terrain_engine")
    if engine is None:
        engine = make_engine(app.config["DATABASE_URL"])
        app.extensions["terrain_engine"] = engine
    return engine


def get_session() -> Session:
    """Return the database session of the current request, opened on first use."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def _close_session(_exc=None) -> None:
    """Close the request's session, rolling back whatever was not committed."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def _mark_write_intent() -> None:
    """State-changing requests lock the SQLite database at BEGIN instead of failing later."""
    g.write_intent_token = _write_intent.set(request.method not in SAFE_METHODS)


def _reset_write_intent(_exc=None) -> None:
    token = g.pop("write_intent_token", None)
    if token is not None:
        _write_intent.reset(token)


def init_app(app: Flask) -> None:
    """Register the per-request session lifecycle on `app`."""
    app.before_request(_mark_write_intent)
    app.teardown_appcontext(_close_session)
    app.teardown_request(_reset_write_intent)

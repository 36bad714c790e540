"""Database engine and write transactions that lock early on SQLite (the per-request session is in routes/_web)."""
from __future__ import annotations

import contextlib
from contextvars import ContextVar

from flask import Flask, current_app
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from webapp.platform import plans
from webapp.platform.writer_queue import WriterQueue

# When true, the next SQLite transaction starts with BEGIN IMMEDIATE (it will write).
_write_intent: ContextVar[bool] = ContextVar("terrain_write_intent", default=False)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# How long a SQLite writer waits for the write lock before giving up with an error.
BUSY_SECONDS = 15


def make_engine(url: str) -> Engine:
    """Create the engine for `url`, tuned for SQLite when it is the backend."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": BUSY_SECONDS}
        )
        _tune_sqlite(engine)
        return engine
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    if engine.dialect.name == "postgresql":
        plans.install(engine)
    return engine


def _tune_sqlite(engine: Engine) -> None:
    """Apply WAL, full sync, foreign keys and a busy timeout; take over transaction start; queue the writers."""
    queue = WriterQueue.for_url(str(engine.url), timeout=BUSY_SECONDS)

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
        if not _write_intent.get():
            conn.exec_driver_sql("BEGIN")
            return
        if queue is None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        dbapi_connection = conn.connection.dbapi_connection
        queue.wait_turn(dbapi_connection)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            queue.done(dbapi_connection)
            raise

    if queue is not None:
        queue.install(engine)


def set_write_intent(will_write: bool):
    """Say whether the coming transactions will write; returns a token for `reset_write_intent`."""
    return _write_intent.set(will_write)


def reset_write_intent(token) -> None:
    """Undo `set_write_intent`."""
    _write_intent.reset(token)


@contextlib.contextmanager
def writing():
    """Within this block, new SQLite transactions take the write lock at BEGIN."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


@contextlib.contextmanager
def write_after_read(db: Session):
    """End the session's read transaction, then write in a new one that locks at BEGIN; commits at the end.

    The read transaction ends with a commit, not a rollback: a rollback expires every row already loaded,
    and the page would then reload them one by one. Only SQLite needs the new transaction (a deferred one cannot
    always take the write lock); PostgreSQL writes in the transaction already open, which saves a commit, a
    connection check-out and a BEGIN per request.
    """
    if db.get_bind().dialect.name != "sqlite":
        yield db
        db.commit()
        return
    db.commit()
    with writing():
        yield db
        db.commit()


def refresh_planner_statistics(engine: Engine, *, full: bool = False) -> None:
    """Give the query planner fresh statistics: a full ANALYZE, or SQLite's cheap `PRAGMA optimize`.

    SQLite never gathers them by itself; without them it may walk a structure's whole history through the
    structure index instead of the index that fits the query. PostgreSQL's autovacuum keeps its own up to date,
    so only the full pass (after a migration or a bulk load) runs there.
    """
    with writing(), engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            # Bounded sampling keeps a periodic pass to milliseconds on a large file.
            connection.exec_driver_sql("PRAGMA analysis_limit=0" if full else "PRAGMA analysis_limit=1000")
            connection.exec_driver_sql("ANALYZE" if full else "PRAGMA optimize")
        elif full:
            connection.execute(text("ANALYZE"))
        connection.commit()


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

"""One database session per request, on `g`, closed at teardown; state-changing requests lock SQLite at BEGIN."""
from __future__ import annotations

from flask import Flask, g, request
from sqlmodel import Session

from webapp.platform.db import (
    SAFE_METHODS,
    get_engine,
    reset_write_intent,
    set_write_intent,
)
from webapp.platform.plans import end_transaction


def get_session() -> Session:
    """Return the database session of the current request, opened on first use."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def _close_session(exc=None) -> None:
    """Close the request's session, rolling back whatever was not committed (a read that went well ends with a
    commit on PostgreSQL: `end_transaction`)."""
    session = g.pop("db_session", None)
    if session is None:
        return
    try:
        if exc is None:
            end_transaction(session)
    finally:
        session.close()


def _mark_write_intent() -> None:
    """State-changing requests lock the SQLite database at BEGIN instead of failing later."""
    g.write_intent_token = set_write_intent(request.method not in SAFE_METHODS)


def _reset_write_intent(_exc=None) -> None:
    token = g.pop("write_intent_token", None)
    if token is not None:
        reset_write_intent(token)


def init_app(app: Flask) -> None:
    """Register the per-request session lifecycle on `app`."""
    app.before_request(_mark_write_intent)
    app.teardown_appcontext(_close_session)
    app.teardown_request(_reset_write_intent)

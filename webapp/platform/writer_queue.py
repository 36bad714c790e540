"""Writers of one SQLite file take turns on an OS file lock, and the next one goes as soon as the lock is free.

SQLite lets one transaction write at a time. A writer that finds the lock taken is put to sleep by SQLite's busy
handler for 1, 2, 5, 10, 15, 20, 25... up to 100 ms between attempts, however soon the lock is released: with four
people saving at once, a capture whose own work takes 10 ms waited 150-350 ms one time in twenty (measured with
bench/load.py), and a newcomer could overtake a writer asleep since long. Here each connection holds its own open
file description of `<database>-writers.lock` and takes an exclusive `flock` on it before `BEGIN IMMEDIATE`,
retried every millisecond, then releases it right after COMMIT or ROLLBACK. Threads of one process and separate
processes (gunicorn workers, the alerts worker, the command line) queue alike; a process that dies loses its lock
with its file descriptors. SQLite's own lock stays the guarantee: a writer that could not get its turn within the
timeout goes on to BEGIN IMMEDIATE and its busy handler, as before.
"""
from __future__ import annotations

import fcntl
import logging
import os
import threading
import time

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

log = logging.getLogger(__name__)

# Between two attempts to take a lock held by another writer.
POLL_SECONDS = 0.001


class WriterQueue:
    def __init__(self, lock_path: str, timeout: float):
        self.lock_path = lock_path
        self.timeout = timeout
        # id(DBAPI connection) -> its file descriptor on the lock file, and whether it holds the turn.
        self._fds: dict[int, int] = {}
        self._holding: set[int] = set()
        self._mutex = threading.Lock()

    @classmethod
    def for_url(cls, url: str, timeout: float) -> WriterQueue | None:
        """The queue of a SQLite database file; None for an in-memory database (one connection, nobody to wait)."""
        database = make_url(url).database
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        return cls(f"{os.path.abspath(database)}-writers.lock", timeout)

    def install(self, engine: Engine) -> None:
        """Release the turn after every COMMIT and ROLLBACK; close the lock file with the connection."""
        dialect = engine.dialect
        commit, rollback = dialect.do_commit, dialect.do_rollback

        def do_commit(dbapi_connection):
            try:
                commit(dbapi_connection)
            finally:
                self.done(dbapi_connection)

        def do_rollback(dbapi_connection):
            try:
                rollback(dbapi_connection)
            finally:
                self.done(dbapi_connection)

        # Per engine: the dialect object belongs to this engine alone.
        dialect.do_commit, dialect.do_rollback = do_commit, do_rollback

        @event.listens_for(engine, "close")
        def _on_close(dbapi_connection, _record):
            self.forget(dbapi_connection)

        @event.listens_for(engine, "invalidate")
        def _on_invalidate(dbapi_connection, _record, _exception):
            if dbapi_connection is not None:
                self.forget(dbapi_connection)

    def _fd(self, dbapi_connection) -> int:
        key = _key(dbapi_connection)
        with self._mutex:
            fd = self._fds.get(key)
            if fd is None:
                fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                self._fds[key] = fd
            return fd

    def wait_turn(self, dbapi_connection) -> None:
        """Block until this connection holds the turn (or the timeout passed: SQLite's busy handler takes over)."""
        key = _key(dbapi_connection)
        if key in self._holding:
            return
        fd = self._fd(dbapi_connection)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    log.warning("writer queue: no turn after %.0f s, going on to SQLite's lock", self.timeout)
                    return
                time.sleep(POLL_SECONDS)
                continue
            self._holding.add(key)
            return

    def done(self, dbapi_connection) -> None:
        """Give the turn to the next writer, if this connection holds it."""
        key = _key(dbapi_connection)
        if key not in self._holding:
            return
        self._holding.discard(key)
        fd = self._fds.get(key)
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def forget(self, dbapi_connection) -> None:
        """The connection is closed: closing its descriptor releases any lock it held."""
        key = _key(dbapi_connection)
        self._holding.discard(key)
        with self._mutex:
            fd = self._fds.pop(key, None)
        if fd is not None:
            os.close(fd)


def _key(connection) -> int:
    """The identity of the DBAPI connection, given it or the pool's proxy around it (what do_commit receives)."""
    return id(getattr(connection, "dbapi_connection", None) or connection)

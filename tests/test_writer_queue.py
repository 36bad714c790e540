"""SQLite writers take turns on a file lock: the next one goes as soon as the lock is free, none is left waiting."""
from __future__ import annotations

import fcntl
import os
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from webapp.platform.db import make_engine, writing
from webapp.platform.writer_queue import WriterQueue


def _engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'queue.sqlite'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)"))
    return engine


def _free(lock_path: str) -> bool:
    """True when nobody holds the writers' turn (taken and given back at once from a fresh descriptor)."""
    fd = os.open(lock_path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def test_the_lock_file_sits_beside_the_database_and_in_memory_has_none(tmp_path):
    assert WriterQueue.for_url(f"sqlite:///{tmp_path / 'a.sqlite'}", 1).lock_path == \
        str(tmp_path / "a.sqlite-writers.lock")
    assert WriterQueue.for_url("sqlite://", 1) is None
    assert WriterQueue.for_url("sqlite:///:memory:", 1) is None


def test_a_writer_holds_the_turn_until_commit_or_rollback(tmp_path):
    engine = _engine(tmp_path)
    lock = f"{tmp_path / 'queue.sqlite'}-writers.lock"
    with writing(), engine.connect() as connection:
        connection.execute(text("INSERT INTO note (body) VALUES ('a')"))
        assert not _free(lock)
        connection.commit()
        assert _free(lock)
        connection.execute(text("INSERT INTO note (body) VALUES ('b')"))
        assert not _free(lock)
        connection.rollback()
        assert _free(lock)
    # A reader never takes it.
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM note")).scalar() == 1
        assert _free(lock)
    # Nor does a failed write keep it.
    with writing(), engine.connect() as connection:
        with pytest.raises(OperationalError):
            connection.execute(text("INSERT INTO missing_table VALUES (1)"))
        connection.rollback()
        assert _free(lock)
    engine.dispose()


def test_the_next_writer_goes_when_the_first_commits(tmp_path):
    engine = _engine(tmp_path)
    first_in, second_started, second_done = threading.Event(), threading.Event(), threading.Event()
    order: list[str] = []

    def second():
        second_started.set()
        with writing(), engine.connect() as connection:
            connection.execute(text("INSERT INTO note (body) VALUES ('second')"))
            order.append("second wrote")
            connection.commit()
        second_done.set()

    with writing(), engine.connect() as connection:
        connection.execute(text("INSERT INTO note (body) VALUES ('first')"))
        first_in.set()
        thread = threading.Thread(target=second)
        thread.start()
        assert second_started.wait(5)
        # The second writer waits for its turn while the first one holds it.
        assert not second_done.wait(0.3)
        order.append("first commits")
        connection.commit()
    assert second_done.wait(5)
    thread.join()
    assert order == ["first commits", "second wrote"]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT body FROM note ORDER BY id")).scalars().all() == ["first", "second"]
    engine.dispose()


def test_many_writers_at_once_all_land(tmp_path):
    engine = _engine(tmp_path)
    errors: list[BaseException] = []

    def writer(n: int):
        try:
            for k in range(20):
                with writing(), engine.connect() as connection:
                    connection.execute(text("INSERT INTO note (body) VALUES (:b)"), {"b": f"{n}-{k}"})
                    connection.commit()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(DISTINCT body) FROM note")).scalar() == 120
    assert _free(f"{tmp_path / 'queue.sqlite'}-writers.lock")
    engine.dispose()


def test_closing_a_connection_gives_its_turn_back(tmp_path):
    engine = _engine(tmp_path)
    lock = f"{tmp_path / 'queue.sqlite'}-writers.lock"
    connection = engine.connect()
    with writing():
        connection.execute(text("INSERT INTO note (body) VALUES ('x')"))
    assert not _free(lock)
    # The pool's connection is thrown away (as after a broken connection): its descriptor goes, and the lock with it.
    connection.invalidate()
    connection.close()
    assert _free(lock)
    engine.dispose()

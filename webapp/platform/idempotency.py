"""One idempotency protocol for every capture and every alert (see docs/offline.md, « Idempotency »).

The client sends a key of its own (a UUID) with each write. In the same transaction as the write, the service
claims the key: a row of `idempotency_key` unique on (author, key), holding the kind of object recorded, its id
and a fingerprint of what was sent. Then:

- a new key: the caller writes its object and `settle`s the claim with the object's id;
- the same key and the same content again (a replay): `claim` returns the id recorded the first time, and the
  caller answers as it did then, writing nothing;
- the same key with other content: `KeyReused`, which the HTTP floor answers with a French message (422);
- the same key while the first write has not committed yet: on PostgreSQL the claim waits for it at most
  `IN_FLIGHT_WAIT` seconds, then raises `KeyInFlight` (answered 409, the client retries). On SQLite every write
  transaction takes the database lock at BEGIN, so a replay simply waits for the first and sees its result.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, select

from webapp.models import IdempotencyKey

IN_FLIGHT_WAIT = 5.0  # seconds a replay waits on PostgreSQL for the first write of its key to commit
MAX_KEY_LENGTH = 64


class KeyReused(ValueError):
    """This key was already used by this author for other content."""

    def __init__(self, message: str = "Cette saisie a déjà été envoyée avec un autre contenu : la première "
                                      "version est enregistrée. Renvoyez pour enregistrer aussi celle-ci."):
        super().__init__(message)
        self.field = "client_key"


class KeyInFlight(RuntimeError):
    """The first write with this key is still running: try again in a moment."""

    def __init__(self, message: str = "Cette saisie est en cours d'enregistrement : réessayez dans un instant."):
        super().__init__(message)


def fingerprint(content: Any) -> str:
    """A stable hash of what was sent (dicts in any key order, dates and numbers as text)."""
    body = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass
class Claim:
    """A key held in the current transaction; `replayed_id` is set when the key was already recorded."""

    row: IdempotencyKey | None
    replayed_id: int | None = None

    @property
    def is_replay(self) -> bool:
        return self.row is None

    def settle(self, object_id: int) -> None:
        """Record the id of the object written under this key (same transaction)."""
        if self.row is not None:
            self.row.object_id = object_id


def _earlier(db: Session, author_id: int, key: str) -> IdempotencyKey | None:
    return db.exec(select(IdempotencyKey).where(IdempotencyKey.author_id == author_id,
                                                IdempotencyKey.key == key)).first()


def _answer(earlier: IdempotencyKey, kind: str, content_hash: str) -> Claim:
    if earlier.kind != kind or earlier.fingerprint != content_hash or earlier.object_id is None:
        raise KeyReused()
    return Claim(row=None, replayed_id=earlier.object_id)


def _set_lock_timeout(db: Session, value: str) -> None:
    """Set PostgreSQL's lock timeout until the end of the current transaction."""
    db.connection().execute(text("SELECT set_config('lock_timeout', :value, true)"), {"value": value})


def claim(db: Session, *, structure_id: int, author_id: int, key: str, kind: str, content_hash: str,
          wait_seconds: float = IN_FLIGHT_WAIT) -> Claim:
    """Claim `key` for `author_id` in the current transaction; a replay gets the id recorded the first time.

    Raises KeyReused (same key, other content or kind) or KeyInFlight (PostgreSQL: the first write is still
    running after `wait_seconds`). The caller commits, or rolls back and the key is free again.
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValueError("an idempotency key of 1 to 64 characters is required")
    earlier = _earlier(db, author_id, key)
    if earlier is not None:
        return _answer(earlier, kind, content_hash)
    row = IdempotencyKey(structure_id=structure_id, author_id=author_id, key=key, kind=kind,
                         fingerprint=content_hash)
    postgres = db.get_bind().dialect.name == "postgresql"
    previous = None
    if postgres:
        previous = db.connection().execute(text("SELECT current_setting('lock_timeout')")).scalar()
        _set_lock_timeout(db, f"{max(int(wait_seconds * 1000), 1)}ms")
    try:
        # A savepoint: losing the race on the unique key must not undo the rest of the caller's transaction.
        with db.begin_nested():
            db.add(row)
            db.flush()
    except IntegrityError:
        earlier = _earlier(db, author_id, key)
        if earlier is None:
            raise KeyInFlight() from None
        return _answer(earlier, kind, content_hash)
    except OperationalError as error:
        if postgres and getattr(error.orig, "sqlstate", "") == "55P03":  # lock_not_available
            raise KeyInFlight() from None
        raise
    finally:
        if postgres:
            _set_lock_timeout(db, previous)
    return Claim(row=row)


def forget_object(db: Session, *, author_id: int, key: str) -> None:
    """The object recorded under this key was undone: a replay of the key is then refused, never answered with it."""
    earlier = _earlier(db, author_id, key)
    if earlier is not None:
        earlier.object_id = None
        db.add(earlier)

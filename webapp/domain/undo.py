"""The quick « Annuler » that follows a saved capture: who may undo it, and for how long."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

UNDO_MINUTES = 5
UNDO_WINDOW = timedelta(minutes=UNDO_MINUTES)


class UndoRefused(ValueError):
    """An undo the server refuses, with the French reason shown in place of the button."""


def check_undo(*, user, author_id: int | None, saved_at: datetime, now: datetime) -> None:
    """A capture may be undone only by its author, within UNDO_WINDOW of its saving."""
    if author_id != user.id:
        raise UndoRefused("Seule la personne qui a fait cette saisie peut l'annuler.")
    if saved_at.tzinfo is None:
        saved_at = saved_at.replace(tzinfo=UTC)
    if now - saved_at > UNDO_WINDOW:
        raise UndoRefused(f"Trop tard pour annuler : c'est possible pendant {UNDO_MINUTES} minutes après "
                          "l'enregistrement. Corrigez plutôt la saisie.")

"""What every field capture shares: its error type and the days it may concern."""
from __future__ import annotations

from datetime import date, timedelta


class FieldError(ValueError):
    """A capture refused for a reason the user can fix; `field` names the form field."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def week_days(today: date) -> list[date]:
    """Monday of `today`'s week up to `today`."""
    monday = today - timedelta(days=today.weekday())
    return [monday + timedelta(days=n) for n in range((today - monday).days + 1)]


def check_day(day: date, today: date, *, this_week: bool = False) -> None:
    """Refuse future days (and, for attendance, days before this week's Monday)."""
    if day > today:
        raise FieldError("La date ne peut pas être dans le futur.", "day")
    if this_week and day < today - timedelta(days=today.weekday()):
        raise FieldError("Seuls les jours de la semaine en cours peuvent être saisis.", "day")

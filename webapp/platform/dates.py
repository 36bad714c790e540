"""French dates and times for every screen, PDF and export, shown in the structure's time zone.

Datetimes are stored in UTC (`utcnow()`); they become local only here, when they are shown. Dates (`date`)
and ISO date strings of frozen snapshots have no time zone and are shown as they are.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Europe/Paris"
# The zones of France and its overseas territories, offered in the structure's settings.
TIMEZONES = {
    "Europe/Paris": "Métropole et Corse (Paris)",
    "America/Guadeloupe": "Guadeloupe, Saint-Martin, Saint-Barthélemy",
    "America/Martinique": "Martinique",
    "America/Cayenne": "Guyane",
    "Indian/Reunion": "La Réunion",
    "Indian/Mayotte": "Mayotte",
    "America/Miquelon": "Saint-Pierre-et-Miquelon",
    "Pacific/Noumea": "Nouvelle-Calédonie",
    "Pacific/Tahiti": "Polynésie française (Tahiti)",
    "Pacific/Wallis": "Wallis-et-Futuna",
}
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre"]
DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
EMPTY = "—"

Zone = tzinfo | str | None


def zone(name: Zone = None) -> tzinfo:
    """The zone named `name` (the default zone when it is empty or unknown); a tzinfo is returned as it is."""
    if isinstance(name, tzinfo):
        return name
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def local(value: datetime, tz: Zone = None) -> datetime:
    """A stored datetime in the zone `tz` (a naive value is taken as UTC, as the database returns it)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone(tz))


def _day(value: date | datetime | str, tz: Zone) -> date:
    """The calendar day of `value`: a datetime's local day, a date as it is, an ISO string parsed."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        return local(value, tz).date()
    return value


def local_day(value: datetime, tz: Zone = None) -> date:
    """The day a stored datetime falls on in the zone `tz`."""
    return local(value, tz).date()


def today(tz: Zone = None) -> date:
    """Today's date in the zone `tz`."""
    return datetime.now(zone(tz)).date()


def day_bounds(day: date, tz: Zone = None) -> tuple[datetime, datetime]:
    """The UTC instants where the local day `day` starts and where the next one starts."""
    start = datetime.combine(day, time.min, zone(tz))
    end = datetime.combine(day + timedelta(days=1), time.min, zone(tz))
    return start.astimezone(UTC), end.astimezone(UTC)


def short_date(value: date | datetime | str | None, tz: Zone = None) -> str:
    """'03/03/2026' ('—' when there is no value)."""
    if value in (None, ""):
        return EMPTY
    return _day(value, tz).strftime("%d/%m/%Y")


def long_date(value: date | datetime | str | None, tz: Zone = None, with_day: bool = False) -> str:
    """'3 mars 2026' (or 'mardi 3 mars 2026')."""
    if value in (None, ""):
        return EMPTY
    day = _day(value, tz)
    text = f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    return f"{DAYS[day.weekday()]} {text}" if with_day else text


def time_of_day(value: datetime | None, tz: Zone = None) -> str:
    """'14:05' in the zone `tz`."""
    if value is None:
        return EMPTY
    return local(value, tz).strftime("%H:%M")


def date_time(value: datetime | None, tz: Zone = None) -> str:
    """'03/03/2026 à 14:05' in the zone `tz`."""
    if value is None:
        return EMPTY
    shown = local(value, tz)
    return f"{shown:%d/%m/%Y} à {shown:%H:%M}"


def iso_local(value: date | datetime | None, tz: Zone = None) -> str:
    """ISO 8601 for machine-readable exports: a datetime with its local offset, a date as it is."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local(value, tz).isoformat(timespec="seconds")
    return value.isoformat()


def iso_utc(value: datetime) -> str:
    """'2026-03-03T13:05:00Z', the UTC form verifiable-credential formats require."""
    return local(value, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def month_key(value: datetime, tz: Zone = None) -> str:
    """'2026-03': the local month a stored datetime falls in."""
    return local(value, tz).strftime("%Y-%m")


def age(value: datetime | None, now: datetime) -> str:
    """'il y a 4 min', 'il y a 2 h 05', 'il y a 3 j' ('à l'instant' under a minute)."""
    if value is None:
        return EMPTY
    minutes = max(int((now - local(value, UTC)).total_seconds() // 60), 0)
    if minutes < 1:
        return "à l'instant"
    if minutes < 60:
        return f"il y a {minutes} min"
    if minutes < 24 * 60:
        return f"il y a {minutes // 60} h {minutes % 60:02d}"
    return f"il y a {minutes // 1440} j"


def duration(minutes: float | None) -> str:
    """'12 min' or '2 h 05'."""
    if minutes is None:
        return EMPTY
    if minutes < 60:
        return f"{minutes:.0f} min"
    return f"{int(minutes // 60)} h {int(minutes % 60):02d}"

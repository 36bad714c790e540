"""Template globals and filters: navigation by role; French dates and times from webapp.platform.dates."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, request, url_for
from flask_login import current_user
from markupsafe import Markup

from webapp.domain.skills.skills import LEVELS as SKILL_LEVELS
from webapp.models import ROLES, utcnow
from webapp.platform import dates
from webapp.routes._web.assets import static_url
from webapp.routes._web.forms import new_key
from webapp.routes._web.permissions import allowed
from webapp.routes._web.urls import template_url_for

# (endpoint, label, icon, action required)
NAV = {
    # At most five items fit a 412 px bar with readable labels; the account is the name in the top bar.
    "supervisor": [("home.index", "Aujourd'hui", "sun"), ("employees.index", "Salariés", "people"),
                   ("skills.index", "Compétences", "skills"), ("alerts.index", "Alertes", "bell")],
    "counsellor": [("home.index", "Accueil", "home"), ("employees.index", "Salariés", "people"),
                   ("observations.feed", "Terrain", "list"), ("alerts.index", "Alertes", "bell"),
                   ("deadlines.index", "Échéances", "calendar")],
    "coordinator": [("home.index", "Accueil", "home"), ("employees.index", "Salariés", "people"),
                    ("production.week", "Production", "list"), ("alerts.index", "Alertes", "bell")],
    "director": [("home.index", "Accueil", "home"), ("employees.index", "Salariés", "people"),
                 ("alerts.index", "Alertes", "bell"), ("users.index", "Comptes", "key"),
                 ("structure.edit", "Structure", "gear")],
    "admin": [("home.index", "Structures", "home"), ("account.index", "Compte", "user")],
}


def _zone() -> str | None:
    """The logged-in user's structure time zone (the default one for anonymous pages)."""
    return getattr(current_user, "timezone", None)


def _zone_of(value) -> str | None:
    """The zone a value's day depends on: only a datetime's (a page shows dozens of plain dates, and asking the
    logged-in user for the zone costs more than writing the date)."""
    return _zone() if isinstance(value, datetime) else None


def french_date(value: date | datetime | str | None, with_day: bool = False) -> str:
    """'3 mars 2026' (or 'mardi 3 mars 2026'), a datetime on its local day."""
    return dates.long_date(value, _zone_of(value), with_day=with_day)


def short_date(value: date | datetime | str | None) -> str:
    """'03/03/2026', a datetime on its local day."""
    return dates.short_date(value, _zone_of(value))


def local_time(value: datetime | None, with_date: bool = False) -> str:
    """'14:05' (or '03/03/2026 à 14:05') in the structure's time zone."""
    return dates.date_time(value, _zone()) if with_date else dates.time_of_day(value, _zone())


def age(value: datetime | None) -> str:
    """'il y a 4 min', 'il y a 2 h 05', 'il y a 3 j'."""
    return dates.age(value, utcnow())


def cell(value) -> str:
    """A value of a data export as read by a person: dates in French, datetimes in local time."""
    if isinstance(value, datetime):
        return dates.date_time(value, _zone())
    if isinstance(value, date):
        return dates.short_date(value)
    if value in (None, ""):
        return dates.EMPTY
    return str(value)


def picto(name: str, cls: str = "icon") -> Markup:
    """A pictogram of icons/field.svg, hidden from screen readers (the text beside it says what it means).

    A function rather than a Jinja macro: a card of Today or of the feed draws several, and a macro call (with the
    import of its template in each included card) costs ten times more."""
    # Markup.format escapes through Python's string.Formatter, slower than the rest of the call: each pictogram
    # is written once per process.
    key = (static_url("icons/field.svg"), name, cls)
    svg = _PICTOS.get(key)
    if svg is None:
        svg = _PICTOS[key] = _PICTO.format(cls, key[0], name)
    return svg


_PICTO = Markup('<svg class="{}" aria-hidden="true"><use href="{}#{}"></use></svg>')
_PICTOS: dict[tuple[str, str, str], Markup] = {}


def init_app(app: Flask) -> None:
    """Register globals and filters on `app`."""
    app.add_template_global(static_url)
    app.add_template_global(template_url_for, "url_for")  # a pattern per endpoint, filled with ids (urls.py)
    app.add_template_global(picto)
    app.add_template_global(new_key, "new_capture_key")  # a fresh idempotency key in each rendered capture form
    app.add_template_filter(french_date)
    app.add_template_filter(short_date)
    app.add_template_filter(local_time)
    app.add_template_filter(age)
    app.add_template_filter(dates.duration, "minutes")
    app.add_template_filter(cell)

    @app.context_processor
    def _globals():
        nav = []
        if current_user and current_user.is_authenticated:
            for endpoint, label, icon in NAV.get(current_user.role, []):
                url = url_for(endpoint)
                nav.append({"url": url, "label": label, "icon": icon,
                            "current": request.path == url or (url != "/" and request.path.startswith(url))})
        return {"nav_items": nav, "can": allowed, "roles": ROLES, "skill_levels": SKILL_LEVELS}

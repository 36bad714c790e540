"""Template globals and filters: navigation by role, French dates."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, request, url_for
from flask_login import current_user

from webapp.models import ROLES
from webapp.routes._web.permissions import allowed

MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre"]
DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]

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


def french_date(value: date | datetime | None, with_day: bool = False) -> str:
    """'3 mars 2026' (or 'mardi 3 mars 2026')."""
    if value is None:
        return "—"
    text = f"{value.day} {MONTHS[value.month - 1]} {value.year}"
    return f"{DAYS[value.weekday()]} {text}" if with_day else text


def short_date(value: date | datetime | None) -> str:
    """'03/03/2026'."""
    return value.strftime("%d/%m/%Y") if value else "—"


def init_app(app: Flask) -> None:
    """Register globals and filters on `app`."""
    app.add_template_filter(french_date)
    app.add_template_filter(short_date)

    @app.context_processor
    def _globals():
        nav = []
        if current_user and current_user.is_authenticated:
            for endpoint, label, icon in NAV.get(current_user.role, []):
                url = url_for(endpoint)
                nav.append({"url": url, "label": label, "icon": icon,
                            "current": request.path == url or (url != "/" and request.path.startswith(url))})
        return {"nav_items": nav, "can": allowed, "roles": ROLES}

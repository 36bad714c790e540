"""Crafted ids and dates in query strings, forms and paths answer 400, 404 or 422 with a French page, never 500.

Ids are ASCII digits in 1..2**31-1 (« ² » passes `str.isdigit()`, 3000000000 overflows PostgreSQL's integer, a
20-digit number overflows SQLite's); days are ISO dates between 2000 and 2099. Run on SQLite and PostgreSQL.
"""
import uuid
from datetime import date

import pytest

from tests.conftest import client_key, post

HUGE, OVER_32_BITS, SUPERSCRIPT_TWO, ARABIC_THREE = "99999999999999999999", "3000000000", "²", "٣"

# (role, path template, query string); {employee} and {site} are filled with rows of the user's structure.
CRAFTED_QUERIES = [
    ("director", "/production/", {"chantier": HUGE}),
    ("director", "/production/", {"chantier": OVER_32_BITS}),
    ("director", "/production/", {"chantier": SUPERSCRIPT_TWO}),
    ("director", "/production/", {"jour": "0001-01-01"}),
    ("director", "/production/semaine", {"semaine": "0001-01-01"}),
    ("director", "/production/semaine", {"semaine": "9999-12-31", "chantier": "{site}"}),
    ("director", "/competences/groupe/resultat", {"r": SUPERSCRIPT_TWO}),
    ("director", "/competences/groupe/resultat", {"r": OVER_32_BITS}),
    ("director", "/competences/", {"chantier": OVER_32_BITS}),
    ("director", "/competences/groupe", {"chantier": SUPERSCRIPT_TWO}),
    ("director", "/seances/", {"salarie": OVER_32_BITS}),
    ("director", "/seances/nouvelle", {"modele": HUGE}),
    ("director", "/observations/nouvelle", {"salarie": SUPERSCRIPT_TWO}),
    ("director", "/observations/nouvelle", {"salarie": OVER_32_BITS}),
    ("director", "/aujourdhui/presences", {"jour": "0001-01-01"}),
    ("director", "/salaries/{employee}/parcours", {"apres": f"2026-01-01.1.{HUGE}", "du": "0001-01-01"}),
    ("director", "/salaries/", {"page": HUGE}),
    ("director", "/journal/", {"user": OVER_32_BITS, "employee": SUPERSCRIPT_TWO, "du": "0001-01-01"}),
]
CRAFTED_PATHS = ["/salaries/" + OVER_32_BITS, "/salaries/" + HUGE, "/salaries/" + ARABIC_THREE,
                 "/competences/salaries/" + OVER_32_BITS, "/bilans/" + OVER_32_BITS, "/alertes/" + OVER_32_BITS,
                 "/production/{site}/0001-01-01/taches"]


@pytest.fixture
def world(crew, structure, make):
    return {"employee": crew["people"][0].id, "site": crew["site"].id}


def _fill(text: str, world) -> str:
    return text.format(**world)


@pytest.mark.parametrize(("role", "path", "query"), CRAFTED_QUERIES)
def test_crafted_query_string_is_refused_never_500(client, login_as, world, role, path, query):
    login_as(role)
    response = client.get(_fill(path, world), query_string={k: _fill(v, world) for k, v in query.items()})
    assert response.status_code in (200, 400, 404, 422), response.status_code
    if response.status_code != 200:
        assert "Page introuvable" in response.get_data(as_text=True) or "invalide" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", CRAFTED_PATHS)
def test_crafted_id_in_a_path_is_404(client, login_as, world, path):
    login_as("director")
    assert client.get(_fill(path, world)).status_code in (404, 405)
    assert post(client, _fill(path, world), {}).status_code in (404, 405)


@pytest.mark.parametrize("value", [SUPERSCRIPT_TWO, OVER_32_BITS, HUGE, ARABIC_THREE, "-1", "0"])
def test_alert_with_a_crafted_employee_id_gets_a_french_message(client, login_as, world, value):
    login_as("supervisor")
    response = post(client, "/alertes/nouvelle", {"employee_id": value, "type_code": "accident",
                                                   "client_key": client_key(f"alerte {value}")})
    assert response.status_code == 422
    assert "Choisissez un(e) salarié(e) de votre structure." in response.get_data(as_text=True)


@pytest.mark.parametrize("value", [SUPERSCRIPT_TWO, OVER_32_BITS, HUGE])
def test_capture_naming_a_crafted_employee_is_404(client, login_as, world, value):
    login_as("director")
    data = {"client_key": client_key("crafted"), "employee_ids": [str(world["employee"]), value],
            "category": "technique", "tone": "positive", "visibility": "team", "text": "Vu",
            "observed_on": date.today().isoformat()}
    assert post(client, "/observations/", data, htmx=True).status_code == 404
    assert post(client, "/consignes/", {"client_key": client_key("c"), "template_id": value}).status_code == 404
    assert post(client, f"/competences/salaries/{world['employee']}/evaluer",
                {"client_key": str(uuid.uuid4()), "skill_id": value, "level": "2"}).status_code == 404
    assert post(client, "/seances/nouvelle", {"skill_ids": value, "title": "x"}).status_code == 404


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "2026-02-31", "٢٠٢٦-01-01"])
def test_crafted_dates_in_forms_get_date_invalide(client, login_as, world, value):
    login_as("director")
    response = post(client, f"/aujourdhui/presences/{world['employee']}", {"day": value, "status": "present"},
                    htmx=True)
    assert response.status_code == 422
    assert "Date invalide." in response.get_data(as_text=True)
    response = post(client, f"/suivi/salaries/{world['employee']}/freins",
                    {"theme": "mobilite", "situation": "x", "discussed_on": value})
    assert response.status_code == 422
    assert "Date invalide." in response.get_data(as_text=True)


def test_crafted_barrier_id_in_an_objective_is_refused(client, login_as, world):
    login_as("director")
    response = post(client, f"/suivi/salaries/{world['employee']}/objectifs/nouveau",
                    {"text": "Passer le permis", "barrier_id": OVER_32_BITS})
    assert response.status_code == 422
    assert "Choix invalide." in response.get_data(as_text=True)

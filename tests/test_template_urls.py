"""The templates' `url_for` (webapp/routes/_web/urls.py): built once per endpoint, it gives the URL Flask gives."""
import flask
import pytest

from webapp.routes._web.urls import template_url_for


@pytest.mark.parametrize("endpoint, values", [
    ("home.index", {}),
    ("employees.show", {"employee_id": 1}),
    ("employees.show", {"employee_id": 2147483647}),
    ("today.mark", {"employee_id": 0}),
    ("alerts.show", {"alert_id": 45}),
    # An integer in the query string, and one in the path with one in the query string.
    ("observations.new", {"salarie": 12}),
    ("employees.show", {"employee_id": 3, "page": 9}),
    ("skills.rate", {"employee_id": 7, "competence": "C1.2"}),
    ("today.attendance", {"jour": "2026-12-01"}),
    # What Flask itself must handle: strings to quote, booleans, negative numbers, options.
    ("observations.new", {"salarie": "a b&c"}),
    ("observations.new", {"salarie": True}),
    ("observations.new", {"salarie": -3}),
    ("employees.show", {"employee_id": 3, "_anchor": "notes"}),
])
def test_the_same_url_as_flask_for_every_kind_of_argument(app, endpoint, values):
    with app.test_request_context("/"):
        expected = flask.url_for(endpoint, **values)
        assert template_url_for(endpoint, **values) == expected
        assert template_url_for(endpoint, **values) == expected  # the second time from the stored pattern


def test_ids_fill_the_pattern_of_the_endpoint_in_their_places(app):
    with app.test_request_context("/"):
        for ident in (5, 50, 5000):
            assert template_url_for("employees.show", employee_id=ident) == flask.url_for("employees.show",
                                                                                         employee_id=ident)
        patterns = app.extensions["terrain_url_patterns"]
        assert patterns[("", "employees.show", ("employee_id",))].count("{0}") == 1


def test_each_script_root_has_its_own_pattern(app):
    with app.test_request_context("/", base_url="http://localhost/terrain/"):
        assert template_url_for("employees.show", employee_id=8) == flask.url_for("employees.show", employee_id=8)
        assert template_url_for("employees.show", employee_id=8).startswith("/terrain/")
    with app.test_request_context("/"):
        assert template_url_for("employees.show", employee_id=8) == flask.url_for("employees.show", employee_id=8)
        assert not template_url_for("employees.show", employee_id=8).startswith("/terrain")


def test_a_relative_endpoint_is_left_to_flask(app):
    with app.test_request_context("/alertes/"):  # a request of the alerts' blueprint
        assert template_url_for(".show", alert_id=4) == flask.url_for("alerts.show", alert_id=4)


def test_pages_link_with_it(app, client, login_as, crew):
    login_as("supervisor")
    page = client.get("/aujourdhui/").get_data(as_text=True)
    with app.test_request_context("/"):
        link = flask.url_for("employees.show", employee_id=crew["people"][0].id)
    assert f'href="{link}"' in page
    assert any(key[1] == "employees.show" for key in app.extensions["terrain_url_patterns"])

"""Generated input on every route: every field of every POST form, JSON body and query string.

Each view declares what it reads (`@form(...)` in webapp/routes/_web/forms.py), so the fuzzer knows the fields of
every route. Never a 500, never a change to another structure's data.
"""
import hashlib
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlmodel import SQLModel

from tests.conftest import csrf_token
from webapp.routes._web.forms import (
    JsonModel,
    PrefixedField,
    TerrainForm,
    declared_forms,
)

EXCLUDED = {"auth.logout"}  # would end the fuzzing session itself

NASTY = ["", "-1", "0", "99999999999999999999999", "null", "None", "<script>alert(1)</script>",
         "' OR 1=1 --", "2026-02-31", "31/12/2026", "\x00", "é" * 300, "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "1e308", "NaN", "y", "on"]
# Ids and dates that once answered 500: digits that are not ASCII, out of the 32-bit range, dates out of range.
BAD_IDS = ["²", "٣", "１", "2147483648", "3000000000", "99999999999999999999", " 1", "1 ", "+1", "1.0", "0x1", "1,2"]
BAD_DAYS = ["0001-01-01", "9999-12-31", "1999-12-31", "2100-01-01", "2026-13-01", "２０２６-01-01", "2026-1-1",
            "20260101", "2026-01-01T00:00"]
values = st.one_of(st.sampled_from(NASTY), st.sampled_from(BAD_IDS), st.sampled_from(BAD_DAYS),
                   st.text(max_size=200), st.integers().map(str), st.dates().map(lambda d: d.isoformat()),
                   st.text(min_size=3000, max_size=6000))
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.sampled_from(NASTY + BAD_IDS) | st.text(),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                       max_size=3), max_leaves=6)


def field_names(form_class) -> list[str]:
    """The names a form reads from a request: its fields, and examples of its `prefix<suffix>` families."""
    names = []
    for name in dir(form_class):
        unbound = getattr(form_class, name, None)
        if name.startswith("_") or not hasattr(unbound, "field_class"):
            continue
        if unbound.field_class is PrefixedField:
            prefix = unbound.kwargs["prefix"]
            names += [prefix + suffix for suffix in unbound.kwargs.get("example_suffixes", ("1",))]
            names += [prefix + "²", prefix + "99999999999-1"]
        else:
            names.append(name)
    return sorted(names)


def post_rules(app):
    """(rule, form class) of every POST route."""
    forms = declared_forms(app)
    return sorted(((rule, forms[rule.endpoint][0]) for rule in app.url_map.iter_rules()
                   if "POST" in rule.methods and rule.endpoint not in EXCLUDED), key=lambda item: item[0].rule)


def query_rules(app):
    """(rule, query form class) of every GET route that reads a query string."""
    forms = declared_forms(app)
    return sorted(((rule, forms[rule.endpoint][1]) for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and forms.get(rule.endpoint, (None, None))[1] is not None),
                  key=lambda item: item[0].rule)


def fingerprint(db, structure_id: int) -> str:
    """A hash of every row that belongs to the structure, across all tables."""
    digest = hashlib.sha256()
    for table in SQLModel.metadata.sorted_tables:
        if "structure_id" in table.c:
            rows = db.connection().execute(
                select(table).where(table.c.structure_id == structure_id).order_by(*table.primary_key.columns)).all()
            digest.update(repr(rows).encode())
    return digest.hexdigest()


def _url(rule, ids):
    return re.sub(r"<(?:int:)?[a-z_]+>", lambda _: str(ids), rule.rule)


def test_every_post_route_declares_its_form_and_every_field_is_known(app):
    rules = post_rules(app)
    missing = [rule.endpoint for rule, form_class in rules if form_class is None]
    assert missing == [], "POST views without @form(...): " + ", ".join(missing)
    for rule, form_class in rules:
        assert issubclass(form_class, (TerrainForm, JsonModel))
        if issubclass(form_class, TerrainForm) and form_class.__name__ != "EmptyForm":
            assert field_names(form_class), rule.endpoint
    assert {rule.endpoint for rule, _ in query_rules(app)} >= {
        "production.index", "production.week", "skills.group_result", "skills.index", "audit.index",
        "pathway.index", "employees.index", "observations.new", "learning_sessions.index", "today.attendance"}


def _world(app, make, structure, role):
    other = make.structure("Structure voisine")
    foreign = make.employee(other)
    make.user("supervisor", other)
    own = make.employee(structure)
    # Re-logging in after the fuzzer ends its own session must not wait for a new TOTP step.
    app.config["TOTP_REQUIRED_ROLES"] = ()
    actor = make.user(role, structure, totp_secret=None)
    return other, own, foreign, actor


@pytest.mark.parametrize("role", ["director", "supervisor"])
def test_generated_input_never_breaks_or_leaks(app, client, auth, users, make, structure, db, role):
    other, own, foreign, actor = _world(app, make, structure, role)
    before = fingerprint(db, other.id)
    rules = post_rules(app)
    auth.login(actor.email)

    @settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
    @given(item=st.sampled_from(rules), data=st.data(),
           object_id=st.sampled_from([own.id, foreign.id, 0, 2**31, users["supervisor"].id]),
           as_htmx=st.booleans())
    def run(item, data, object_id, as_htmx):
        rule, form_class = item
        if client.get("/compte/").status_code != 200:
            assert auth.login(actor.email).status_code == 303
        headers = {"HX-Request": "true"} if as_htmx else {}
        url = _url(rule, object_id)
        if issubclass(form_class, JsonModel):
            names = sorted(form_class.model_fields)
            body = data.draw(st.dictionaries(st.sampled_from(names), json_values, max_size=len(names)) | json_values)
            headers["X-CSRFToken"] = csrf_token(client)
            response = client.post(url, data=json.dumps(body), content_type="application/json", headers=headers)
            sent = body
        else:
            names = field_names(form_class) + ["structure_id", "id", "role", "active"]
            sent = data.draw(st.dictionaries(st.sampled_from(names), st.one_of(values, st.lists(values, max_size=3)),
                                             max_size=12))
            response = client.post(url, data={**sent, "csrf_token": csrf_token(client)}, headers=headers)
        assert response.status_code < 500, (rule.rule, sent, response.get_data(as_text=True)[:500])

    run()
    db.rollback()
    assert fingerprint(db, other.id) == before


@pytest.mark.parametrize("role", ["director", "supervisor"])
def test_generated_query_strings_never_break_or_leak(app, client, auth, users, make, structure, db, role):
    other, own, foreign, actor = _world(app, make, structure, role)
    before = fingerprint(db, other.id)
    rules = query_rules(app)
    auth.login(actor.email)

    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
    @given(item=st.sampled_from(rules), data=st.data(), object_id=st.sampled_from([own.id, foreign.id, 0, 2**31]),
           as_htmx=st.booleans())
    def run(item, data, object_id, as_htmx):
        rule, query_class = item
        names = field_names(query_class)
        query = data.draw(st.dictionaries(st.sampled_from(names), st.one_of(values, st.lists(values, max_size=3)),
                                          min_size=1, max_size=len(names)))
        response = client.get(_url(rule, object_id), query_string=query,
                              headers={"HX-Request": "true"} if as_htmx else {})
        assert response.status_code < 500, (rule.rule, query, response.get_data(as_text=True)[:500])

    run()
    db.rollback()
    assert fingerprint(db, other.id) == before

"""Generated input on every form endpoint: never a 500, never a change to another structure's data."""
import hashlib
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlmodel import SQLModel

from tests.conftest import csrf_token
from webapp.routes._web.forms import TerrainForm

EXCLUDED = {"auth.logout"}  # would end the fuzzing session itself


def _all_field_names() -> list[str]:
    names, stack = set(), list(TerrainForm.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        names.update(name for name in dir(cls) if not name.startswith("_") and hasattr(getattr(cls, name), "field_class"))
    return sorted(names)


FIELD_NAMES = _all_field_names()
NASTY = ["", "-1", "0", "99999999999999999999999", "null", "None", "<script>alert(1)</script>",
         "' OR 1=1 --", "2026-02-31", "31/12/2026", "\x00", "é" * 300, "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "1e308", "NaN", "y", "on"]
values = st.one_of(st.sampled_from(NASTY), st.text(max_size=200), st.integers().map(str),
                   st.dates().map(lambda d: d.isoformat()), st.text(min_size=3000, max_size=6000))
form_data = st.dictionaries(st.sampled_from(FIELD_NAMES + ["structure_id", "id", "role", "active"]), values,
                            max_size=12)


def post_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules()
                   if "POST" in rule.methods and rule.endpoint not in EXCLUDED), key=lambda r: r.rule)


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


@pytest.mark.parametrize("role", ["director", "supervisor"])
def test_generated_input_never_breaks_or_leaks(app, client, auth, users, make, structure, db, role):
    other = make.structure("Structure voisine")
    foreign = make.employee(other)
    make.user("supervisor", other)
    own = make.employee(structure)
    # Re-logging in after the fuzzer ends its own session must not wait for a new TOTP step.
    app.config["TOTP_REQUIRED_ROLES"] = ()
    actor = make.user(role, structure, totp_secret=None)
    before = fingerprint(db, other.id)
    rules = post_rules(app)
    auth.login(actor.email)

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(rule=st.sampled_from(rules), data=form_data,
           object_id=st.sampled_from([own.id, foreign.id, 0, 2**31, users["supervisor"].id]),
           as_htmx=st.booleans())
    def run(rule, data, object_id, as_htmx):
        if client.get("/compte/").status_code != 200:
            assert auth.login(actor.email).status_code == 303
        payload = dict(data)
        payload["csrf_token"] = csrf_token(client)
        headers = {"HX-Request": "true"} if as_htmx else {}
        response = client.post(_url(rule, object_id), data=payload, headers=headers)
        assert response.status_code < 500, (rule.rule, payload, response.get_data(as_text=True)[:500])

    run()
    db.rollback()
    assert fingerprint(db, other.id) == before

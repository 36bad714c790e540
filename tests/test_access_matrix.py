"""Every route × every role × relation to the object (own structure, other structure, anonymous).

A route missing from MATRIX or PUBLIC fails `test_every_route_is_in_the_matrix`, so no route ships unchecked.
"""
import re

import pytest

from tests.conftest import AuthActions, post

ROLES = ("supervisor", "counsellor", "coordinator", "director", "admin")
STAFF = ("supervisor", "counsellor", "coordinator", "director")

# Routes anyone may reach, logged in or not.
PUBLIC = {"static", "auth.login", "auth.second_factor", "auth.passkey_options", "auth.passkey_login",
          "home.healthz", "pwa.manifest", "pwa.service_worker", "pwa.offline"}


def allow(*roles):
    return frozenset(roles)


# endpoint -> (method, kind of object in the URL or None, roles allowed)
MATRIX = {
    "home.index": ("GET", None, allow(*ROLES)),
    "auth.logout": ("POST", None, allow(*ROLES)),
    "account.index": ("GET", None, allow(*ROLES)),
    "account.password": ("GET", None, allow(*ROLES)),
    "account.totp": ("GET", None, allow(*ROLES)),
    "account.end_session": ("POST", "session", allow(*ROLES)),
    "account.end_other_sessions": ("POST", None, allow(*ROLES)),
    "account.passkey_options": ("POST", None, allow(*ROLES)),
    "account.passkey_register": ("POST", None, allow(*ROLES)),
    "account.passkey_delete": ("POST", "passkey", allow(*ROLES)),
    "employees.index": ("GET", None, allow(*STAFF)),
    "employees.create": ("GET", None, allow("counsellor", "coordinator", "director")),
    "employees.show": ("GET", "employee", allow(*STAFF)),
    "employees.edit": ("GET", "employee", allow("counsellor", "coordinator", "director")),
    "employees.renew": ("POST", "employee", allow("counsellor", "coordinator", "director")),
    "privacy.export_html": ("GET", "employee", allow("director")),
    "privacy.export_json": ("GET", "employee", allow("director")),
    "users.index": ("GET", None, allow("director")),
    "users.create": ("GET", None, allow("director")),
    "users.edit": ("GET", "user", allow("director")),
    "structure.edit": ("GET", None, allow("director")),
    "structure.create": ("POST", None, allow("admin")),
    "audit.index": ("GET", None, allow("director")),
    "alerts.index": ("GET", None, allow(*STAFF)),
    "alerts.new": ("GET", None, allow("supervisor", "coordinator")),
}


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = endpoints - set(MATRIX) - PUBLIC
    assert not missing, f"routes without an access rule in the matrix: {sorted(missing)}"
    assert not set(MATRIX) - endpoints, "matrix lists routes that no longer exist"


@pytest.fixture
def objects(make, structure, users, db):
    """One object of each kind in the structure and one in another structure."""
    other = make.structure("Structure voisine")
    own = {"employee": make.employee(structure).id, "user": users["supervisor"].id}
    foreign = {"employee": make.employee(other).id, "user": make.user("supervisor", other).id}
    return own, foreign, other


def _url(app, endpoint, object_id):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    return re.sub(r"<(?:int:)?[a-z_]+>", str(object_id), rule.rule)


def _request(client, method, url, htmx=False):
    if method == "GET":
        return client.get(url, headers={"HX-Request": "true"} if htmx else {})
    return post(client, url, {}, htmx=htmx)


def _passkey(db, user_id):
    from webapp.models import Passkey

    row = Passkey(user_id=user_id, credential_id=f"cred-{user_id}", public_key=b"k")
    db.add(row)
    db.commit()
    return row.id


def _session_id(db, user_id):
    from sqlmodel import col, select

    from webapp.models import UserSession

    db.rollback()
    return db.exec(select(UserSession.id).where(UserSession.user_id == user_id)
                   .order_by(col(UserSession.id).desc())).first()  # the session opened last


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_anonymous_is_sent_to_login(app, client, objects, endpoint):
    method, kind, _ = MATRIX[endpoint]
    own, _, _ = objects
    url = _url(app, endpoint, own.get(kind, 1))
    if method == "GET":
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url
    htmx = client.get(url, headers={"HX-Request": "true"}) if method == "GET" else None
    if htmx is not None:
        assert htmx.status_code == 401 and htmx.headers["HX-Redirect"] == "/login"
    if method == "POST":
        response = post(client, url, {})
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_role_and_structure_rules(app, client, auth, users, objects, db, endpoint, role):
    method, kind, allowed = MATRIX[endpoint]
    own, foreign, _ = objects
    if kind == "session":
        # Sessions belong to a person: the own object is the user's session on another device,
        # the foreign one another person's session.
        AuthActions(app.test_client()).login(users[role].email)
        own_id = _session_id(db, users[role].id)
        other = users["counsellor"] if role != "counsellor" else users["supervisor"]
        AuthActions(app.test_client()).login(other.email)
        foreign_id = _session_id(db, other.id)
    if kind == "passkey":
        other = users["counsellor"] if role != "counsellor" else users["supervisor"]
        own_id, foreign_id = _passkey(db, users[role].id), _passkey(db, other.id)
    auth.login(users[role].email)
    if kind not in ("session", "passkey"):
        own_id, foreign_id = own.get(kind, 1), foreign.get(kind, 1)
    response = _request(client, method, _url(app, endpoint, own_id))
    if role in allowed:
        assert response.status_code not in (401, 403, 404) and response.status_code < 500, response.status_code
        if kind:
            foreign_response = _request(client, method, _url(app, endpoint, foreign_id))
            assert foreign_response.status_code == 404
    else:
        assert response.status_code == 403

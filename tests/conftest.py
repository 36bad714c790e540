"""Shared fixtures: an application on a fresh SQLite file per test, a client, a logged-in helper."""
from __future__ import annotations

import os
import re
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import pyotp
import pytest
from sqlmodel import Session

from tests.databases import provider
from webapp import create_app
from webapp.domain.accounts.auth import hash_password
from webapp.models import Contract, Employee, Structure, Team, User, Worksite
from webapp.platform.db import get_engine, writing

# The test structures live in Paris (the default zone) and the screens count days in the structure's zone: the tests'
# own `date.today()` must be that day too, also when the machine runs them on UTC between 23:00 and midnight.
os.environ["TZ"] = "Europe/Paris"
time.tzset()

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = hash_password(PASSWORD)
SECOND_FACTOR_ROLES = ("director", "admin")
TOTP_SECRETS: dict[str, str] = {}  # e-mail -> secret of the accounts the factory gave a second factor
_USED_STEPS: dict[str, set[int]] = {}


def totp_code(email: str) -> str:
    """A valid code for the account, never one of a time step already used (the server refuses replays)."""
    secret = TOTP_SECRETS[email]
    generator = pyotp.TOTP(secret)
    current = int(time.time() // generator.interval)
    used = _USED_STEPS.setdefault(secret, set())
    for step in (current, current + 1):
        if step not in used and (not used or step > max(used)):
            used.add(step)
            return generator.generate_otp(step)
    raise RuntimeError("no unused TOTP step left in the tolerance window")


def client_key(label: str) -> str:
    """The idempotency key a phone would send for the capture called `label` (a UUID, stable per label)."""
    return str(uuid.uuid5(uuid.NAMESPACE_OID, label))


def forget_used_codes() -> None:
    """Tests on a fresh copy of a database may use a time step again: that copy never saw it."""
    _USED_STEPS.clear()


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    """Migrated once; each test gets its own copy (SQLite file, or PostgreSQL database from a template)."""
    chosen = provider(tmp_path_factory.mktemp("template"))
    yield chosen
    chosen.close()


def build_app(database, upload_folder=None, **overrides):
    """An application in testing mode on `database`: a database URL, or the path of a SQLite file."""
    if isinstance(database, Path):
        upload_folder = upload_folder or database.parent / "uploads"
        database = f"sqlite:///{database}"
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": database,
        "UPLOAD_FOLDER": str(upload_folder),
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def app(databases, tmp_path):
    """The application on its own copy of the migrated database."""
    url = databases.new(tmp_path)
    application = build_app(url, upload_folder=tmp_path / "uploads")
    application.instance_path = str(tmp_path)
    yield application
    get_engine(application).dispose()
    databases.drop(url)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    """A database session outside any request, for arranging and checking data."""
    with Session(get_engine(app), expire_on_commit=False) as session:
        yield session


class Factory:
    """Creates rows with sensible defaults; every call commits."""

    def __init__(self, session: Session):
        self.db = session
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def structure(self, name: str | None = None) -> Structure:
        row = Structure(name=name or f"Structure {self._next()}")
        return self._save(row)

    def user(self, role: str, structure: Structure | None, email: str | None = None, **fields) -> User:
        """An account; director and admin get a second factor, as the default configuration requires."""
        n = self._next()
        if role in SECOND_FACTOR_ROLES and "totp_secret" not in fields:
            fields["totp_secret"] = pyotp.random_base32()
        row = User(
            structure_id=structure.id if structure else None,
            email=email or f"{role}{n}@test.terrain",
            full_name=fields.pop("full_name", f"{role.capitalize()} {n}"),
            role=role,
            password_hash=_PASSWORD_HASH,
            **fields,
        )
        if row.totp_secret:
            TOTP_SECRETS[row.email] = row.totp_secret
        return self._save(row)

    def worksite(self, structure: Structure, sector: str = "Espaces verts", rome_code: str = "A1203") -> Worksite:
        return self._save(Worksite(structure_id=structure.id, name=f"Chantier {self._next()}", sector=sector,
                                   rome_code=rome_code))

    def employee(self, structure: Structure, with_contract: bool = True, **fields) -> Employee:
        n = self._next()
        row = Employee(structure_id=structure.id, first_name=fields.pop("first_name", f"Prénom{n}"),
                       last_name=fields.pop("last_name", f"Nom{n}"), **fields)
        self._save(row)
        if with_contract:
            start = date.today() - timedelta(days=30)
            self._save(Contract(structure_id=structure.id, employee_id=row.id, start_date=start,
                                end_date=start + timedelta(days=182), weekly_hours=26))
        return row

    def _save(self, row):
        with writing():
            self.db.add(row)
            self.db.commit()
        return row


@pytest.fixture
def make(db):
    return Factory(db)


@pytest.fixture
def structure(make):
    return make.structure("ACI des Tests")


@pytest.fixture
def users(make, structure):
    """One active account of each role in `structure` (admin without structure)."""
    return {role: make.user(role, structure if role != "admin" else None)
            for role in ("supervisor", "counsellor", "coordinator", "director", "admin")}


_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client) -> str:
    """The CSRF token of the client's session, read from a page as the browser does."""
    for url in ("/compte/", "/compte/double-authentification", "/login/code", "/login"):
        response = client.get(url)
        if response.status_code == 200:
            return _CSRF_META.search(response.get_data(as_text=True)).group(1)
    raise AssertionError("no page with a CSRF token")


def post(client, url: str, data: dict | None = None, htmx: bool = False, **kwargs):
    """POST a form with the session's CSRF token, optionally as htmx does."""
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client))
    headers = kwargs.pop("headers", {})
    if htmx:
        headers["HX-Request"] = "true"
    return client.post(url, data=data, headers=headers, **kwargs)


@pytest.fixture
def crew(make, structure, users, db):
    """A work site, the supervisor's team on it, and four employees who have that supervisor as referent."""
    site = make.worksite(structure)
    team = make._save(Team(structure_id=structure.id, name="Équipe verte", worksite_id=site.id,
                           supervisor_id=users["supervisor"].id))
    people = [make.employee(structure, first_name=name, last_name="Test", referent_eti_id=users["supervisor"].id,
                            referent_cip_id=users["counsellor"].id, worksite_id=site.id, team_id=team.id)
              for name in ("Amina", "Bruno", "Chloé", "Daouda")]
    return {"site": site, "team": team, "people": people}


class AuthActions:
    """Log in and out through the real login form."""

    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = PASSWORD, follow_redirects: bool = False):
        """Post the login form, then the second-factor code when the account has one."""
        response = post(self._client, "/login", {"email": email, "password": password},
                        follow_redirects=follow_redirects)
        if response.status_code == 303 and response.headers["Location"] == "/login/code":
            token = _CSRF_META.search(self._client.get("/login/code").get_data(as_text=True)).group(1)
            response = self._client.post("/login/code", data={"code": totp_code(email.lower()), "csrf_token": token},
                                         follow_redirects=follow_redirects)
        return response

    def logout(self):
        return post(self._client, "/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def login_as(auth, users):
    """Log in as the account of the given role; returns that account."""

    def _login(role: str) -> User:
        response = auth.login(users[role].email)
        assert response.status_code == 303, response.get_data(as_text=True)
        return users[role]

    return _login


def pytest_configure(config):
    os.environ.setdefault("TERRAIN_TESTING", "1")

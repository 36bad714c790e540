"""Every route × every role × relation to the object (own structure, other structure, anonymous).

Two demo structures are seeded once; each test works on a copy. A route missing from MATRIX or PUBLIC fails
`test_every_route_is_in_the_matrix`, so no route ships unchecked.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session, col, select

from tests.conftest import (
    PASSWORD,
    TOTP_SECRETS,
    AuthActions,
    build_app,
    forget_used_codes,
    post,
)
from webapp.platform.db import get_engine, writing

ROLES = ("supervisor", "counsellor", "coordinator", "director", "admin")
STAFF = ("supervisor", "counsellor", "coordinator", "director")
FIELD = ("supervisor", "coordinator", "director")
DIAGNOSTIC = ("counsellor", "director")  # who edits freins, objectives and bilans

# Routes anyone may reach, logged in or not.
PUBLIC = {"static", "auth.login", "auth.second_factor", "auth.passkey_options", "auth.passkey_login",
          "home.healthz", "pwa.manifest", "pwa.service_worker", "pwa.offline"}


def allow(*roles):
    return frozenset(roles)


@dataclass(frozen=True)
class Rule:
    method: str
    roles: frozenset
    kind: str | None = None  # kind of object in the URL, checked for structure (or owner) isolation
    query: dict = field(default_factory=dict)  # query parameters: name -> kind of object or literal


MATRIX = {
    # home, account, authentication
    "home.index": Rule("GET", allow(*ROLES)),
    "auth.logout": Rule("POST", allow(*ROLES)),
    "pwa.csrf_token": Rule("GET", allow(*ROLES)),
    "account.index": Rule("GET", allow(*ROLES)),
    "account.password": Rule("GET", allow(*ROLES)),
    "account.totp": Rule("GET", allow(*ROLES)),
    "account.end_session": Rule("POST", allow(*ROLES), "session"),
    "account.end_other_sessions": Rule("POST", allow(*ROLES)),
    "account.passkey_options": Rule("POST", allow(*ROLES)),
    "account.passkey_register": Rule("POST", allow(*ROLES)),
    "account.passkey_delete": Rule("POST", allow(*ROLES), "passkey"),
    # employees, privacy, accounts, structure, audit
    "employees.index": Rule("GET", allow(*STAFF)),
    "employees.create": Rule("GET", allow("counsellor", "coordinator", "director")),
    "employees.show": Rule("GET", allow(*STAFF), "employee"),
    "employees.edit": Rule("GET", allow("counsellor", "coordinator", "director"), "employee"),
    "employees.renew": Rule("POST", allow("counsellor", "coordinator", "director"), "employee"),
    "privacy.export_html": Rule("GET", allow("director"), "employee"),
    "privacy.export_json": Rule("GET", allow("director"), "employee"),
    "users.index": Rule("GET", allow("director")),
    "users.create": Rule("GET", allow("director")),
    "users.edit": Rule("GET", allow("director"), "user"),
    "structure.edit": Rule("GET", allow("director")),
    "structure.create": Rule("POST", allow("admin")),
    "audit.index": Rule("GET", allow("director")),
    # field capture
    "today.index": Rule("GET", allow(*FIELD)),
    "today.attendance": Rule("GET", allow(*FIELD)),
    "today.mark": Rule("POST", allow(*FIELD), "employee"),
    "today.team": Rule("POST", allow(*FIELD), "employee"),
    "today.team_edit": Rule("GET", allow(*FIELD)),
    "today.briefing": Rule("POST", allow(*FIELD), "worksite"),
    "instructions.create": Rule("POST", allow(*FIELD)),
    "instructions.acknowledge": Rule("POST", allow(*FIELD), "instruction"),
    "instructions.photo": Rule("GET", allow(*STAFF), "instruction"),
    "instructions.undo": Rule("POST", allow(*FIELD), "instruction"),
    "observations.new": Rule("GET", allow(*STAFF)),
    "observations.create": Rule("POST", allow(*STAFF)),
    # Only the author corrects an observation: the own object is one the role's user wrote.
    "observations.correct": Rule("GET", allow(*STAFF), "authored_observation"),
    "observations.photo": Rule("GET", allow(*STAFF), "observation"),
    "observations.undo": Rule("POST", allow(*STAFF), "authored_observation"),
    "observations.feed": Rule("GET", allow("counsellor", "coordinator", "director")),
    "observations.feed_read": Rule("POST", allow("counsellor", "coordinator", "director")),
    "pathway.index": Rule("GET", allow(*STAFF), "employee"),
    "production.index": Rule("GET", allow(*FIELD)),
    "production.week": Rule("GET", allow(*FIELD)),
    "production.add_task": Rule("POST", allow(*FIELD), "worksite"),
    "production.save_log": Rule("POST", allow(*FIELD), "worksite"),
    "production.update_task": Rule("POST", allow(*FIELD), "task"),
    "production.undo_task": Rule("POST", allow(*FIELD), "task"),
    # alerts
    "alerts.index": Rule("GET", allow(*STAFF)),
    "alerts.badge": Rule("GET", allow(*STAFF)),
    "alerts.new": Rule("GET", allow("supervisor", "coordinator")),
    # An alert is readable by its raiser, its recipients and direction: each role gets one it may read.
    "alerts.show": Rule("GET", allow(*STAFF), "alert"),
    "alerts.status": Rule("GET", allow(*STAFF), "alert"),
    "alerts.acknowledge": Rule("POST", allow("counsellor", "coordinator"), "alert"),
    "alerts.resolve": Rule("POST", allow("counsellor", "coordinator", "director"), "alert"),
    "alerts.subscribe": Rule("POST", allow(*STAFF)),
    "alerts.settings": Rule("GET", allow("director")),
    # skills, learning sessions, attestations
    "skills.index": Rule("GET", allow(*STAFF)),
    "skills.rate": Rule("GET", allow(*FIELD), "employee"),
    "skills.photo": Rule("GET", allow(*STAFF), "rating"),
    "skills.progress": Rule("GET", allow(*STAFF), "employee"),
    "skills.group": Rule("GET", allow(*FIELD)),
    "skills.group_rate": Rule("GET", allow(*FIELD), "skill", {"chantier": "worksite"}),
    "skills.group_result": Rule("GET", allow(*FIELD), None, {"r": "rating", "chantier": "worksite"}),
    "skills.correct": Rule("POST", allow(*FIELD), "rating"),
    "skills.undo": Rule("POST", allow(*FIELD), "rating"),
    "skills.group_undo": Rule("POST", allow(*FIELD)),
    "skills.frameworks": Rule("GET", allow(*STAFF)),
    "skills.framework": Rule("GET", allow(*STAFF), "framework"),
    "skills.add_skill": Rule("POST", allow("director"), "framework"),
    "skills.revise_skill": Rule("POST", allow("director"), "skill"),
    "skills.retire_skill": Rule("POST", allow("director"), "skill"),
    "skills.export": Rule("GET", allow(*STAFF), "framework"),
    "skills.import_csv": Rule("POST", allow("director"), "framework"),
    "learning_sessions.index": Rule("GET", allow(*STAFF)),
    "learning_sessions.create": Rule("GET", allow(*FIELD)),
    "learning_sessions.show": Rule("GET", allow(*STAFF), "learning_session"),
    "learning_sessions.finish": Rule("POST", allow(*FIELD), "learning_session"),
    "attestations.employee": Rule("GET", allow(*STAFF), "employee"),
    "attestations.show": Rule("GET", allow(*STAFF), "attestation"),
    "attestations.easy": Rule("GET", allow(*STAFF), "attestation"),
    "attestations.pdf": Rule("GET", allow(*STAFF), "attestation"),
    "attestations.openbadge": Rule("GET", allow(*STAFF), "attestation"),
    # socio-professional follow-up: welcome, freins, signals, constraints, atouts, objectives, bilans, deadlines
    "followup.employee": Rule("GET", allow(*STAFF), "employee"),
    "followup.tick": Rule("POST", allow(*STAFF), "employee"),
    "followup.welcome_template": Rule("GET", allow("director")),
    "followup.situations": Rule("GET", allow("director")),
    "followup.add_barrier": Rule("POST", allow(*DIAGNOSTIC), "employee"),
    "followup.update_barrier": Rule("POST", allow(*DIAGNOSTIC), "barrier"),
    "followup.signal": Rule("GET", allow(*FIELD), "employee"),
    "followup.handle_signal": Rule("POST", allow(*DIAGNOSTIC), "signal"),
    "followup.add_constraint": Rule("POST", allow(*DIAGNOSTIC), "employee"),
    "followup.remove_constraint": Rule("POST", allow(*DIAGNOSTIC), "constraint"),
    "followup.add_strength": Rule("POST", allow(*DIAGNOSTIC), "employee"),
    "followup.new_goal": Rule("GET", allow(*DIAGNOSTIC), "employee"),
    "followup.edit_goal": Rule("GET", allow(*DIAGNOSTIC), "goal"),
    "reviews.index": Rule("GET", allow(*STAFF)),
    "reviews.create": Rule("POST", allow(*DIAGNOSTIC), "employee"),
    "reviews.show": Rule("GET", allow(*STAFF), "review"),
    "reviews.contribute": Rule("POST", allow(*FIELD), "review"),
    "reviews.save": Rule("POST", allow(*DIAGNOSTIC), "review"),
    "reviews.finalise": Rule("POST", allow(*DIAGNOSTIC), "review"),
    "reviews.addendum": Rule("POST", allow(*DIAGNOSTIC), "review"),
    "reviews.print_page": Rule("GET", allow("counsellor", "coordinator", "director"), "review"),
    "reviews.pdf": Rule("GET", allow("counsellor", "coordinator", "director"), "review"),
    "deadlines.index": Rule("GET", allow(*STAFF)),
}


@dataclass
class Seeded:
    url: str
    uploads: Path
    own: dict
    foreign: dict
    emails: dict


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "#3a6").save(buffer, "JPEG")
    return buffer.getvalue()


def _pick(db: Session, structure_id: int, uploads: Path) -> dict:
    """One object of each kind in the structure, chosen so that allowed roles can open it."""
    from webapp.domain.skills import attestations
    from webapp.models import (
        Alert,
        AlertRecipient,
        Barrier,
        BarrierSignal,
        Employee,
        Goal,
        Instruction,
        LearningSession,
        Observation,
        ProductionTask,
        Review,
        Skill,
        SkillFramework,
        SkillRating,
        User,
        WorkConstraint,
        Worksite,
    )
    from webapp.platform.photos import store_photo

    def first(query):
        row = db.exec(query).first()
        assert row is not None, query
        return row

    employee = first(select(Employee).where(Employee.structure_id == structure_id, Employee.active.is_(True))
                     .order_by(col(Employee.id)))
    director = first(select(User).where(User.structure_id == structure_id, User.role == "director"))
    rating = first(select(SkillRating).where(SkillRating.structure_id == structure_id))
    coordinator = first(select(User).where(User.structure_id == structure_id, User.role == "coordinator"))
    supervisor = first(select(User).where(User.structure_id == structure_id, User.email.startswith("encadrant@")))
    counsellor = first(select(User).where(User.structure_id == structure_id, User.email.startswith("cip@")))
    raised = first(select(Alert).where(Alert.raised_by_id == supervisor.id))
    for user in (counsellor, coordinator):
        if db.exec(select(AlertRecipient).where(AlertRecipient.alert_id == raised.id,
                                                AlertRecipient.user_id == user.id)).first() is None:
            db.add(AlertRecipient(structure_id=structure_id, alert_id=raised.id, user_id=user.id, reason="test"))
    rating.evidence_ref = "photo:%d" % store_photo(db=db, data=_jpeg(), upload_folder=str(uploads),
                                                   structure_id=structure_id, user_id=rating.rated_by_id).id
    db.add(rating)
    attestation = attestations.issue(db, employee=employee, user=director)
    instruction = first(select(Instruction).where(Instruction.structure_id == structure_id))
    instruction.photo_id = store_photo(db=db, data=_jpeg(), upload_folder=str(uploads), structure_id=structure_id,
                                       user_id=director.id).id
    db.add(instruction)
    db.flush()
    return {
        "employee": employee.id,
        "user": first(select(User).where(User.structure_id == structure_id, User.role == "supervisor")).id,
        "worksite": first(select(Worksite).where(Worksite.structure_id == structure_id)).id,
        "instruction": instruction.id,
        "observation": first(select(Observation).where(Observation.structure_id == structure_id,
                                                       Observation.visibility == "team",
                                                       col(Observation.photo_id).is_not(None))).id,
        "authored_observation": first(select(Observation).where(Observation.structure_id == structure_id,
                                                                Observation.visibility == "team")).id,
        "task": first(select(ProductionTask).where(ProductionTask.structure_id == structure_id)).id,
        "alert": raised.id,
        "rating": rating.id,
        "skill": first(select(Skill).where(Skill.structure_id == structure_id, Skill.active.is_(True))).id,
        "framework": first(select(SkillFramework).where(SkillFramework.structure_id == structure_id)).id,
        "learning_session": first(select(LearningSession).where(LearningSession.structure_id == structure_id)).id,
        "attestation": attestation.id,
        "barrier": first(select(Barrier).where(Barrier.structure_id == structure_id)).id,
        "signal": first(select(BarrierSignal).where(BarrierSignal.structure_id == structure_id,
                                                    BarrierSignal.status == "nouveau")).id,
        "constraint": first(select(WorkConstraint).where(WorkConstraint.structure_id == structure_id)).id,
        "goal": first(select(Goal).where(Goal.structure_id == structure_id)).id,
        "review": first(select(Review).where(Review.structure_id == structure_id, Review.status == "draft")).id,
    }


@pytest.fixture(scope="module")
def seeded(databases, tmp_path_factory):
    """Two full demo structures in one database, migrated and seeded once for the module."""
    from webapp.demo import DEMO_EMAILS, seed_demo_data
    from webapp.models import User

    folder = tmp_path_factory.mktemp("seeded")
    uploads = folder / "uploads"
    uploads.mkdir()
    url = databases.new(folder)
    app = build_app(url, upload_folder=uploads)
    with app.app_context(), writing(), Session(get_engine(app), expire_on_commit=False) as db:
        own = seed_demo_data(db, PASSWORD, domain="demo.terrain")
        other = seed_demo_data(db, PASSWORD, domain="autre.terrain", name="Structure voisine")
        ids = _pick(db, own.id, uploads), _pick(db, other.id, uploads)
        db.commit()
        for user in db.exec(select(User).where(col(User.totp_secret).is_not(None))).all():
            TOTP_SECRETS[user.email] = user.totp_secret
    get_engine(app).dispose()
    emails = {role: email for role, email in DEMO_EMAILS.items()}
    emails["other_counsellor"] = "cip2@demo.terrain"
    yield Seeded(url, uploads, ids[0], ids[1], emails)
    databases.drop(url)


@pytest.fixture
def matrix_app(databases, seeded, tmp_path):
    url = databases.clone(seeded.url, tmp_path)
    forget_used_codes()
    application = build_app(url, upload_folder=seeded.uploads)
    yield application
    get_engine(application).dispose()
    databases.drop(url)


def test_every_route_is_in_the_matrix(matrix_app):
    endpoints = {rule.endpoint for rule in matrix_app.url_map.iter_rules()}
    missing = endpoints - set(MATRIX) - PUBLIC
    assert not missing, f"routes without an access rule in the matrix: {sorted(missing)}"
    assert not set(MATRIX) - endpoints, "matrix lists routes that no longer exist"


def _url(app, endpoint: str, rule: Rule, objects: dict, object_id) -> str:
    """The URL of the endpoint for `object_id`, with today's date where a day is expected."""
    url_rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    path = re.sub(r"<int:[a-z_]+>", str(object_id), url_rule.rule)
    path = re.sub(r"<[a-z_]+>", date.today().isoformat(), path)
    if rule.query:
        path += "?" + "&".join(f"{k}={objects.get(v, v)}" for k, v in rule.query.items())
    return path


def _request(client, method: str, url: str):
    """The response status of a GET, or of a POST with an empty form; the response is closed."""
    response = client.get(url) if method == "GET" else post(client, url, {})
    response.close()
    return response


def _session_id(app, user_email: str) -> int:
    from webapp.models import User, UserSession

    AuthActions(app.test_client()).login(user_email)
    with Session(get_engine(app)) as db:
        return db.exec(select(UserSession.id).join(User, User.id == UserSession.user_id)
                       .where(User.email == user_email).order_by(col(UserSession.id).desc())).first()


def _authored_by(app, user_email: str, observation_id: int) -> int:
    """Make the user the author of the observation (admin has no structure: left as it is)."""
    from webapp.models import Observation, User

    with writing(), Session(get_engine(app)) as db:
        user = db.exec(select(User).where(User.email == user_email)).one()
        if user.structure_id is not None:
            observation = db.get(Observation, observation_id)
            observation.author_id = user.id
            db.add(observation)
            db.commit()
    return observation_id


def _passkey_id(app, user_email: str) -> int:
    from webapp.models import Passkey, User

    with writing(), Session(get_engine(app)) as db:
        user = db.exec(select(User).where(User.email == user_email)).one()
        row = Passkey(user_id=user.id, credential_id=f"cred-{user.id}", public_key=b"k")
        db.add(row)
        db.commit()
        return row.id


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_anonymous_is_sent_to_login(matrix_app, seeded, endpoint):
    rule = MATRIX[endpoint]
    client = matrix_app.test_client()
    url = _url(matrix_app, endpoint, rule, seeded.own, seeded.own.get(rule.kind, 1))
    response = _request(client, rule.method, url)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url
    if rule.method == "GET":
        htmx = client.get(url, headers={"HX-Request": "true"})
        assert htmx.status_code == 401 and htmx.headers["HX-Redirect"] == "/login"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_role_and_structure_rules(matrix_app, seeded, endpoint, role):
    rule = MATRIX[endpoint]
    email = seeded.emails[role]
    other_person = seeded.emails["other_counsellor"] if role != "counsellor" else seeded.emails["supervisor"]
    if rule.kind == "session":
        # Sessions and passkeys belong to a person: the foreign one is another person's.
        own_id, foreign_id = _session_id(matrix_app, email), _session_id(matrix_app, other_person)
    elif rule.kind == "passkey":
        own_id, foreign_id = _passkey_id(matrix_app, email), _passkey_id(matrix_app, other_person)
    elif rule.kind == "authored_observation":
        own_id, foreign_id = _authored_by(matrix_app, email, seeded.own[rule.kind]), seeded.foreign[rule.kind]
    else:
        own_id, foreign_id = seeded.own.get(rule.kind, 1), seeded.foreign.get(rule.kind, 1)
    client = matrix_app.test_client()
    assert AuthActions(client).login(email).status_code == 303
    response = _request(client, rule.method, _url(matrix_app, endpoint, rule, seeded.own, own_id))
    if role in rule.roles:
        assert response.status_code not in (401, 403, 404) and response.status_code < 500, response.status_code
        if rule.kind:
            foreign = _request(client, rule.method, _url(matrix_app, endpoint, rule, seeded.foreign, foreign_id))
            assert foreign.status_code == 404, foreign.status_code
    else:
        assert response.status_code == 403, response.status_code

"""One idempotency protocol for captures and alerts: same key and body → the first result; other body → refused;
concurrent identical writes → one row; a replay while the first write is open → KeyInFlight (PostgreSQL)."""
import threading
import uuid
from datetime import date

import pytest
from sqlmodel import Session, func, select

from tests.conftest import client_key, post
from webapp.domain.alerts import alerts
from webapp.domain.field import instructions, observations, production
from webapp.models import (
    Alert,
    IdempotencyKey,
    Instruction,
    Observation,
    ProductionTask,
    User,
)
from webapp.platform import idempotency
from webapp.platform.db import get_engine, writing


def _count(db, model) -> int:
    db.rollback()
    return db.exec(select(func.count()).select_from(model)).one()


def _writers(crew, users):
    """One service call per kind of capture: (model, call(db, user, key, text))."""
    people = crew["people"]

    def observation(db, user, key, text):
        return observations.record_observation(
            db, user=user, employees=people[:2], category="technique", tone="positive", text=text,
            visibility="team", observed_on=date.today(), today=date.today(), client_key=key)

    def instruction(db, user, key, text):
        return instructions.give_instruction(db, user=user, employees=people, category="securite", text=text,
                                             worksite_id=crew["site"].id, day=date.today(), client_key=key)

    def task(db, user, key, text):
        return production.add_task(db, user=user, worksite=crew["site"], day=date.today(), client="Mairie",
                                   task=text, unit="m²", planned_quantity="10", done_quantity="", client_key=key,
                                   today=date.today())

    def alert(db, user, key, text):
        return alerts.raise_alert(db=db, raiser=user, employee_id=people[0].id, type_code="accident", facts=text,
                                  client_key=key)

    return {"observation": (Observation, observation), "instruction": (Instruction, instruction),
            "task": (ProductionTask, task), "alert": (Alert, alert)}


KINDS = ["observation", "instruction", "task", "alert"]


def _write(app, kind_call, user_id, key, text):
    """Run one write in its own session and transaction, as a request does; returns (id, created)."""
    with Session(get_engine(app), expire_on_commit=False) as db, writing():
        user = db.get(User, user_id)
        row, created = kind_call(db, user, key, text)
        db.commit()
        return row.id, created


@pytest.mark.parametrize("kind", KINDS)
def test_same_key_same_body_answers_the_first_result_and_writes_one_row(app, db, crew, users, kind):
    model, call = _writers(crew, users)[kind]
    key = str(uuid.uuid4())
    first = _write(app, call, users["supervisor"].id, key, "Tonte du parc")
    again = _write(app, call, users["supervisor"].id, key, "Tonte du parc")
    assert first == (first[0], True)
    assert again == (first[0], False)
    assert _count(db, model) == 1
    assert _count(db, IdempotencyKey) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_same_key_other_body_is_refused(app, db, crew, users, kind):
    model, call = _writers(crew, users)[kind]
    key = str(uuid.uuid4())
    _write(app, call, users["supervisor"].id, key, "Tonte du parc")
    with pytest.raises(idempotency.KeyReused) as refused:
        _write(app, call, users["supervisor"].id, key, "Taille des haies")
    assert "autre contenu" in str(refused.value)
    assert _count(db, model) == 1


def test_same_key_for_another_kind_of_capture_is_refused(app, db, crew, users):
    writers = _writers(crew, users)
    key = str(uuid.uuid4())
    _write(app, writers["observation"][1], users["supervisor"].id, key, "Tonte du parc")
    with pytest.raises(idempotency.KeyReused):
        _write(app, writers["task"][1], users["supervisor"].id, key, "Tonte du parc")
    assert _count(db, ProductionTask) == 0


def test_same_key_from_two_authors_records_two_captures(app, db, crew, users, make, structure):
    model, call = _writers(crew, users)["observation"]
    other = make.user("supervisor", structure)
    key = str(uuid.uuid4())
    assert _write(app, call, users["supervisor"].id, key, "Tonte")[1]
    assert _write(app, call, other.id, key, "Tonte")[1]
    assert _count(db, model) == 2


@pytest.mark.parametrize("kind", KINDS)
def test_concurrent_identical_writes_record_one_row(app, db, crew, users, kind):
    model, call = _writers(crew, users)[kind]
    key, results, errors = str(uuid.uuid4()), [], []
    start = threading.Barrier(6)

    def run():
        try:
            start.wait()
            results.append(_write(app, call, users["supervisor"].id, key, "Tonte du parc"))
        except Exception as error:  # collected and shown by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len({row_id for row_id, _ in results}) == 1
    assert sorted(created for _, created in results) == [False] * 5 + [True]
    assert _count(db, model) == 1


def test_a_replay_while_the_first_write_is_open_is_in_flight(app, db, crew, users):
    if get_engine(app).dialect.name != "postgresql":
        pytest.skip("on SQLite a write transaction locks the database at BEGIN: a replay waits for the first")
    _model, call = _writers(crew, users)["observation"]
    key = str(uuid.uuid4())
    with Session(get_engine(app), expire_on_commit=False) as first:
        row, created = call(first, first.get(User, users["supervisor"].id), key, "Tonte")  # not committed yet
        assert created
        with Session(get_engine(app)) as second, pytest.raises(idempotency.KeyInFlight):
            idempotency.claim(second, structure_id=row.structure_id, author_id=users["supervisor"].id, key=key,
                              kind="observation", content_hash="x", wait_seconds=0.2)
        first.commit()
    assert _write(app, call, users["supervisor"].id, key, "Tonte") == (row.id, False)


def test_a_refused_capture_frees_its_key(app, db, crew, users):
    _model, call = _writers(crew, users)["observation"]
    key = str(uuid.uuid4())
    with pytest.raises(observations.ObservationError):
        _write(app, call, users["supervisor"].id, key, "   ")
    assert _write(app, call, users["supervisor"].id, key, "Tonte")[1]


# --- the HTTP side -------------------------------------------------------------------------------------------

def _observation_form(crew, key, text="Très bon travail sur la tonte."):
    return {"client_key": key, "employee_ids": [str(crew["people"][0].id)], "category": "technique",
            "tone": "positive", "visibility": "team", "text": text, "observed_on": date.today().isoformat()}


def test_replayed_capture_answers_the_same_fragment_and_status(client, db, login_as, crew):
    login_as("supervisor")
    key = client_key("rejouée")
    first = post(client, "/observations/", _observation_form(crew, key), htmx=True)
    again = post(client, "/observations/", _observation_form(crew, key), htmx=True)
    assert first.status_code == again.status_code == 200
    assert _count(db, Observation) == 1
    saved = first.get_data(as_text=True)
    assert "Très bon travail sur la tonte." in saved and "Très bon travail sur la tonte." in again.get_data(as_text=True)
    plain = post(client, "/observations/", _observation_form(crew, key))
    assert plain.status_code == 303


def test_replayed_key_with_other_content_is_refused_in_the_form(client, db, login_as, crew):
    login_as("supervisor")
    key = client_key("changée")
    post(client, "/observations/", _observation_form(crew, key), htmx=True)
    response = post(client, "/observations/", _observation_form(crew, key, text="Autre chose."), htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "déjà été envoyée avec un autre contenu" in body
    assert "Autre chose." in body  # what was typed is kept
    assert key not in body  # a fresh key: sending again records it as a new observation
    assert _count(db, Observation) == 1


def test_replayed_alert_with_other_content_is_refused(client, db, login_as, crew):
    login_as("supervisor")
    key = client_key("alerte")
    data = {"employee_id": str(crew["people"][0].id), "type_code": "accident", "facts": "Coupure", "client_key": key}
    assert post(client, "/alertes/nouvelle", data).status_code == 303
    assert post(client, "/alertes/nouvelle", data).status_code == 303
    response = post(client, "/alertes/nouvelle", dict(data, facts="Chute"))
    assert response.status_code == 422
    assert "déjà été envoyée avec un autre contenu" in response.get_data(as_text=True)
    assert _count(db, Alert) == 1


@pytest.mark.parametrize("bad", ["", "abc", "k" * 16, "²" * 32, str(uuid.uuid4()) + "0"])
def test_capture_without_a_uuid_key_is_refused(client, login_as, crew, bad):
    login_as("supervisor")
    assert post(client, "/observations/", _observation_form(crew, bad), htmx=True).status_code == 400

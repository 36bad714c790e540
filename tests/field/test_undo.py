"""The quick « Annuler » after a saved observation or consigne: the author only, for a few minutes, audited."""
from datetime import date, timedelta

from sqlmodel import select

from tests.conftest import client_key, post
from tests.field.test_observations import jpeg_bytes, observation
from tests.field.test_production import task
from tests.field.test_today import consigne
from webapp.models import (
    AuditEvent,
    IdempotencyKey,
    Instruction,
    InstructionAck,
    Observation,
    ObservationEmployee,
    Photo,
    ProductionTask,
    utcnow,
)
from webapp.platform.db import writing


def saved_observation(client, db, people, **overrides):
    response = post(client, "/observations/", observation(people, key=client_key("undo"), **overrides), htmx=True)
    assert response.status_code == 200
    db.rollback()
    return response, db.exec(select(Observation).order_by(Observation.id.desc())).first()


def backdate(db, row, minutes):
    """Pretend the capture was saved `minutes` ago."""
    with writing():
        row = db.merge(row)
        row.created_at = utcnow() - timedelta(minutes=minutes)
        db.add(row)
        db.commit()


def test_the_saved_observation_carries_annuler_and_the_author_takes_it_back(client, login_as, crew, db):
    login_as("supervisor")
    amina, bruno = crew["people"][:2]
    response, obs = saved_observation(client, db, [amina, bruno])
    obs_id = obs.id
    assert f'hx-post="/observations/{obs_id}/annuler"' in response.get_data(as_text=True)
    undone = post(client, f"/observations/{obs_id}/annuler", {}, htmx=True)
    assert undone.status_code == 200
    body = undone.get_data(as_text=True)
    assert "Observation annulée" in body and 'role="status"' in body and "<html" not in body
    db.rollback()
    assert db.exec(select(Observation)).all() == [] and db.exec(select(ObservationEmployee)).all() == []
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "observation.undo")).one()
    assert event.object_id == obs_id
    assert "Bonne" not in client.get(f"/salaries/{amina.id}/parcours").get_data(as_text=True)


def test_an_undone_observation_takes_its_photo_with_it(app, client, login_as, crew, db):
    login_as("supervisor")
    data = observation([crew["people"][0]], key=client_key("photo-undo"))
    data["photo"] = (__import__("io").BytesIO(jpeg_bytes()), "haie.jpg")
    assert post(client, "/observations/", data, htmx=True).status_code == 200
    db.rollback()
    obs = db.exec(select(Observation)).one()
    assert obs.photo_id is not None
    post(client, f"/observations/{obs.id}/annuler", {}, htmx=True).close()
    db.rollback()
    assert db.exec(select(Photo)).all() == []


def test_a_replay_of_an_undone_observation_does_not_bring_it_back(client, login_as, crew, db):
    login_as("supervisor")
    amina = crew["people"][0]
    key = client_key("replayed-after-undo")
    post(client, "/observations/", observation([amina], key=key), htmx=True)
    db.rollback()
    obs_id = db.exec(select(Observation)).one().id
    post(client, f"/observations/{obs_id}/annuler", {}, htmx=True)
    replay = post(client, "/observations/", observation([amina], key=key), htmx=True)
    assert replay.status_code == 422
    db.rollback()
    assert db.exec(select(Observation)).all() == []
    assert db.exec(select(IdempotencyKey).where(IdempotencyKey.key == key)).one().object_id is None


def test_another_user_cannot_undo_an_observation(client, auth, users, crew, db):
    auth.login(users["supervisor"].email)
    _, obs = saved_observation(client, db, [crew["people"][0]])
    auth.logout()
    auth.login(users["coordinator"].email)
    refused = post(client, f"/observations/{obs.id}/annuler", {}, htmx=True)
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "Seule la personne qui a fait cette saisie peut l&#39;annuler." in body and 'role="alert"' in body
    db.rollback()
    assert db.exec(select(Observation)).one().id == obs.id


def test_an_observation_cannot_be_undone_after_five_minutes_and_corriger_is_offered(client, login_as, crew, db):
    login_as("supervisor")
    _, obs = saved_observation(client, db, [crew["people"][0]])
    backdate(db, obs, 6)
    refused = post(client, f"/observations/{obs.id}/annuler", {}, htmx=True)
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "Trop tard pour annuler" in body and f"/observations/{obs.id}/corriger" in body
    db.rollback()
    assert len(db.exec(select(Observation)).all()) == 1
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "observation.undo")).all() == []


def test_undo_without_javascript_goes_back_home(client, login_as, crew, db):
    login_as("supervisor")
    _, obs = saved_observation(client, db, [crew["people"][0]])
    response = post(client, f"/observations/{obs.id}/annuler", {})
    assert response.status_code == 303


def test_a_consigne_just_given_is_undone_with_its_ticks_by_its_author(client, login_as, crew, db):
    login_as("supervisor")
    given = post(client, "/consignes/", consigne(key=client_key("undo-consigne")), htmx=True)
    db.rollback()
    instruction_id = db.exec(select(Instruction)).one().id
    assert f'hx-post="/consignes/{instruction_id}/annuler"' in given.get_data(as_text=True)
    post(client, f"/consignes/{instruction_id}/compris", {"tous": "1"}, htmx=True)
    assert "Annuler la consigne" not in client.get("/aujourdhui/").get_data(as_text=True)  # only right after
    undone = post(client, f"/consignes/{instruction_id}/annuler", {}, htmx=True)
    assert undone.status_code == 200 and "Consigne annulée" in undone.get_data(as_text=True)
    db.rollback()
    assert db.exec(select(Instruction)).all() == [] and db.exec(select(InstructionAck)).all() == []
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "instruction.undo")).one().object_id \
        == instruction_id


def test_a_consigne_is_not_undone_by_another_user_nor_after_five_minutes(client, auth, users, crew, db):
    auth.login(users["supervisor"].email)
    post(client, "/consignes/", consigne(key=client_key("late-consigne")), htmx=True)
    db.rollback()
    instruction = db.exec(select(Instruction)).one()
    backdate(db, instruction, 6)
    late = post(client, f"/consignes/{instruction.id}/annuler", {}, htmx=True)
    assert late.status_code == 422 and "Trop tard pour annuler" in late.get_data(as_text=True)
    backdate(db, instruction, 0)
    auth.logout()
    auth.login(users["coordinator"].email)
    other = post(client, f"/consignes/{instruction.id}/annuler", {}, htmx=True)
    assert other.status_code == 422 and "Seule la personne" in other.get_data(as_text=True)
    db.rollback()
    assert db.exec(select(Instruction)).one().id == instruction.id


def test_an_undo_in_another_structure_is_not_found(client, login_as, crew, db, make):
    login_as("supervisor")
    _, obs = saved_observation(client, db, [crew["people"][0]])
    with writing():
        other = make.structure("Ailleurs")
        row = db.merge(obs)
        row.structure_id = other.id
        db.add(row)
        db.commit()
    assert post(client, f"/observations/{obs.id}/annuler", {}, htmx=True).status_code == 404


def test_a_job_just_added_is_taken_back_by_its_author_only_and_its_key_is_not_answered_again(
        client, auth, users, crew, db):
    auth.login(users["supervisor"].email)
    url = f"/production/{crew['site'].id}/{date.today().isoformat()}/taches"
    sent = task(key=client_key("job-undo"))
    added = post(client, url, sent, htmx=True)
    db.rollback()
    job = db.exec(select(ProductionTask)).one()
    assert f'hx-post="/production/taches/{job.id}/annuler"' in added.get_data(as_text=True)
    backdate(db, job, 6)
    late = post(client, f"/production/taches/{job.id}/annuler", {}, htmx=True)
    assert late.status_code == 422 and "Trop tard pour annuler" in late.get_data(as_text=True)
    backdate(db, job, 0)
    auth.logout()
    auth.login(users["coordinator"].email)
    other = post(client, f"/production/taches/{job.id}/annuler", {}, htmx=True)
    assert other.status_code == 422 and "Seule la personne" in other.get_data(as_text=True)
    auth.logout()
    auth.login(users["supervisor"].email)
    undone = post(client, f"/production/taches/{job.id}/annuler", {}, htmx=True)
    assert undone.status_code == 200 and "Travail retiré" in undone.get_data(as_text=True)
    db.rollback()
    assert db.exec(select(ProductionTask)).all() == []
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "production_task.undo")).one().object_id == job.id
    replay = post(client, url, sent, htmx=True)  # the phone sends it again: refused, not recorded again
    assert replay.status_code == 422
    db.rollback()
    assert db.exec(select(ProductionTask)).all() == []

"""Learning sessions: prepare, templates, run with end-of-session ratings, lists, bad input."""
from datetime import date, timedelta

import pytest
from sqlmodel import select

from tests.conftest import post
from webapp.domain.skills import learning_sessions as service
from webapp.domain.skills import skills as skills_service
from webapp.models import (
    LearningSession,
    LearningSessionParticipant,
    LearningSessionTemplate,
    Skill,
    SkillRating,
)
from webapp.platform.db import writing


@pytest.fixture
def site(make, structure, db):
    site = make.worksite(structure)
    with writing():
        skills_service.ensure_frameworks(db, structure.id)
        db.commit()
    return site


def skill_id(db, code):
    return db.exec(select(Skill.id).where(Skill.code == code, Skill.active.is_(True))).one()


def session_form(site, people, skills, **overrides):
    data = {"worksite_id": site.id, "title": "Tondre en sécurité", "planned_on": date.today().isoformat(),
            "situation": "Tonte du parc de la mairie", "method": "demonstration", "material": "Tondeuse, EPI",
            "safety": "Contrôle des carters, distance de 5 m", "duration_minutes": "45",
            "skill_ids": skills, "participant_ids": [p.id for p in people]}
    data.update(overrides)
    return data


def test_supervisor_prepares_runs_and_rates_a_session(client, login_as, make, structure, site, db):
    people = [make.employee(structure, worksite_id=site.id) for _ in range(3)]
    skills = [skill_id(db, "EV-04"), skill_id(db, "EV-01")]
    login_as("supervisor")
    response = post(client, "/seances/nouvelle", session_form(site, people, skills, save_as_template="1"))
    assert response.status_code == 303
    db.rollback()
    session = db.exec(select(LearningSession)).one()
    assert session.status == "planned" and session.duration_minutes == 45
    assert sorted(db.exec(select(LearningSessionTemplate)).one().skill_codes) == ["EV-01", "EV-04"]
    page = client.get(f"/seances/{session.id}").get_data(as_text=True)
    assert "Évaluation en fin de séance" in page
    data = {"present": [people[0].id, people[1].id], "notes": "Bonne séance, Hugo a aidé les autres.",
            f"level-{people[0].id}-{skills[0]}": "3", f"level-{people[0].id}-{skills[1]}": "2",
            f"level-{people[1].id}-{skills[0]}": "4",
            f"level-{people[2].id}-{skills[0]}": "3"}  # absent: not recorded
    assert post(client, f"/seances/{session.id}/terminer", data).status_code == 303
    db.rollback()
    ratings = db.exec(select(SkillRating).order_by(SkillRating.id)).all()
    assert sorted((r.employee_id, r.level) for r in ratings) == sorted(
        [(people[0].id, 3), (people[0].id, 2), (people[1].id, 4)])
    assert all(r.session_id == session.id and r.situation.startswith("Séance : Tondre") for r in ratings)
    db.refresh(session)
    assert session.status == "held" and session.notes.startswith("Bonne séance")
    presence = {p.employee_id: p.present for p in db.exec(select(LearningSessionParticipant)).all()}
    assert presence == {people[0].id: True, people[1].id: True, people[2].id: False}
    assert post(client, f"/seances/{session.id}/terminer", data).status_code == 422


def test_session_without_participants_is_refused_in_french(client, login_as, make, structure, site, db):
    login_as("supervisor")
    response = post(client, "/seances/nouvelle", session_form(site, [], [skill_id(db, "EV-04")]))
    assert response.status_code == 422
    assert "Choisissez au moins un participant." in response.get_data(as_text=True)
    assert db.exec(select(LearningSession)).all() == []


@pytest.mark.parametrize("field,value,message", [
    ("title", "", "Donnez un titre à la séance."),
    ("planned_on", "31/02/2026", "Indiquez la date de la séance."),
    ("duration_minutes", "beaucoup", "Durée entre 5 et 480 minutes."),
    ("method", "hypnose", "Méthode inconnue."),
    ("skill_ids", [], "Choisissez au moins une compétence visée."),
])
def test_bad_session_input_gets_french_message(client, login_as, make, structure, site, db, field, value, message):
    person = make.employee(structure, worksite_id=site.id)
    login_as("coordinator")
    response = post(client, "/seances/nouvelle",
                    session_form(site, [person], [skill_id(db, "EV-04")], **{field: value}))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.exec(select(LearningSession)).all() == []


def test_participant_of_another_structure_is_refused(client, login_as, make, structure, site, db):
    foreign = make.employee(make.structure("Autre"))
    login_as("supervisor")
    response = post(client, "/seances/nouvelle", session_form(site, [foreign], [skill_id(db, "EV-04")]))
    assert response.status_code == 422
    assert db.exec(select(LearningSession)).all() == []


def test_unknown_level_at_end_of_session_records_nothing(db, make, structure, site, users):
    person = make.employee(structure, worksite_id=site.id)
    sid = skill_id(db, "EV-04")
    with writing():
        session = service.create_session(db, user=users["supervisor"], title="Tonte", planned_on=date.today(),
                                         skill_ids=[sid], participant_ids=[person.id], worksite_id=site.id)
        db.commit()
        with pytest.raises(service.LearningError, match="Niveau inconnu"):
            service.finish_session(db, session=session, user=users["supervisor"], present_ids={person.id},
                                   notes="", levels={(person.id, sid): "7"})
        db.rollback()
    assert db.exec(select(SkillRating)).all() == []
    db.refresh(session)
    assert session.status == "planned"


def test_template_prefills_a_new_session(client, login_as, make, structure, site, db, users):
    with writing():
        template = LearningSessionTemplate(structure_id=structure.id, title="Taille de haie", method="tutorat",
                                           skill_codes=["EV-08"], duration_minutes=90)
        db.add(template)
        db.commit()
    login_as("supervisor")
    body = client.get(f"/seances/nouvelle?modele={template.id}&chantier={site.id}").get_data(as_text=True)
    assert 'value="Taille de haie"' in body
    assert f'value="{skill_id(db, "EV-08")}" checked' in body


def test_lists_per_site_and_per_employee(client, login_as, make, structure, site, db, users):
    person = make.employee(structure, worksite_id=site.id)
    other = make.employee(structure, worksite_id=site.id)
    with writing():
        service.create_session(db, user=users["supervisor"], title="Séance prévue", planned_on=date.today()
                               + timedelta(days=3), skill_ids=[skill_id(db, "EV-04")], participant_ids=[person.id],
                               worksite_id=site.id)
        db.commit()
    login_as("counsellor")
    assert "Séance prévue" in client.get(f"/seances/?chantier={site.id}").get_data(as_text=True)
    assert "Séance prévue" in client.get(f"/seances/?salarie={person.id}").get_data(as_text=True)
    assert "Séance prévue" not in client.get(f"/seances/?salarie={other.id}").get_data(as_text=True)
    assert "Séance prévue" in client.get(f"/competences/salaries/{person.id}").get_data(as_text=True)
    assert client.get("/seances/nouvelle").status_code == 403


def test_session_of_another_structure_answers_404(client, login_as, make, db, users):
    other = make.structure("Autre")
    site = make.worksite(other)
    person = make.employee(other, worksite_id=site.id)
    director = make.user("director", other)
    with writing():
        skills_service.ensure_frameworks(db, other.id)
        session = service.create_session(db, user=director, title="Ailleurs", planned_on=date.today(),
                                         skill_ids=[skill_id(db, "EV-04")], participant_ids=[person.id])
        db.commit()
    login_as("supervisor")
    assert client.get(f"/seances/{session.id}").status_code == 404
    assert post(client, f"/seances/{session.id}/terminer", {"present": person.id}).status_code == 404

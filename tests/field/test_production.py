"""Production follow-up: jobs of the day, notes, weekly summary, validation and access."""
from datetime import date, timedelta

import pytest
from sqlmodel import select

from tests.conftest import client_key, post
from webapp.domain.field import production
from webapp.models import ProductionLog, ProductionTask


def task(key=client_key("p"), **overrides):
    data = {"client_key": key, "client": "Mairie", "task": "Tonte du parc", "unit": "m²", "planned_quantity": "1200",
            "done_quantity": ""}
    data.update(overrides)
    return data


def test_production_page_defaults_to_the_supervisors_site(client, login_as, crew):
    login_as("supervisor")
    body = client.get("/production/").get_data(as_text=True)
    assert crew["site"].name in body and "Travaux du jour" in body


@pytest.mark.parametrize("role,status", [("supervisor", 200), ("coordinator", 200), ("director", 200),
                                         ("counsellor", 403)])
def test_production_access_by_role(client, login_as, crew, role, status):
    login_as(role)
    assert client.get(f"/production/?chantier={crew['site'].id}").status_code == status


def test_adding_a_job_answers_its_row_once(client, login_as, crew, db):
    login_as("supervisor")
    url = f"/production/{crew['site'].id}/{date.today().isoformat()}/taches"
    first = post(client, url, task(), htmx=True)
    post(client, url, task(), htmx=True)
    body = first.get_data(as_text=True)
    assert first.status_code == 200 and "Tonte du parc" in body and len(body.encode()) < 5000
    assert len(db.exec(select(ProductionTask)).all()) == 1


def test_recording_what_was_done(client, login_as, crew, db):
    login_as("supervisor")
    post(client, f"/production/{crew['site'].id}/{date.today().isoformat()}/taches", task(), htmx=True)
    job = db.exec(select(ProductionTask)).one()
    response = post(client, f"/production/taches/{job.id}", {"done_quantity": "950,5"}, htmx=True)
    assert response.status_code == 200 and "950.5" in response.get_data(as_text=True)
    bad = post(client, f"/production/taches/{job.id}", {"done_quantity": "beaucoup"}, htmx=True)
    assert bad.status_code == 422 and "Saisissez un nombre" in bad.get_data(as_text=True)
    assert "beaucoup" in bad.get_data(as_text=True)


@pytest.mark.parametrize("overrides,message", [
    ({"task": ""}, "Décrivez le travail"),
    ({"planned_quantity": "-3"}, "positive"),
    ({"planned_quantity": "douze"}, "Saisissez un nombre"),
])
def test_invalid_job_is_refused_with_input_kept(client, login_as, crew, db, overrides, message):
    login_as("supervisor")
    response = post(client, f"/production/{crew['site'].id}/{date.today().isoformat()}/taches",
                    task(client="Client gardé", **overrides), htmx=True)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body and "Client gardé" in body
    assert response.headers["HX-Retarget"] == "#task-form"
    assert db.exec(select(ProductionTask)).all() == []


def test_future_day_and_foreign_site_are_refused(client, login_as, crew, make, db):
    login_as("supervisor")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert post(client, f"/production/{crew['site'].id}/{tomorrow}/taches", task(), htmx=True).status_code == 422
    foreign = make.worksite(make.structure("Autre"))
    assert post(client, f"/production/{foreign.id}/{date.today().isoformat()}/taches", task(),
                htmx=True).status_code == 404
    assert client.get(f"/production/?chantier={foreign.id}").status_code == 404
    assert db.exec(select(ProductionTask)).all() == []


def test_day_notes_are_saved_once_per_site_and_day(client, login_as, crew, db):
    login_as("supervisor")
    url = f"/production/{crew['site'].id}/{date.today().isoformat()}/journal"
    post(client, url, {"quality_issues": "Bordures à reprendre", "incidents": "", "weather": "Pluie l'après-midi"},
         htmx=True)
    response = post(client, url, {"quality_issues": "Bordures reprises", "incidents": "Tondeuse en panne",
                                  "weather": ""}, htmx=True)
    assert "Notes du jour enregistrées" in response.get_data(as_text=True)
    rows = db.exec(select(ProductionLog)).all()
    assert len(rows) == 1 and rows[0].incidents == "Tondeuse en panne"


def test_week_summary_adds_planned_and_done(db, crew, users, client, login_as):
    site = crew["site"]
    monday = date.today() - timedelta(days=date.today().weekday())
    for n, day in enumerate([monday, monday + timedelta(days=1)] if date.today() > monday else [monday]):
        production.add_task(db, user=users["supervisor"], worksite=site, day=day, client="Mairie", task="Tonte",
                            unit="m²", planned_quantity="100", done_quantity="80", client_key=f"w{n}".ljust(16, "x"),
                            today=date.today())
    production.save_log(db, user=users["supervisor"], worksite=site, day=monday, quality_issues="Reprise bordure",
                        incidents="", weather="", today=date.today())
    db.commit()
    summary = production.week_summary(db, worksite=site, start=date.today())
    assert len(summary.lines) == 1
    line = summary.lines[0]
    assert line.ratio == pytest.approx(0.8)
    login_as("coordinator")
    body = client.get(f"/production/semaine?chantier={site.id}").get_data(as_text=True)
    assert "Reprise bordure" in body and "80 %" in body


def test_other_structures_consigne_and_job_cannot_be_touched(client, login_as, crew, make, db):
    from webapp.models import Instruction

    other = make.structure("Autre")
    boss = make.user("supervisor", other)
    site = make.worksite(other)
    foreign_job = make._save(ProductionTask(structure_id=other.id, worksite_id=site.id, day=date.today(),
                                            task="Secret", author_id=boss.id, client_key=client_key("f")))
    foreign_consigne = make._save(Instruction(structure_id=other.id, worksite_id=site.id, day=date.today(),
                                              category="epi", text="Secret", given_by_id=boss.id,
                                              client_key=client_key("g")))
    login_as("supervisor")
    assert post(client, f"/production/taches/{foreign_job.id}", {"done_quantity": "1"}, htmx=True).status_code == 404
    assert post(client, f"/consignes/{foreign_consigne.id}/compris", {"tous": "1"}, htmx=True).status_code == 404
    assert client.get(f"/consignes/{foreign_consigne.id}/photo").status_code == 404

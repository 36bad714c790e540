"""Right of access (export) and retention (purge with anonymisation)."""
import json
from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from webapp.models import AuditEvent, Contract, Employee


@pytest.mark.parametrize("role,status", [
    ("supervisor", 403), ("counsellor", 403), ("coordinator", 403), ("director", 200), ("admin", 403),
])
def test_only_direction_exports_an_employee(client, login_as, make, structure, role, status):
    employee = make.employee(structure)
    login_as(role)
    assert client.get(f"/salaries/{employee.id}/donnees").status_code == status
    assert client.get(f"/salaries/{employee.id}/donnees.json").status_code == status


def test_export_contains_identity_and_contracts_and_is_traced(client, login_as, make, structure, db):
    employee = make.employee(structure, first_name="Inès", last_name="Moreau", pass_iae_number="99999000111")
    director = login_as("director")
    page = client.get(f"/salaries/{employee.id}/donnees").get_data(as_text=True)
    assert "Inès" in page and "99999000111" in page and "Contrats" in page
    response = client.get(f"/salaries/{employee.id}/donnees.json")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.get_data(as_text=True))
    assert data["sections"]["Identité et accompagnement"][0]["Nom"] == "Moreau"
    assert len(data["sections"]["Contrats"]) == 1
    db.rollback()
    exports = db.exec(select(AuditEvent).where(AuditEvent.action == "employee.export")).all()
    assert [(e.employee_id, e.user_id, e.detail) for e in exports] == [
        (employee.id, director.id, "document"), (employee.id, director.id, "json")]


def test_export_of_another_structures_employee_is_404(client, login_as, make):
    foreign = make.employee(make.structure("Autre"))
    login_as("director")
    assert client.get(f"/salaries/{foreign.id}/donnees.json").status_code == 404


def _ended(make, db, structure, days_ago, **fields):
    employee = make.employee(structure, with_contract=False, **fields)
    end = date.today() - timedelta(days=days_ago)
    db.add(Contract(structure_id=structure.id, employee_id=employee.id, start_date=end - timedelta(days=180),
                    end_date=end, weekly_hours=26))
    db.commit()
    return employee


def test_purge_dry_run_lists_without_changing(app, make, structure, db):
    old = _ended(make, db, structure, days_ago=800, first_name="Ancien")
    _ended(make, db, structure, days_ago=100, first_name="Récent")
    result = app.test_cli_runner().invoke(args=["purge", "--dry-run"])
    assert f"salarié n° {old.id}" in result.output and "1 salarié(s) à anonymiser" in result.output
    db.expire_all()
    assert db.get(Employee, old.id).first_name == "Ancien"


def test_purge_anonymises_after_retention_and_keeps_statistics(app, make, structure, db):
    old = _ended(make, db, structure, days_ago=800, first_name="Ancien", phone="0600000000")
    recent = _ended(make, db, structure, days_ago=100, first_name="Récent")
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    db.expire_all()
    anonymised = db.get(Employee, old.id)
    assert anonymised.first_name == "Salarié(e)" and anonymised.phone == "" and not anonymised.active
    assert db.get(Employee, recent.id).first_name == "Récent"
    assert db.exec(select(func.count()).select_from(Contract).where(Contract.employee_id == old.id)).one() == 1
    again = app.test_cli_runner().invoke(args=["purge"])
    assert "0 salarié(s) anonymisé(s)" in again.output


def test_purge_follows_the_structure_retention_and_controlled_date(app, make, db):
    short = make.structure("Rétention courte")
    short.retention_months = 6
    db.add(short)
    db.commit()
    employee = _ended(make, db, short, days_ago=200)
    runner = app.test_cli_runner()
    assert "0 salarié(s)" in runner.invoke(args=["purge", "--dry-run", "--today",
                                                 (date.today() - timedelta(days=30)).isoformat()]).output
    assert f"salarié n° {employee.id}" in runner.invoke(args=["purge", "--dry-run"]).output


def test_export_covers_every_feature_of_the_seeded_demo(app, db):
    """On the demo structure, the export of a long-standing employee has data in every feature's section."""
    from sqlmodel import Session

    from webapp.demo import seed_demo_data
    from webapp.domain import privacy
    from webapp.models import Employee, SkillRating
    from webapp.platform.db import get_engine, writing

    with app.app_context(), writing(), Session(get_engine(app), expire_on_commit=False) as seeding:
        seed_demo_data(seeding, "demo password 2026")
        seeding.commit()
        rated = seeding.exec(select(SkillRating.employee_id)).first()
        employee = seeding.get(Employee, rated)
        sections = dict(privacy.export_employee(seeding, employee))
    for title in ("Identité et accompagnement", "Contrats", "Observations", "Présences", "Consignes reçues",
                  "Évaluations de compétences"):
        assert sections[title], title


def test_purge_removes_observation_texts_and_attestations(app, make, structure, users, db):
    from webapp.models import Attestation, Observation, ObservationEmployee

    old = _ended(make, db, structure, days_ago=800, first_name="Ancien")
    other = make.employee(structure)
    alone = Observation(structure_id=structure.id, author_id=users["supervisor"].id, observed_on=date.today(),
                        category="technique", tone="positive", text="Texte à effacer", client_key="a" * 16)
    group = Observation(structure_id=structure.id, author_id=users["supervisor"].id, observed_on=date.today(),
                        category="relation", tone="neutre", text="Texte de groupe", client_key="b" * 16)
    db.add_all([alone, group])
    db.flush()
    db.add_all([ObservationEmployee(observation_id=alone.id, employee_id=old.id, structure_id=structure.id),
                ObservationEmployee(observation_id=group.id, employee_id=old.id, structure_id=structure.id),
                ObservationEmployee(observation_id=group.id, employee_id=other.id, structure_id=structure.id)])
    db.commit()
    db.add(Attestation(structure_id=structure.id, employee_id=old.id, uuid="0" * 36, period_start=date(2024, 1, 1),
                       period_end=date(2024, 6, 30), content={"employee": "Ancien"}))
    db.commit()
    assert app.test_cli_runner().invoke(args=["purge"]).exit_code == 0
    db.expire_all()
    assert db.get(Observation, alone.id).text == "[anonymisé]"
    assert db.get(Observation, group.id).text == "Texte de groupe"
    links = db.exec(select(ObservationEmployee.employee_id).where(ObservationEmployee.observation_id == group.id)).all()
    assert links == [other.id]
    assert db.exec(select(Attestation).where(Attestation.employee_id == old.id)).all() == []


def test_every_table_holding_an_employee_id_is_exported_and_anonymised():
    from webapp.domain import privacy

    missing = privacy.tables_with_employee_id() - privacy.covered_tables()
    assert not missing, f"tables with an employee_id that no wing exports and anonymises: {sorted(missing)}"
    assert "assignment" in privacy.covered_tables()


def test_export_lists_the_daily_assignments(client, login_as, make, structure, users, db):
    from webapp.models import Assignment, Team

    site = make.worksite(structure)
    team = make._save(Team(structure_id=structure.id, name="Équipe du lundi", worksite_id=site.id))
    employee = make.employee(structure)
    make._save(Assignment(structure_id=structure.id, day=date(2026, 3, 2), employee_id=employee.id,
                          worksite_id=site.id, team_id=team.id))
    login_as("director")
    data = json.loads(client.get(f"/salaries/{employee.id}/donnees.json").get_data(as_text=True))
    assert data["sections"]["Affectations"] == [{"Jour": "2026-03-02", "Chantier": site.name,
                                                 "Équipe": "Équipe du lundi"}]
    page = client.get(f"/salaries/{employee.id}/donnees").get_data(as_text=True)
    assert "Affectations" in page and "02/03/2026" in page and "Équipe du lundi" in page


def test_export_shows_times_in_the_structure_zone_without_utc(client, login_as, make, structure, users, db):
    from datetime import UTC, datetime

    from webapp.platform.db import writing

    employee = make.employee(structure)
    director = login_as("director")
    with writing():
        db.add(AuditEvent(structure_id=structure.id, user_id=director.id, action="sensitive.read",
                          employee_id=employee.id, at=datetime(2026, 11, 16, 10, 34, tzinfo=UTC),
                          actor_label=director.email))
        db.commit()
    page = client.get(f"/salaries/{employee.id}/donnees").get_data(as_text=True)
    assert "16/11/2026 à 11:34" in page and "UTC" not in page
    data = json.loads(client.get(f"/salaries/{employee.id}/donnees.json").get_data(as_text=True))
    accesses = data["sections"]["Consultations et exports tracés"]
    assert {"Date": "2026-11-16T11:34:00+01:00", "Événement": "Lecture d'une donnée sensible",
            "Par": director.email} in accesses

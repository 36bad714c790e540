"""Employee screens: access by role, search, creation and edit with validation, renewals."""
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import event
from sqlmodel import select

from tests.conftest import post
from webapp.models import Contract, Employee
from webapp.platform.db import get_engine


def employee_form(worksite=None, **overrides):
    start = date.today() - timedelta(days=10)
    data = {
        "first_name": "Aïcha", "last_name": "Diallo", "phone": "06 12 34 56 78", "email": "",
        "worksite_id": str(worksite.id) if worksite else "", "referent_cip_id": "", "referent_eti_id": "",
        "pass_iae_number": "999991234567", "pass_iae_end": (start + timedelta(days=730)).isoformat(),
        "job_title": "Agent d'entretien", "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=182)).isoformat(), "weekly_hours": "26",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role,status", [
    ("supervisor", 200), ("counsellor", 200), ("coordinator", 200), ("director", 200), ("admin", 403),
])
def test_employee_list_access_by_role(client, login_as, role, status):
    login_as(role)
    assert client.get("/salaries/").status_code == status


@pytest.mark.parametrize("role,status", [
    ("supervisor", 403), ("counsellor", 200), ("coordinator", 200), ("director", 200), ("admin", 403),
])
def test_employee_creation_form_access_by_role(client, login_as, role, status):
    login_as(role)
    assert client.get("/salaries/nouveau").status_code == status


def test_anonymous_is_sent_to_login(client, make, structure):
    employee = make.employee(structure)
    response = client.get(f"/salaries/{employee.id}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_employee_of_another_structure_answers_404(client, login_as, make):
    other = make.structure("Autre ACI")
    foreign = make.employee(other)
    login_as("director")
    assert client.get(f"/salaries/{foreign.id}").status_code == 404
    assert client.get(f"/salaries/{foreign.id}/modifier").status_code == 404
    assert post(client, f"/salaries/{foreign.id}/modifier", employee_form()).status_code == 404


def test_list_never_shows_another_structures_employees(client, login_as, make, structure):
    make.employee(structure, first_name="Visible", last_name="Ici")
    make.employee(make.structure("Autre"), first_name="Cache", last_name="Ailleurs")
    login_as("counsellor")
    body = client.get("/salaries/").get_data(as_text=True)
    assert "Visible Ici" in body
    assert "Cache Ailleurs" not in body


def test_search_returns_fragment_for_htmx(client, login_as, make, structure):
    make.employee(structure, first_name="Mamadou", last_name="Koné")
    make.employee(structure, first_name="Julie", last_name="Petit")
    login_as("counsellor")
    response = client.get("/salaries/?q=kon", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" not in body
    assert 'id="employee-results"' in body
    assert "Mamadou Koné" in body and "Julie Petit" not in body


def test_list_query_count_does_not_grow_with_employees(app, client, login_as, make, structure):
    login_as("counsellor")
    counts = []
    for batch in (2, 20):
        for _ in range(batch):
            make.employee(structure)
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(get_engine(app), "before_cursor_execute", listener)
        try:
            assert client.get("/salaries/").status_code == 200
        finally:
            event.remove(get_engine(app), "before_cursor_execute", listener)
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_counsellor_creates_employee_with_contract(client, login_as, make, structure, db):
    site = make.worksite(structure)
    login_as("counsellor")
    response = post(client, "/salaries/nouveau", employee_form(site))
    assert response.status_code == 303
    employee = db.exec(select(Employee).where(Employee.last_name == "Diallo")).one()
    assert employee.structure_id == structure.id
    assert employee.worksite_id == site.id
    contract = db.exec(select(Contract).where(Contract.employee_id == employee.id)).one()
    assert contract.weekly_hours == 26
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Aïcha Diallo" in page and "Agent d&#39;entretien" in page


def test_htmx_creation_answers_with_hx_location(client, login_as, structure):
    login_as("director")
    response = post(client, "/salaries/nouveau", employee_form(), htmx=True)
    assert response.status_code == 204
    location = json.loads(response.headers["HX-Location"])
    assert location["path"].startswith("/salaries/") and location["swap"] == "innerHTML show:window:top"


def test_contract_end_before_start_is_refused_and_input_kept(client, login_as, db):
    login_as("counsellor")
    data = employee_form(end_date=(date.today() - timedelta(days=30)).isoformat(), first_name="Gardé")
    response = post(client, "/salaries/nouveau", data, htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "La fin du contrat doit être après son début." in body
    assert 'value="Gardé"' in body
    assert "<html" not in body
    assert db.exec(select(Employee)).all() == []


@pytest.mark.parametrize("field,value,message", [
    ("first_name", "", "Ce champ est obligatoire."),
    ("first_name", "x" * 500, "Le champ ne peut pas contenir plus de 80 caractères."),
    ("weekly_hours", "beaucoup", "N&#39;est pas une valeur décimale valide."),
    ("weekly_hours", "60", "Entre 1 et 35 heures par semaine."),
    ("start_date", "31/02/2026", "N&#39;est pas une date valide."),
    ("worksite_id", "999999", "N&#39;est pas un choix valide."),
    ("worksite_id", "abc", "Choix non valide, ne peut pas être converti."),
    ("email", "pas-une-adresse", "Adresse e-mail invalide."),
])
def test_bad_input_gets_french_message_not_500(client, login_as, field, value, message):
    login_as("counsellor")
    response = post(client, "/salaries/nouveau", employee_form(**{field: value}))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_referent_must_belong_to_the_structure(client, login_as, make):
    foreign_cip = make.user("counsellor", make.structure("Autre"))
    login_as("director")
    response = post(client, "/salaries/nouveau", employee_form(referent_cip_id=str(foreign_cip.id)))
    assert response.status_code == 422


def test_edit_updates_employee_and_current_contract(client, login_as, make, structure, db):
    employee = make.employee(structure, first_name="Avant")
    login_as("coordinator")
    form = client.get(f"/salaries/{employee.id}/modifier").get_data(as_text=True)
    assert 'value="Avant"' in form
    data = employee_form(first_name="Après", weekly_hours="30")
    assert post(client, f"/salaries/{employee.id}/modifier", data).status_code == 303
    db.expire_all()
    assert db.get(Employee, employee.id).first_name == "Après"
    assert db.exec(select(Contract).where(Contract.employee_id == employee.id)).one().weekly_hours == 30


def test_supervisor_can_read_but_not_edit(client, login_as, make, structure):
    employee = make.employee(structure)
    login_as("supervisor")
    page = client.get(f"/salaries/{employee.id}")
    assert page.status_code == 200
    assert "Modifier la fiche" not in page.get_data(as_text=True)
    assert post(client, f"/salaries/{employee.id}/modifier", employee_form()).status_code == 403


def test_renewal_adds_a_period_after_the_current_one(client, login_as, make, structure, db):
    employee = make.employee(structure)
    current = db.exec(select(Contract).where(Contract.employee_id == employee.id)).one()
    login_as("counsellor")
    new_end = current.end_date + timedelta(days=183)
    response = post(client, f"/salaries/{employee.id}/renouveler",
                    {"end_date": new_end.isoformat(), "weekly_hours": "30"})
    assert response.status_code == 303
    db.rollback()  # leave the snapshot taken before the request
    periods = db.exec(select(Contract).where(Contract.employee_id == employee.id).order_by(Contract.start_date)).all()
    assert len(periods) == 2
    assert periods[1].start_date == current.end_date + timedelta(days=1)
    assert periods[1].renewal_number == 1
    assert "Renouvellement n° 1" in client.get(f"/salaries/{employee.id}").get_data(as_text=True)


def test_renewal_ending_before_current_end_is_refused(client, login_as, make, structure, db):
    employee = make.employee(structure)
    login_as("counsellor")
    response = post(client, f"/salaries/{employee.id}/renouveler",
                    {"end_date": date.today().isoformat(), "weekly_hours": "30"}, htmx=True)
    assert response.status_code == 422
    assert "La nouvelle fin doit être après la fin du contrat en cours." in response.get_data(as_text=True)
    assert len(db.exec(select(Contract).where(Contract.employee_id == employee.id)).all()) == 1


def test_contract_rules_are_shown_as_points_to_check(client, login_as, make, structure, db):
    employee = make.employee(structure, with_contract=False)
    start = date.today() - timedelta(days=800)
    db.add(Contract(structure_id=structure.id, employee_id=employee.id, start_date=start,
                    end_date=start + timedelta(days=60), weekly_hours=15))
    db.add(Contract(structure_id=structure.id, employee_id=employee.id, start_date=start + timedelta(days=61),
                    end_date=start + timedelta(days=900), weekly_hours=15, renewal_number=1))
    db.commit()
    login_as("counsellor")
    body = client.get(f"/salaries/{employee.id}").get_data(as_text=True)
    assert "moins de 4 mois" in body
    assert "dépasse 24 mois" in body
    assert "Moins de 20 heures" in body


def test_unknown_employee_id_is_404_and_non_numeric_is_404(client, login_as):
    login_as("director")
    assert client.get("/salaries/987654").status_code == 404
    assert client.get("/salaries/abc").status_code == 404

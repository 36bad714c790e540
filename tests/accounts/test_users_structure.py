"""Accounts and structure settings: direction manages its structure, admin creates structures."""
import pytest
from sqlmodel import select

from tests.conftest import post
from webapp.domain.accounts.auth import verify_password
from webapp.models import Structure, User


@pytest.mark.parametrize("role,status", [
    ("supervisor", 403), ("counsellor", 403), ("coordinator", 403), ("director", 200), ("admin", 403),
])
def test_account_screens_are_for_direction_only(client, login_as, role, status):
    login_as(role)
    assert client.get("/comptes/").status_code == status
    assert client.get("/comptes/nouveau").status_code == status
    assert client.get("/structure").status_code == status


def test_director_creates_an_account_with_argon2id_hash(client, login_as, structure, db):
    login_as("director")
    response = post(client, "/comptes/nouveau", {
        "full_name": "Léa Martin", "email": "Lea.Martin@test.terrain", "phone": "06 00 00 00 00",
        "role": "counsellor", "password": "une longue phrase de passe",
    })
    assert response.status_code == 303
    user = db.exec(select(User).where(User.email == "lea.martin@test.terrain")).one()
    assert user.structure_id == structure.id and user.role == "counsellor"
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user, "une longue phrase de passe")


@pytest.mark.parametrize("password,message", [
    ("court", "au moins 12 caractères"),
    ("", "Ce champ est obligatoire."),
    ("x" * 200, "Le champ ne peut pas contenir plus de 128 caractères."),
])
def test_weak_or_missing_password_is_refused(client, login_as, db, password, message):
    login_as("director")
    response = post(client, "/comptes/nouveau", {
        "full_name": "Léa Martin", "email": "lea@test.terrain", "role": "counsellor", "password": password,
    }, htmx=True)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body
    assert 'value="Léa Martin"' in body
    assert db.exec(select(User).where(User.email == "lea@test.terrain")).first() is None


def test_duplicate_email_is_refused(client, login_as, users):
    login_as("director")
    response = post(client, "/comptes/nouveau", {
        "full_name": "Doublon", "email": users["supervisor"].email, "role": "supervisor",
        "password": "une longue phrase de passe",
    })
    assert response.status_code == 422
    assert "Un compte utilise déjà cette adresse e-mail." in response.get_data(as_text=True)


def test_role_outside_the_list_is_refused(client, login_as, db):
    login_as("director")
    response = post(client, "/comptes/nouveau", {
        "full_name": "Pirate", "email": "pirate@test.terrain", "role": "admin", "password": "une longue phrase de passe",
    })
    assert response.status_code == 422
    assert db.exec(select(User).where(User.email == "pirate@test.terrain")).first() is None


def test_extra_fields_are_not_bound(client, login_as, users, structure, make, db):
    other = make.structure("Autre")
    login_as("director")
    target = users["supervisor"]
    post(client, f"/comptes/{target.id}", {
        "full_name": target.full_name, "email": target.email, "role": "supervisor", "active": "y",
        "structure_id": str(other.id), "password_hash": "x",
    })
    db.expire_all()
    reloaded = db.get(User, target.id)
    assert reloaded.structure_id == structure.id
    assert reloaded.password_hash.startswith("$argon2id$")


def test_account_of_another_structure_answers_404(client, login_as, make):
    foreign = make.user("supervisor", make.structure("Autre"))
    login_as("director")
    assert client.get(f"/comptes/{foreign.id}").status_code == 404


def test_director_cannot_lock_themselves_out(client, login_as, users, db):
    me = login_as("director")
    response = post(client, f"/comptes/{me.id}", {
        "full_name": me.full_name, "email": me.email, "role": "director",
    })
    assert response.status_code == 422
    db.expire_all()
    assert db.get(User, me.id).active


def test_password_change_ends_the_accounts_sessions(app, client, login_as, users):
    from tests.conftest import PASSWORD

    other = app.test_client()
    post(other, "/login", {"email": users["counsellor"].email, "password": PASSWORD})
    assert other.get("/").status_code == 200
    login_as("director")
    target = users["counsellor"]
    post(client, f"/comptes/{target.id}", {
        "full_name": target.full_name, "email": target.email, "role": "counsellor", "active": "y",
        "password": "un tout nouveau mot de passe",
    })
    assert other.get("/").status_code == 302


def test_director_edits_structure_settings(client, login_as, structure, db):
    login_as("director")
    response = post(client, "/structure", {
        "name": "ACI Renommée", "kind": "ACI", "siret": "12345678901234", "address": "1 rue X",
        "phone": "", "retention_months": "36",
    }, htmx=True)
    assert response.status_code == 200
    assert "Paramètres enregistrés." in response.get_data(as_text=True)
    db.expire_all()
    saved = db.get(Structure, structure.id)
    assert saved.name == "ACI Renommée" and saved.retention_months == 36


@pytest.mark.parametrize("field,value,message", [
    ("siret", "123", "Le SIRET compte 14 chiffres."),
    ("retention_months", "2", "Entre 6 et 120 mois."),
    ("retention_months", "abc", "valeur décimale"),
    ("name", "", "Ce champ est obligatoire."),
])
def test_structure_settings_validation(client, login_as, structure, db, field, value, message):
    login_as("director")
    data = {"name": "ACI", "kind": "ACI", "siret": "", "address": "", "phone": "", "retention_months": "24"}
    data[field] = value
    response = post(client, "/structure", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_admin_creates_a_structure_with_its_director(client, login_as, db):
    login_as("admin")
    response = post(client, "/structures", {
        "name": "Régie du Quartier Nord", "kind": "RQ", "siret": "", "address": "",
        "director_name": "Anne Direction", "director_email": "anne@rq.terrain",
        "director_password": "phrase de passe solide",
    })
    assert response.status_code == 303
    structure = db.exec(select(Structure).where(Structure.name == "Régie du Quartier Nord")).one()
    director = db.exec(select(User).where(User.email == "anne@rq.terrain")).one()
    assert director.structure_id == structure.id and director.role == "director"


def test_admin_structure_form_errors_keep_input(client, login_as, db):
    login_as("admin")
    response = post(client, "/structures", {
        "name": "Sans direction", "kind": "ACI", "director_name": "", "director_email": "x",
        "director_password": "",
    }, htmx=True)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'value="Sans direction"' in body and "Adresse e-mail invalide." in body
    assert db.exec(select(Structure).where(Structure.name == "Sans direction")).first() is None


def test_only_admin_creates_structures(client, login_as):
    login_as("director")
    assert post(client, "/structures", {"name": "X"}).status_code == 403

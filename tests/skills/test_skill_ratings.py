"""Skills: frameworks, ratings, latest level, history, framework edits, matrix, quick rating screens."""
import html
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import event
from sqlmodel import select

from tests.conftest import post
from webapp.domain.skills import skills as service
from webapp.models import (
    Assignment,
    Attendance,
    AuditEvent,
    Skill,
    SkillFramework,
    SkillRating,
    utcnow,
)
from webapp.platform.db import get_engine, writing


@pytest.fixture
def site(make, structure):
    return make.worksite(structure, sector="Espaces verts", rome_code="A1203")


@pytest.fixture
def frameworks(db, structure, site):
    with writing():
        service.ensure_frameworks(db, structure.id)
        db.commit()
    return {f.sector: f for f in service.frameworks_of(db, structure.id)}


def skill(db, structure, code) -> Skill:
    return db.exec(select(Skill).where(Skill.structure_id == structure.id, Skill.code == code,
                                       Skill.active.is_(True))).one()


def all_ratings(db) -> list[SkillRating]:
    """Every rating, read after the requests' commits."""
    db.rollback()
    return list(db.exec(select(SkillRating).order_by(SkillRating.id)).all())


def rate(db, employee, sk, level, user, days_ago=0, **fields):
    with writing():
        rating = service.record_rating(db, employee=employee, skill=sk, level=level, user=user,
                                       at=utcnow() - timedelta(days=days_ago), **fields)
        db.commit()
    return rating


def test_frameworks_are_created_for_the_sectors_of_the_sites_plus_savoir_etre(frameworks, db, structure):
    assert set(frameworks) == {"Espaces verts", "Savoir-être"}
    assert frameworks["Espaces verts"].rome_code == "A1203"
    rows = service.skills_of_framework(db, frameworks["Espaces verts"])
    assert 8 <= len(rows) <= 15
    assert "Tondre une pelouse en respectant les consignes de sécurité" in [r.skill.label for r in rows]
    assert len(service.skills_of_framework(db, frameworks["Savoir-être"])) == 16
    assert service.ensure_frameworks(db, structure.id) == 0


def test_seed_list_has_six_sectors_of_eight_to_fifteen_skills():
    from webapp.platform.reference_lists import seed_skills

    sectors = {k: v for k, v in seed_skills().items() if k != "Savoir-être"}
    assert len(sectors) >= 6
    for framework in sectors.values():
        count = sum(len(skills) for _, _, skills in framework["activities"])
        assert 8 <= count <= 15


def test_latest_level_follows_time_not_insertion_order(frameworks, db, structure, make, users):
    employee = make.employee(structure)
    sk = skill(db, structure, "EV-04")
    rate(db, employee, sk, 3, users["supervisor"], days_ago=1)
    rate(db, employee, sk, 1, users["supervisor"], days_ago=30)
    assert service.latest_level(db, employee.id, "EV-04") == 3
    rate(db, employee, sk, 4, users["supervisor"], days_ago=0)
    assert service.latest_level(db, employee.id, "EV-04") == 4
    assert service.latest_level(db, employee.id, "EV-05") is None


def test_history_lists_ratings_oldest_first_and_bilan_gets_first_and_last(frameworks, db, structure, make, users):
    employee = make.employee(structure)
    mow, hedge = skill(db, structure, "EV-04"), skill(db, structure, "EV-08")
    for days, level in ((60, 1), (30, 2), (5, 3)):
        rate(db, employee, mow, level, users["supervisor"], days_ago=days)
    rate(db, employee, hedge, 2, users["supervisor"], days_ago=10)
    items = {h.code: h for h in service.history(db, employee.id)}
    assert [r.level for r in items["EV-04"].ratings] == [1, 2, 3]
    assert items["EV-04"].acquired and not items["EV-08"].acquired
    period = service.first_and_last(db, employee.id, (utcnow() - timedelta(days=40)).date(), utcnow().date())
    assert (period["EV-04"][0].level, period["EV-04"][1].level) == (2, 3)
    progress = service.progress(db, employee.id)
    assert [h.code for h in progress.acquired] == ["EV-04"]
    assert [h.code for h in progress.working] == ["EV-08"]


def test_rating_records_who_when_where_and_evidence(frameworks, db, structure, make, users, site):
    employee = make.employee(structure, worksite_id=site.id)
    rating = rate(db, employee, skill(db, structure, "EV-04"), "2", users["supervisor"],
                  situation="Tonte du parc", evidence_note="A vérifié le carburant seul")
    assert (rating.rated_by_id, rating.worksite_id, rating.level) == (users["supervisor"].id, site.id, 2)
    assert rating.situation == "Tonte du parc" and rating.evidence_note.startswith("A vérifié")
    assert rating.rated_at.tzinfo is not None
    assert rating.rome_code == "A1203" and rating.sector == "Espaces verts"


@pytest.mark.parametrize("level", ["0", "5", "A", "", None])
def test_unknown_level_is_refused(frameworks, db, structure, make, users, level):
    employee = make.employee(structure)
    with pytest.raises(service.SkillError, match="Niveau inconnu"):
        service.record_rating(db, employee=employee, skill=skill(db, structure, "EV-04"), level=level,
                              user=users["supervisor"])


def test_employee_of_another_structure_cannot_be_rated_by_the_service(frameworks, db, structure, make, users):
    foreign = make.employee(make.structure("Autre"))
    with pytest.raises(service.SkillError):
        service.record_rating(db, employee=foreign, skill=skill(db, structure, "EV-04"), level=3,
                              user=users["supervisor"])


def test_framework_edit_never_rewrites_past_ratings(frameworks, db, structure, make, users):
    employee = make.employee(structure)
    old = skill(db, structure, "EV-04")
    old_label = old.label
    rating = rate(db, employee, old, 2, users["supervisor"], days_ago=3)
    with writing():
        new = service.revise_skill(db, skill=old, label="Tondre une pelouse à la tondeuse autoportée")
        db.commit()
    db.refresh(old)
    db.refresh(rating)
    assert not old.active and old.label == old_label and old.retired_at is not None
    assert new.active and new.code == "EV-04" and new.replaces_id == old.id
    assert rating.skill_id == old.id and rating.skill_label == old_label
    rate(db, employee, new, 3, users["supervisor"])
    item = {h.code: h for h in service.history(db, employee.id)}["EV-04"]
    assert [r.skill_label for r in item.ratings] == [old_label, "Tondre une pelouse à la tondeuse autoportée"]
    assert service.latest_level(db, employee.id, "EV-04") == 3
    with pytest.raises(service.SkillError, match="retirée"):
        service.record_rating(db, employee=employee, skill=old, level=3, user=users["supervisor"])


def test_csv_export_then_import_revises_adds_and_retires(frameworks, db, structure):
    framework = frameworks["Espaces verts"]
    text = service.export_csv(db, framework)
    lines = text.splitlines()
    assert lines[0] == "activite,pictogramme,code,competence"
    edited = [lines[0]] + [lines[1].replace("Porter les EPI", "Porter systématiquement les EPI")] + lines[3:] + [
        "Planter et arroser,sprout,,Installer un arrosage goutte-à-goutte"]
    with writing():
        counts = service.import_csv(db, framework=framework, text="\n".join(edited) + "\n")
        db.commit()
    assert counts == {"added": 1, "revised": 1, "retired": 1, "unchanged": len(lines) - 3}
    labels = [r.skill.label for r in service.skills_of_framework(db, framework)]
    assert "Installer un arrosage goutte-à-goutte" in labels
    assert not any(label.startswith("Baliser") for label in labels)


def test_csv_import_with_wrong_columns_is_refused(frameworks, db):
    with pytest.raises(service.SkillError, match="Colonnes attendues"):
        service.import_csv(db, framework=frameworks["Espaces verts"], text="nom;libelle\nx;y\n")


# --- screens ------------------------------------------------------------------------------------

@pytest.mark.parametrize("role,status", [
    ("supervisor", 200), ("counsellor", 200), ("coordinator", 200), ("director", 200), ("admin", 403),
])
def test_matrix_access_by_role(client, login_as, site, role, status):
    login_as(role)
    assert client.get("/competences/").status_code == status


def test_supervisor_rates_one_employee(client, login_as, make, structure, site, db):
    employee = make.employee(structure, worksite_id=site.id)
    login_as("supervisor")
    page = client.get(f"/competences/salaries/{employee.id}/evaluer")
    assert page.status_code == 200
    sk = skill(db, structure, "EV-04")
    response = post(client, f"/competences/salaries/{employee.id}/evaluer",
                    {"client_key": str(uuid.uuid4()), "skill_id": sk.id, "level": "3", "situation": "Tonte du stade"})
    assert response.status_code == 303
    rating = all_ratings(db)[0]
    assert (rating.employee_id, rating.level, rating.situation) == (employee.id, 3, "Tonte du stade")
    body = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Enregistré" in body and "En cours de travail" not in body.split("Enregistré")[0]


def test_a_rating_just_made_is_undone_by_its_author_and_the_previous_level_is_back(client, login_as, make,
                                                                                   structure, site, db, users, frameworks):
    employee = make.employee(structure, worksite_id=site.id)
    sk = skill(db, structure, "EV-04")
    rate(db, employee, sk, 2, users["supervisor"], days_ago=3)
    login_as("supervisor")
    client.get("/competences/")
    saved = post(client, f"/competences/salaries/{employee.id}/evaluer", {"client_key": str(uuid.uuid4()), "skill_id": sk.id, "level": "4"}, htmx=True)
    rating_id = all_ratings(db)[-1].id
    assert f'hx-post="/competences/evaluations/{rating_id}/annuler"' in saved.get_data(as_text=True)
    undone = post(client, f"/competences/evaluations/{rating_id}/annuler", {}, htmx=True)
    body = undone.get_data(as_text=True)
    assert undone.status_code == 200 and "Évaluation annulée" in body and 'role="status"' in body
    assert [r.level for r in all_ratings(db)] == [2]
    assert service.latest_level(db, employee.id, sk.code) == 2
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "rating.undo")).one().object_id == rating_id


def test_a_rating_is_not_undone_by_another_user_nor_after_five_minutes(client, auth, make, structure, site, db, frameworks,
                                                                       users):
    employee = make.employee(structure, worksite_id=site.id)
    sk = skill(db, structure, "EV-04")
    old = rate(db, employee, sk, 2, users["supervisor"], days_ago=0)
    with writing():
        old.rated_at = utcnow() - timedelta(minutes=6)
        db.add(old)
        db.commit()
    fresh = rate(db, employee, sk, 3, users["supervisor"])
    auth.login(users["supervisor"].email)
    late = post(client, f"/competences/evaluations/{old.id}/annuler", {}, htmx=True)
    assert late.status_code == 422 and "Trop tard pour annuler" in late.get_data(as_text=True)
    auth.logout()
    auth.login(users["coordinator"].email)
    other = post(client, f"/competences/evaluations/{fresh.id}/annuler", {}, htmx=True)
    assert other.status_code == 422 and "Seule la personne qui a fait cette saisie" in html.unescape(
        other.get_data(as_text=True))
    assert len(all_ratings(db)) == 2


def test_rating_an_employee_of_another_structure_answers_404_and_records_nothing(client, login_as, make, site, db,
                                                                                   structure):
    foreign = make.employee(make.structure("Autre ACI"))
    login_as("supervisor")
    client.get("/competences/")
    sk = skill(db, structure, "EV-04")
    assert client.get(f"/competences/salaries/{foreign.id}/evaluer").status_code == 404
    response = post(client, f"/competences/salaries/{foreign.id}/evaluer", {"client_key": str(uuid.uuid4()), "skill_id": sk.id, "level": "3"})
    assert response.status_code == 404
    assert all_ratings(db) == []


def test_unknown_level_on_screen_gets_french_message_and_records_nothing(client, login_as, make, structure, site,
                                                                         db):
    employee = make.employee(structure, worksite_id=site.id)
    login_as("supervisor")
    client.get("/competences/")
    sk = skill(db, structure, "EV-04")
    response = post(client, f"/competences/salaries/{employee.id}/evaluer", {"client_key": str(uuid.uuid4()), "skill_id": sk.id, "level": "9"})
    assert response.status_code == 422
    assert "Niveau inconnu" in response.get_data(as_text=True)
    assert all_ratings(db) == []


def test_skill_of_another_structure_answers_404(client, login_as, make, structure, site, db):
    other = make.structure("Autre")
    with writing():
        service.create_framework(db, structure_id=other.id, sector="Espaces verts")
        db.commit()
    foreign_skill = skill(db, other, "EV-04")
    employee = make.employee(structure, worksite_id=site.id)
    login_as("supervisor")
    response = post(client, f"/competences/salaries/{employee.id}/evaluer",
                    {"client_key": str(uuid.uuid4()), "skill_id": foreign_skill.id, "level": "3"})
    assert response.status_code == 404
    assert all_ratings(db) == []


def test_counsellor_cannot_rate(client, login_as, make, structure, site):
    employee = make.employee(structure, worksite_id=site.id)
    login_as("counsellor")
    assert client.get(f"/competences/salaries/{employee.id}/evaluer").status_code == 403
    assert client.get(f"/competences/salaries/{employee.id}").status_code == 200


def test_group_rating_then_one_exception(client, login_as, make, structure, site, db):
    team = [make.employee(structure, worksite_id=site.id) for _ in range(4)]
    login_as("supervisor")
    client.get("/competences/")
    sk = skill(db, structure, "EV-08")
    response = post(client, f"/competences/groupe/{sk.id}",
                    {"client_key": str(uuid.uuid4()), "chantier": site.id, "employee_ids": [e.id for e in team], "level": "3",
                     "situation": "Taille de la haie du parc"})
    assert response.status_code == 303
    ratings = all_ratings(db)
    assert [r.level for r in ratings] == [3, 3, 3, 3]
    assert client.get(response.headers["Location"]).status_code == 200
    ids = ",".join(str(r.id) for r in ratings)
    assert post(client, f"/competences/evaluations/{ratings[1].id}/corriger", {"level": "2", "r": ids}).status_code \
        == 303
    db.rollback()
    assert [r.level for r in all_ratings(db)] == [3, 2, 3, 3]


def ticked(body: str) -> set[int]:
    """Ids of the people the group rating screen shows ticked."""
    import re

    return {int(i) for i in re.findall(r'id="p-(\d+)" name="employee_ids" value="\d+" checked', body)}


def test_group_rating_comes_with_the_people_of_the_site_ticked_except_those_marked_away(
        client, login_as, make, structure, site, db, users):
    amina, bruno, chloe = (make.employee(structure, worksite_id=site.id, first_name=n) for n in ("A", "B", "C"))
    with writing():
        for person, status in ((bruno, "absent"), (chloe, "late")):
            db.add(Attendance(structure_id=structure.id, employee_id=person.id, day=date.today(), status=status,
                              recorded_by_id=users["supervisor"].id))
        db.commit()
    login_as("supervisor")
    client.get("/competences/")
    body = client.get(f"/competences/groupe/{skill(db, structure, 'EV-08').id}?chantier={site.id}").get_data(
        as_text=True)
    assert ticked(body) == {amina.id, chloe.id}


def test_group_rating_ticks_only_the_people_assigned_to_the_site_today(client, login_as, make, structure, site, db,
                                                                       users, crew):
    regular, helper, elsewhere = (make.employee(structure, worksite_id=site.id) for _ in range(3))
    visitor = make.employee(structure, worksite_id=make.worksite(structure).id)  # came to help on this site today
    with writing():
        for person in (regular, visitor):
            db.add(Assignment(structure_id=structure.id, day=date.today(), employee_id=person.id,
                              worksite_id=site.id, team_id=crew["team"].id))
        db.add(Assignment(structure_id=structure.id, day=date.today() - timedelta(days=1), employee_id=helper.id,
                          worksite_id=site.id, team_id=crew["team"].id))  # yesterday's team does not count
        db.commit()
    login_as("supervisor")
    client.get("/competences/")
    body = client.get(f"/competences/groupe/{skill(db, structure, 'EV-08').id}?chantier={site.id}").get_data(
        as_text=True)
    assert ticked(body) == {regular.id, visitor.id}
    assert f'id="p-{elsewhere.id}"' in body  # offered, one tap away, but not ticked


def test_a_group_rating_is_undone_together_by_its_author_within_five_minutes(client, auth, make, structure, site, db,
                                                                            users, frameworks):
    team = [make.employee(structure, worksite_id=site.id) for _ in range(3)]
    sk = skill(db, structure, "EV-08")
    auth.login(users["supervisor"].email)
    saved = post(client, f"/competences/groupe/{sk.id}",
                 {"client_key": str(uuid.uuid4()), "chantier": site.id, "employee_ids": [e.id for e in team], "level": "3"})
    result = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Annuler ces évaluations" in result
    ids = ",".join(str(r.id) for r in all_ratings(db))
    auth.logout()
    auth.login(users["coordinator"].email)
    other = post(client, "/competences/groupe/annuler", {"r": ids, "chantier": site.id})
    assert other.status_code == 303 and len(all_ratings(db)) == 3  # refused: not theirs
    auth.logout()
    auth.login(users["supervisor"].email)
    undone = post(client, "/competences/groupe/annuler", {"r": ids, "chantier": site.id})
    assert undone.status_code == 303 and all_ratings(db) == []
    assert "3 évaluation(s) annulée(s)" in client.get(undone.headers["Location"]).get_data(as_text=True)
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "rating.undo")).all()) == 3


def test_group_rating_without_anyone_is_refused(client, login_as, make, structure, site, db):
    make.employee(structure, worksite_id=site.id)
    login_as("supervisor")
    client.get("/competences/")
    sk = skill(db, structure, "EV-08")
    response = post(client, f"/competences/groupe/{sk.id}", {"client_key": str(uuid.uuid4()), "chantier": site.id, "level": "3"})
    assert response.status_code == 422
    assert "Choisissez au moins une personne." in response.get_data(as_text=True)
    assert all_ratings(db) == []


def test_group_rating_with_a_foreign_employee_answers_404(client, login_as, make, structure, site, db):
    mine = make.employee(structure, worksite_id=site.id)
    foreign = make.employee(make.structure("Autre"))
    login_as("supervisor")
    client.get("/competences/")
    sk = skill(db, structure, "EV-08")
    response = post(client, f"/competences/groupe/{sk.id}",
                    {"client_key": str(uuid.uuid4()), "chantier": site.id, "employee_ids": [mine.id, foreign.id], "level": "3"})
    assert response.status_code == 404
    assert all_ratings(db) == []


def test_only_director_edits_frameworks(client, login_as, site, db, structure):
    login_as("supervisor")
    client.get("/competences/referentiels")
    framework = db.exec(select(SkillFramework).where(SkillFramework.sector == "Espaces verts")).one()
    sk = skill(db, structure, "EV-04")
    assert post(client, f"/competences/referentiels/competences/{sk.id}/modifier",
                {"label": "Autre libellé"}).status_code == 403
    assert client.get(f"/competences/referentiels/{framework.id}/export.csv").status_code == 200


def test_director_rewords_a_skill_and_bad_label_is_refused(client, login_as, site, db, structure):
    login_as("director")
    client.get("/competences/referentiels")
    sk = skill(db, structure, "EV-04")
    response = post(client, f"/competences/referentiels/competences/{sk.id}/modifier", {"label": "ab"})
    assert response.status_code == 422
    assert "action observable" in response.get_data(as_text=True)
    response = post(client, f"/competences/referentiels/competences/{sk.id}/modifier",
                    {"label": "Tondre une pelouse en sécurité"})
    assert response.status_code == 303
    db.rollback()
    assert skill(db, structure, "EV-04").label == "Tondre une pelouse en sécurité"


def test_director_imports_a_framework_csv(client, login_as, site, db):
    import io

    login_as("director")
    client.get("/competences/referentiels")
    framework = db.exec(select(SkillFramework).where(SkillFramework.sector == "Espaces verts")).one()
    csv_text = client.get(f"/competences/referentiels/{framework.id}/export.csv").get_data(as_text=True)
    data = {"file": (io.BytesIO(csv_text.encode("utf-8")), "ref.csv")}
    response = post(client, f"/competences/referentiels/{framework.id}/import", data,
                    content_type="multipart/form-data")
    assert response.status_code == 303
    bad = {"file": (io.BytesIO("\xff\xfe".encode("latin-1")), "ref.csv")}
    response = post(client, f"/competences/referentiels/{framework.id}/import", bad,
                    content_type="multipart/form-data")
    assert response.status_code == 422


def test_employee_page_shows_skills_summary(client, login_as, make, structure, site):
    employee = make.employee(structure, worksite_id=site.id)
    login_as("counsellor")
    body = client.get(f"/salaries/{employee.id}").get_data(as_text=True)
    assert "Compétences" in body and "Progression" in body


def test_matrix_query_count_does_not_grow_with_people_or_ratings(app, client, login_as, make, structure, site, db,
                                                                  users):
    login_as("supervisor")
    client.get("/competences/")
    counts = []
    for batch in (2, 12):
        for _ in range(batch):
            employee = make.employee(structure, worksite_id=site.id)
            for code in ("EV-04", "EV-05", "SE-ponctualite"):
                rate(db, employee, skill(db, structure, code), 2, users["supervisor"])
        statements = []
        listener = lambda *args: statements.append(args[2])
        event.listen(get_engine(app), "before_cursor_execute", listener)
        try:
            response = client.get(f"/competences/?chantier={site.id}")
            assert response.status_code == 200
        finally:
            event.remove(get_engine(app), "before_cursor_execute", listener)
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert "◔" in response.get_data(as_text=True)


def test_demo_data_has_history_sessions_and_an_attestation_ready_employee(db):
    from datetime import date

    from webapp.demo import seed_demo_data
    from webapp.domain.employees.employees import latest_contracts
    from webapp.domain.skills.attestations import build_content
    from webapp.models import Employee, LearningSession

    with writing():
        structure = seed_demo_data(db, "demo password long enough", today=date(2026, 11, 28))
        db.commit()
    statuses = sorted(s.status for s in db.exec(select(LearningSession)).all())
    assert statuses == ["held", "planned"]
    ratings = all_ratings(db)
    assert len(ratings) > 300
    assert (max(r.rated_at for r in ratings) - min(r.rated_at for r in ratings)).days > 90
    employees = db.exec(select(Employee).where(Employee.structure_id == structure.id,
                                               Employee.active.is_(True))).all()
    ends = latest_contracts(db, [e.id for e in employees])
    near_end = [e for e in employees if ends[e.id].end_date <= date(2026, 11, 28) + timedelta(days=60)]
    assert any(len(build_content(db, e, date(2026, 11, 28))["skills"]) >= 5 for e in near_end)


def test_rating_with_a_photo_keeps_a_reencoded_copy_readable_only_in_the_structure(client, login_as, make,
                                                                                 structure, site, db, app, auth):
    import io

    from PIL import Image

    employee = make.employee(structure, worksite_id=site.id)
    login_as("supervisor")
    client.get("/competences/")
    sk = skill(db, structure, "EV-04")
    image = io.BytesIO()
    Image.new("RGB", (2400, 1200), (30, 120, 40)).save(image, "PNG")
    image.seek(0)
    response = post(client, f"/competences/salaries/{employee.id}/evaluer",
                    {"client_key": str(uuid.uuid4()), "skill_id": sk.id, "level": "3", "evidence_note": "Bords nets", "photo": (image, "tonte.png")},
                    content_type="multipart/form-data")
    assert response.status_code == 303
    [rating] = all_ratings(db)
    assert rating.evidence_ref.startswith("photo:") and rating.evidence_note == "Bords nets"
    photo = client.get(f"/competences/evaluations/{rating.id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(photo.data)).size == (1600, 800)
    photo.close()
    assert "photo" in client.get(f"/competences/salaries/{employee.id}").get_data(as_text=True)
    stranger = make.user("director", make.structure("Autre"))
    auth.logout()
    auth.login(stranger.email)
    assert client.get(f"/competences/evaluations/{rating.id}/photo").status_code == 404


def test_a_file_that_is_not_an_image_is_refused_and_nothing_recorded(client, login_as, make, structure, site, db):
    import io

    employee = make.employee(structure, worksite_id=site.id)
    login_as("supervisor")
    client.get("/competences/")
    sk = skill(db, structure, "EV-04")
    response = post(client, f"/competences/salaries/{employee.id}/evaluer",
                    {"client_key": str(uuid.uuid4()), "skill_id": sk.id, "level": "3", "photo": (io.BytesIO(b"not an image"), "x.jpg")},
                    content_type="multipart/form-data")
    assert response.status_code == 422
    assert "n&#39;est pas une photo lisible" in response.get_data(as_text=True)
    assert all_ratings(db) == []


@pytest.mark.parametrize("url,method", [
    ("/competences/?chantier=abc", "get"), ("/competences/?chantier=999999", "get"),
    ("/competences/groupe?chantier=abc&q=%00", "get"), ("/competences/groupe/999999?chantier=1", "get"),
    ("/competences/groupe/resultat?r=abc", "get"), ("/competences/groupe/resultat?r=1,2,x", "get"),
    ("/seances/?salarie=abc", "get"), ("/seances/nouvelle?modele=abc", "get"), ("/seances/999999", "get"),
    ("/attestations/999999/attestation.pdf", "get"), ("/competences/salaries/1/evaluer", "post"),
    ("/competences/groupe/1?chantier=abc", "post"), ("/seances/nouvelle", "post"),
    ("/competences/evaluations/999999/corriger", "post"),
])
def test_garbage_input_never_answers_500(client, login_as, make, structure, site, url, method):
    make.employee(structure, worksite_id=site.id)
    login_as("director")
    client.get("/competences/")
    response = client.get(url) if method == "get" else post(client, url, {"skill_id": "x", "level": "x",
                                                                          "employee_ids": ["a", "1"]})
    assert response.status_code < 500


def test_htmx_rating_answers_with_the_skill_item_only(client, login_as, make, structure, site, db):
    employee = make.employee(structure, first_name="Inès", worksite_id=site.id)
    login_as("supervisor")
    client.get("/competences/")
    sk = skill(db, structure, "EV-04")
    response = post(client, f"/competences/salaries/{employee.id}/evaluer", {"client_key": str(uuid.uuid4()), "skill_id": sk.id, "level": "4"},
                    htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert f'id="item-{sk.id}"' in body and "Enregistré : Inès" in body and "● M" in body
    response = post(client, f"/competences/salaries/{employee.id}/evaluer", {"client_key": str(uuid.uuid4()), "skill_id": sk.id, "level": "0"},
                    htmx=True)
    assert response.status_code == 422 and "Niveau inconnu" in response.get_data(as_text=True)
    assert [r.level for r in all_ratings(db)] == [4]


def test_only_the_rater_corrects_and_only_soon_after(frameworks, db, structure, make, users):
    employee = make.employee(structure)
    fresh = rate(db, employee, skill(db, structure, "EV-04"), 3, users["supervisor"])
    old = rate(db, employee, skill(db, structure, "EV-05"), 3, users["supervisor"], days_ago=1)
    with pytest.raises(service.SkillError, match="deux heures"):
        service.correct_rating(db, rating=fresh, level=2, user=users["coordinator"])
    with pytest.raises(service.SkillError, match="deux heures"):
        service.correct_rating(db, rating=old, level=2, user=users["supervisor"])
    assert service.correct_rating(db, rating=fresh, level=2, user=users["supervisor"]).level == 2


def test_a_rating_replayed_with_its_key_is_recorded_once(client, login_as, make, structure, site, frameworks, db):
    """The phone sends a rating again when it never saw the answer: the replay is answered, not recorded twice."""
    employee = make.employee(structure, worksite_id=site.id)
    login_as("supervisor")
    sk = skill(db, structure, "EV-04")
    url = f"/competences/salaries/{employee.id}/evaluer"
    sent = {"client_key": str(uuid.uuid4()), "skill_id": sk.id, "level": "3"}
    first = post(client, url, sent, htmx=True)
    again = post(client, url, sent, htmx=True)
    assert first.status_code == again.status_code == 200
    assert "Enregistré" in again.get_data(as_text=True)
    assert [r.level for r in all_ratings(db)] == [3]


def test_a_rating_key_reused_with_another_level_is_refused_in_french(client, login_as, make, structure, site,
                                                                     frameworks, db):
    employee = make.employee(structure, worksite_id=site.id)
    login_as("supervisor")
    sk = skill(db, structure, "EV-04")
    url = f"/competences/salaries/{employee.id}/evaluer"
    key = str(uuid.uuid4())
    assert post(client, url, {"client_key": key, "skill_id": sk.id, "level": "3"}, htmx=True).status_code == 200
    refused = post(client, url, {"client_key": key, "skill_id": sk.id, "level": "1"}, htmx=True)
    assert refused.status_code == 422
    assert "déjà été envoyée avec un autre contenu" in html.unescape(refused.get_data(as_text=True))
    assert [r.level for r in all_ratings(db)] == [3]


def test_a_rating_without_a_key_is_refused(client, login_as, make, structure, site, frameworks, db):
    employee = make.employee(structure, worksite_id=site.id)
    login_as("supervisor")
    sk = skill(db, structure, "EV-04")
    response = post(client, f"/competences/salaries/{employee.id}/evaluer", {"skill_id": sk.id, "level": "3"})
    assert response.status_code == 400
    assert all_ratings(db) == []


def test_a_group_rating_replayed_is_recorded_once_and_answers_the_same_result(client, login_as, make, structure,
                                                                              site, frameworks, db):
    team = [make.employee(structure, worksite_id=site.id) for _ in range(3)]
    login_as("supervisor")
    sk = skill(db, structure, "EV-08")
    sent = {"client_key": str(uuid.uuid4()), "chantier": site.id, "employee_ids": [e.id for e in team],
            "level": "2"}
    first = post(client, f"/competences/groupe/{sk.id}", sent)
    again = post(client, f"/competences/groupe/{sk.id}", sent)
    assert first.status_code == again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]  # the same three ratings, not three more
    ratings = all_ratings(db)
    assert len(ratings) == 3 and len({r.rated_at for r in ratings}) == 1


def test_a_rating_undone_then_replayed_is_refused_not_recorded_again(client, login_as, make, structure, site,
                                                                    frameworks, db):
    employee = make.employee(structure, worksite_id=site.id)
    login_as("supervisor")
    sk = skill(db, structure, "EV-04")
    url = f"/competences/salaries/{employee.id}/evaluer"
    sent = {"client_key": str(uuid.uuid4()), "skill_id": sk.id, "level": "3"}
    assert post(client, url, sent, htmx=True).status_code == 200
    [rating] = all_ratings(db)
    assert post(client, f"/competences/evaluations/{rating.id}/annuler", {}, htmx=True).status_code == 200
    replay = post(client, url, sent, htmx=True)
    assert replay.status_code == 422
    assert "annulée" in html.unescape(replay.get_data(as_text=True))
    assert all_ratings(db) == []

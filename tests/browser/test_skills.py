"""Skills in a real Chromium on a Pixel 7: quick ratings counted in taps, a learning session, the attestation."""
import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlmodel import select

from tests.browser.conftest import (
    assert_no_horizontal_scroll,
    check_accessibility,
    login,
    screenshot,
)
from webapp.domain.skills import skills as skills_service
from webapp.models import Contract, LearningSession, Skill, SkillRating, utcnow
from webapp.platform.db import writing

pytestmark = pytest.mark.browser


def assert_fits(page) -> None:
    """No horizontal scroll, and the mobile layout viewport was not widened by an overflowing element."""
    assert_no_horizontal_scroll(page)
    assert page.evaluate("window.innerWidth") == 412


class Taps:
    """Counts the taps a person makes, so that the tests hold the promised numbers."""

    def __init__(self):
        self.count = 0

    def __call__(self, locator):
        locator.click()
        self.count += 1


@pytest.fixture
def site(make, structure, db):
    site = make.worksite(structure, sector="Espaces verts", rome_code="A1203")
    with writing():
        structure.siret, structure.address = "12345678900017", "12 quai du Canal, 59000 Lille"
        db.add(structure)
        skills_service.ensure_frameworks(db, structure.id)
        db.commit()
    return site


@pytest.fixture
def team(make, structure, site, users):
    names = [("Amina", "Traoré"), ("Bruno", "Lefèvre"), ("Chloé", "Martin"), ("Daouda", "Diallo"), ("Élodie", "Roux")]
    return [make.employee(structure, first_name=f, last_name=l, worksite_id=site.id,
                          referent_eti_id=users["supervisor"].id) for f, l in names]


def ratings(db):
    db.rollback()
    return db.exec(select(SkillRating).order_by(SkillRating.id)).all()


def test_rate_one_person_in_two_taps(phone, users, team, db):
    login(phone, users["supervisor"].email)
    phone.goto(f"/competences/salaries/{team[0].id}/evaluer")
    check_accessibility(phone)
    assert_fits(phone)
    screenshot(phone, "skills-rate-list")
    tap = Taps()
    item = phone.locator("details.rate-item", has_text="Tondre une pelouse en respectant")
    tap(item.locator(":scope > summary"))
    screenshot(phone, "skills-rate-open")
    tap(item.get_by_role("button", name="A Acquis", exact=True))
    phone.get_by_text("Enregistré : Amina").wait_for()
    assert tap.count == 2
    [rating] = ratings(db)
    assert (rating.employee_id, rating.skill_code, rating.level, rating.rated_by_id) == (
        team[0].id, "EV-04", 3, users["supervisor"].id)
    check_accessibility(phone)
    screenshot(phone, "skills-rate-done")


def test_rate_a_group_of_four_in_three_taps_with_the_team_ticked_then_fix_an_exception(phone, users, team, site, db):
    login(phone, users["supervisor"].email)
    phone.goto(f"/competences/groupe?chantier={site.id}")
    check_accessibility(phone)
    assert_fits(phone)
    screenshot(phone, "skills-group-skills")
    tap = Taps()
    tap(phone.get_by_role("link", name="Tailler une haie à la taille-haie en gardant une coupe droite et régulière"))
    phone.get_by_role("heading", name="Évaluer un groupe").wait_for()
    assert all(phone.get_by_label(person.full_name).is_checked() for person in team)  # the day's team, ticked
    tap(phone.get_by_text(team[4].full_name, exact=True))  # the one who did not do the task
    check_accessibility(phone)
    screenshot(phone, "skills-group-people")
    tap(phone.get_by_role("button", name="A Acquis", exact=True))
    phone.get_by_role("heading", name="Évaluations enregistrées").wait_for()
    assert tap.count == 3  # the skill, one exception, the level
    assert sorted((r.employee_id, r.level) for r in ratings(db)) == sorted((p.id, 3) for p in team[:4])
    check_accessibility(phone)
    assert_fits(phone)
    screenshot(phone, "skills-group-result")
    phone.get_by_role("form", name=f"Corriger le niveau de {team[1].full_name}").get_by_role(
        "button", name="ECA En cours d'acquisition").click()
    phone.get_by_role("heading", name="Évaluations enregistrées").wait_for()
    assert {r.employee_id: r.level for r in ratings(db)} == {team[0].id: 3, team[1].id: 2, team[2].id: 3,
                                                             team[3].id: 3}
    phone.get_by_role("link", name="Terminé").click()
    phone.get_by_role("table").wait_for()
    check_accessibility(phone)
    assert_fits(phone)
    screenshot(phone, "skills-matrix")
    tap = Taps()
    row = phone.locator("tr", has_text="Tondre une pelouse en respectant")
    tap(row.get_by_role("link", name=f"{team[4].full_name}, non évalué(e) : évaluer"))
    tap(phone.locator("details[open]").get_by_role("button", name="M Maîtrisé", exact=True))
    phone.get_by_text("Enregistré : Élodie").wait_for()
    assert tap.count == 2
    assert ratings(db)[-1].employee_id == team[4].id and ratings(db)[-1].level == 4


def test_run_a_learning_session_end_to_end(phone, users, team, site, db):
    login(phone, users["supervisor"].email)
    phone.goto(f"/seances/?chantier={site.id}")
    phone.get_by_role("link", name="Préparer une séance").click()
    phone.get_by_label("Titre", exact=True).fill("Tondre en sécurité")
    phone.get_by_label("Tondre une pelouse en respectant les consignes de sécurité").check()
    phone.get_by_label("Contrôler le niveau d'huile et de carburant d'une machine thermique avant de la démarrer").check()
    phone.get_by_label("Situation de production utilisée").fill("Tonte du parc de la Roseraie")
    phone.get_by_label("Méthode").select_option("demonstration")
    phone.get_by_label("Matériel", exact=True).fill("Tondeuse thermique, EPI")
    phone.get_by_label("Points de sécurité").fill("Personne à moins de 5 m, moteur coupé pour dégager")
    phone.get_by_label("Durée (minutes)").fill("45")
    for person in team[:3]:
        phone.get_by_label(person.full_name, exact=True).check()
    phone.get_by_label("Enregistrer aussi comme modèle réutilisable").check()
    check_accessibility(phone)
    screenshot(phone, "learning-form")
    phone.get_by_role("button", name="Enregistrer la séance").click()
    phone.get_by_text("Séance préparée. Modèle enregistré.").wait_for()
    check_accessibility(phone)
    assert_fits(phone)
    screenshot(phone, "learning-run")
    phone.get_by_role("checkbox", name=team[2].full_name, exact=True).uncheck()
    for person, level in ((team[0], 3), (team[1], 2)):
        section = phone.get_by_role("region", name=person.full_name)
        for group in section.locator("fieldset").all():
            group.locator(f"label.level-{level}").click()
    phone.get_by_label("Notes de séance").fill("Bonne séance.")
    phone.get_by_role("button", name="Terminer la séance et enregistrer").click()
    phone.get_by_text("Séance terminée : 4 évaluation(s) enregistrée(s).").wait_for()
    check_accessibility(phone)
    screenshot(phone, "learning-held")
    db.rollback()
    session = db.exec(select(LearningSession)).one()
    assert session.status == "held"
    assert sorted((r.employee_id, r.level) for r in ratings(db)) == sorted(
        [(team[0].id, 3), (team[0].id, 3), (team[1].id, 2), (team[1].id, 2)])


def test_generate_the_attestation_and_read_its_pdf(phone, users, team, site, db):
    person = team[0]
    with writing():
        contract = db.exec(select(Contract).where(Contract.employee_id == person.id)).one()
        contract.job_title = "Agent(e) d'entretien des espaces verts"
        db.add(contract)
        for code, level, days, situation in (("EV-04", 2, 40, "Tonte du stade"),
                                             ("EV-04", 3, 20, "Tonte du parc de la Roseraie"),
                                             ("EV-08", 4, 10, "Taille de la haie de l'école"),
                                             ("EV-10", 2, 5, "Plantation d'arbustes"),
                                             ("SE-ponctualite", 3, 3, "Toujours à l'heure")):
            skill = db.exec(select(Skill).where(Skill.code == code, Skill.active.is_(True))).one()
            skills_service.record_rating(db, employee=person, skill=skill, level=level, user=users["supervisor"],
                                         worksite_id=site.id, situation=situation,
                                         at=utcnow() - timedelta(days=days))
        db.commit()
    login(phone, users["supervisor"].email)
    phone.goto(f"/competences/salaries/{person.id}")
    check_accessibility(phone)
    assert_fits(phone)
    screenshot(phone, "skills-progress")
    phone.get_by_role("link", name="Attestation", exact=True).click()
    phone.get_by_role("button", name="Générer l'attestation").click()
    phone.get_by_text("Attestation générée.").wait_for()
    check_accessibility(phone)
    assert_fits(phone)
    screenshot(phone, "attestation")
    with phone.expect_download() as download_info:
        phone.get_by_role("link", name="Télécharger le PDF").click()
    pdf = PdfReader(io.BytesIO(download_info.value.path().read_bytes()))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    for expected in ("ATTESTATION DE COMPÉTENCES", "Amina Traoré", "SIRET : 12345678900017",
                     "Tondre une pelouse en respectant les consignes de sécurité", "Tonte du parc de la Roseraie",
                     "Tailler une haie", "Maîtrisé", "Ponctualité", "L'encadrant(e) technique", "La direction"):
        assert expected in text, expected
    assert "Planter un arbuste" not in text
    phone.emulate_media(media="print")
    screenshot(phone, "attestation-print")
    phone.emulate_media(media="screen")
    phone.get_by_role("link", name="Version facile à lire").click()
    phone.get_by_role("heading", name="Ce que Amina sait faire").wait_for()
    check_accessibility(phone)
    assert_fits(phone)
    screenshot(phone, "attestation-easy")


def test_director_reviews_frameworks_and_employee_summary(phone, users, team, site):
    login(phone, users["director"].email)
    phone.goto(f"/salaries/{team[0].id}")
    phone.get_by_role("heading", name="Compétences").wait_for()
    check_accessibility(phone)
    assert_fits(phone)
    phone.goto("/competences/referentiels")
    check_accessibility(phone)
    phone.get_by_role("link", name="Espaces verts").click()
    phone.get_by_role("heading", name="Espaces verts").wait_for()
    phone.get_by_text("Ajouter une compétence").click()
    check_accessibility(phone)
    assert_fits(phone)
    screenshot(phone, "skills-framework")
    phone.goto(f"/seances/?chantier={site.id}")
    check_accessibility(phone)
    assert_fits(phone)
    screenshot(phone, "learning-index")

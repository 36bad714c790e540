"""Each field journey again, on Chrome's « Slow 4G » profile (562 ms, 1.47 Mbps down, 675 kbps up).

On loopback an answer comes back before the thumb leaves the glass; on a work site it takes a second or more. These
tests make the supervisor's captures over the throttled link, with the impatient second tap a person gives a button
that seems not to answer, and check what loopback cannot show: the button is held while the first send is on its
way (one capture recorded, never two), the confirmation still lands inside the viewport, and the tap counts hold.
"""
from datetime import date

import pytest
from playwright.sync_api import Error as PlaywrightError
from sqlmodel import func, select

from tests.browser.conftest import login
from tests.browser.test_one_hand import Taps, in_viewport, slow_4g
from webapp.domain.skills import skills
from webapp.models import (
    Alert,
    Attendance,
    Instruction,
    InstructionAck,
    Observation,
    ProductionTask,
    Skill,
    SkillRating,
    TeamBriefing,
)
from webapp.platform.db import writing

pytestmark = pytest.mark.browser


@pytest.fixture
def slow(phone):
    """The phone, logged in first on a fast link (as at the depot), then on Slow 4G for the rest of the test."""
    return lambda: slow_4g(phone)


def count(db, model, *where) -> int:
    db.rollback()
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def double_tap(locator) -> None:
    """The thumb taps again because nothing seemed to happen: the second tap lands while the first is sent.

    Both taps go to the same button element: once the answer has swapped a fresh form in, a tap on its button is a
    new capture (an empty one here), not the impatient second tap, and the locator would find that new button."""
    button = locator.element_handle()
    button.click()
    try:
        button.click(force=True, no_wait_after=True, timeout=2000)
    except PlaywrightError:  # the answer came first and swapped the button away: nothing left to tap twice
        pass


def test_observation_on_slow_4g_is_saved_once_and_confirmed_on_screen(phone, slow, users, crew, db):
    amina = crew["people"][0]
    login(phone, users["supervisor"].email)
    slow()
    tap = Taps()
    tap(phone.get_by_role("link", name=f"Observer {amina.full_name}"))
    phone.get_by_role("heading", name="Nouvelle observation").wait_for()
    phone.get_by_label("Ce que j'ai observé").fill("Range les outils sans qu'on le demande.")
    tap(phone.locator("label[for=oc-technique]"))
    tap.count += 1
    double_tap(phone.get_by_role("button", name="Enregistrer l'observation"))
    saved = phone.get_by_role("status").filter(has_text=f"Observation enregistrée pour {amina.full_name}.")
    saved.wait_for(timeout=20_000)
    assert in_viewport(phone, saved)
    assert tap.count == 3
    assert count(db, Observation, Observation.text == "Range les outils sans qu'on le demande.") == 1


def test_consigne_and_tous_ont_compris_on_slow_4g(phone, slow, users, crew, db):
    login(phone, users["supervisor"].email)
    phone.goto("/aujourdhui/#consignes")
    slow()
    phone.get_by_label("Consigne", exact=True).fill("Casque obligatoire sous les arbres.")
    double_tap(phone.get_by_role("button", name="Donner la consigne"))
    card = phone.locator("#instruction-list article").first
    card.get_by_text("Casque obligatoire").wait_for(timeout=20_000)
    everyone = card.get_by_role("button", name="Tous ont compris")
    assert in_viewport(phone, everyone)
    double_tap(everyone)
    phone.locator("#instruction-list article").first.get_by_text(
        f"compris par {len(crew['people'])}/{len(crew['people'])}").wait_for(timeout=20_000)
    assert count(db, Instruction, Instruction.text == "Casque obligatoire sous les arbres.") == 1
    assert count(db, InstructionAck) == len(crew["people"])


def test_attendance_of_the_whole_team_on_slow_4g_every_tap_arrives(phone, slow, users, crew, db):
    today = date.today().isoformat()
    login(phone, users["supervisor"].email)
    phone.goto("/aujourdhui/presences")
    slow()
    tap = Taps()
    for person in crew["people"]:  # one quick tap each, without waiting for the previous answer
        tap(phone.locator(f"#att-{person.id}-{today}").get_by_role("button", name="Présent"))
    for person in crew["people"]:
        phone.locator(f"#att-{person.id}-{today}").locator(
            "button[aria-pressed=true]", has_text="Présent").wait_for(timeout=30_000)
    assert tap.count == len(crew["people"])
    assert count(db, Attendance, Attendance.status == "present") == len(crew["people"])


def test_alert_on_slow_4g_in_three_taps_is_recorded_once(phone, slow, users, crew, db):
    amina = crew["people"][0]
    login(phone, users["supervisor"].email)
    slow()
    tap = Taps()
    tap(phone.get_by_role("link", name=f"Alerte pour {amina.full_name}"))
    phone.get_by_role("heading", name="Alerte urgente").wait_for(timeout=20_000)
    tap(phone.get_by_text("Accident du travail / blessure"))
    tap.count += 1
    double_tap(phone.get_by_role("button", name="Envoyer l'alerte"))
    status = phone.get_by_text("Envoyée — en attente de prise en charge")
    status.wait_for(timeout=20_000)
    assert in_viewport(phone, status)
    assert tap.count == 3
    assert count(db, Alert, Alert.employee_id == amina.id) == 1


def test_production_and_point_du_matin_on_slow_4g(phone, slow, users, crew, db):
    login(phone, users["supervisor"].email)
    phone.goto("/production/")
    slow()
    phone.get_by_label("Travail ou commande").fill("Taille des haies")
    phone.get_by_label("Prévu").fill("300")
    phone.get_by_label("Unité").fill("m")
    double_tap(phone.get_by_role("button", name="Ajouter"))
    row = phone.locator("#task-list .task").first
    row.get_by_text("Taille des haies").wait_for(timeout=20_000)
    assert in_viewport(phone, row.get_by_text("Taille des haies"))
    assert count(db, ProductionTask, ProductionTask.task == "Taille des haies") == 1
    # A wrong entry is taken back in one tap, the answer where the thumb is.
    phone.get_by_role("button", name="Annuler ce travail").click()
    gone = phone.get_by_role("status").filter(has_text="Travail retiré")
    gone.wait_for(timeout=20_000)
    assert in_viewport(phone, gone)
    assert count(db, ProductionTask, ProductionTask.task == "Taille des haies") == 0

    phone.goto("/aujourdhui/")
    phone.locator("details.briefing-box > summary").first.click()
    phone.get_by_label("Rappels de sécurité").fill("Gilets fluo le long de la route.")
    double_tap(phone.get_by_role("button", name="Enregistrer le point du matin"))
    done = phone.get_by_role("status").filter(has_text="Point du matin enregistré.")
    done.wait_for(timeout=20_000)
    assert in_viewport(phone, done)
    assert count(db, TeamBriefing, TeamBriefing.safety == "Gilets fluo le long de la route.") == 1


def test_a_rating_on_slow_4g_in_two_taps_is_recorded_once(phone, slow, users, crew, structure, db):
    amina = crew["people"][0]
    with writing():
        skills.ensure_frameworks(db, structure.id)
        db.commit()
    skill = db.exec(select(Skill).where(Skill.structure_id == structure.id, Skill.retired_at.is_(None),
                                        Skill.code == "EV-04")).first()
    assert skill is not None
    login(phone, users["supervisor"].email)
    phone.goto(f"/competences/salaries/{amina.id}/evaluer")
    slow()
    tap = Taps()
    item = phone.locator("details.rate-item", has_text=skill.label[:30])
    tap(item.locator(":scope > summary"))
    level = item.get_by_role("button", name="A Acquis", exact=True)
    tap.count += 1
    double_tap(level)
    done = phone.get_by_text(f"Enregistré : {amina.first_name}")
    done.wait_for(timeout=20_000)
    assert in_viewport(phone, done)
    assert tap.count == 2
    assert count(db, SkillRating, SkillRating.employee_id == amina.id) == 1


def test_a_tap_on_a_form_htmx_has_not_wired_yet_is_held_not_sent_as_a_page(phone, users, crew, db):
    """Between swapping a new form in and wiring it, htmx waits its settle delay; stretched here to 1.5 s so that
    the tap surely lands in it. The tap must reach the server through htmx (no page load), once."""
    login(phone, users["supervisor"].email)
    phone.goto("/production/")
    phone.evaluate("() => { window.htmx.config.defaultSettleDelay = 1500; }")
    phone.get_by_label("Travail ou commande").fill("Débroussaillage")
    phone.get_by_role("button", name="Ajouter").click()
    phone.locator("#task-list").get_by_text("Débroussaillage").wait_for()
    assert phone.locator("#task-form.htmx-added, .htmx-added #task-form").count() == 1  # not wired yet
    url = phone.url
    phone.get_by_label("Travail ou commande").fill("Ramassage des branches")
    phone.get_by_role("button", name="Ajouter").click()
    phone.locator("#task-list").get_by_text("Ramassage des branches").wait_for(timeout=10_000)
    assert phone.url == url  # still the same page: htmx sent it
    assert count(db, ProductionTask) == 2

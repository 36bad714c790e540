"""One hand, one glance: text contrast for the sun and 48 px targets on the supervisor's screens, measured in Chromium."""
import random
import time
import uuid
from datetime import date, timedelta

import pytest
from flask import request
from PIL import Image
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from sqlmodel import select

from tests.browser.conftest import (
    assert_text_contrast,
    login,
    screenshot,
    small_targets,
)
from webapp.domain import field
from webapp.domain.field import observations as field_observations
from webapp.domain.skills import skills
from webapp.models import (
    Goal,
    InstructionAck,
    Observation,
    ObservationEmployee,
    Photo,
    Skill,
    WorkConstraint,
)
from webapp.platform.db import writing

pytestmark = pytest.mark.browser

SUPERVISOR_SCREENS = ["/aujourdhui/", "/observations/nouvelle", "/aujourdhui/presences", "/competences/",
                      "/production/", "/alertes/nouvelle", "/salaries/"]


@pytest.fixture
def rated_team(crew, users, structure, db):
    """The crew with one rating at each level, so that the skills matrix shows every colour."""
    with writing():
        skills.ensure_frameworks(db, structure.id)
        skill = db.exec(select(Skill).where(Skill.structure_id == structure.id, Skill.retired_at.is_(None))).first()
        for level, person in enumerate(crew["people"], start=1):
            skills.record_rating(db, employee=person, skill=skill, level=level, user=users["supervisor"],
                                 worksite_id=crew["site"].id)
        db.commit()
    return crew


@pytest.mark.parametrize("url", SUPERVISOR_SCREENS)
def test_supervisor_screens_read_in_the_sun_and_fit_the_thumb(phone, users, rated_team, url):
    login(phone, users["supervisor"].email)
    phone.goto(url)
    phone.wait_for_load_state("networkidle")
    if url == "/competences/":
        assert phone.locator(".matrix .cell.level-4").count() == 1  # the « Maîtrisé » colour is on screen
    assert_text_contrast(phone, 7.0)
    assert small_targets(phone) == []


def test_contrast_check_catches_white_ink_lost_on_dark_green(phone, users, crew):
    """The check computes what axe may not see: a planted cell with dark ink on the « Maîtrisé » green fails."""
    login(phone, users["supervisor"].email)
    phone.evaluate("""() => { const a = document.createElement('a'); a.href = '#'; a.className = 'cell';
        a.textContent = 'M'; a.style.cssText = 'display:inline-block;min-width:48px;min-height:48px;background:#0b3d2e;color:#111';
        document.querySelector('main').append(a); }""")
    with pytest.raises(AssertionError, match="1.5"):
        assert_text_contrast(phone, 7.0)


def test_target_check_catches_a_small_link(phone, users, crew):
    login(phone, users["supervisor"].email)
    phone.evaluate("""() => { const a = document.createElement('a'); a.href = '#'; a.className = 'button';
        a.textContent = 'petit'; a.style.cssText = 'display:inline-block;min-height:0;height:20px;padding:0';
        document.querySelector('main').append(a); }""")
    assert any("petit" in target for target in small_targets(phone))


SLOW_4G = {"offline": False, "latency": 562, "downloadThroughput": 1.47e6 / 8, "uploadThroughput": 675e3 / 8}


def slow_4g(page):
    """Chrome's « Slow 4G » profile, through the DevTools protocol."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    return cdp


def test_quick_compris_ticks_on_slow_4g_all_arrive_and_show_pending(phone, users, crew, db):
    people = crew["people"]
    with writing():
        instruction, _ = field.instructions.give_instruction(
            db, user=users["supervisor"], employees=people, category="securite", text="Gants obligatoires",
            worksite_id=crew["site"].id, day=date.today(), client_key="slow-4g-consigne")
        db.commit()
    login(phone, users["supervisor"].email)
    phone.goto("/aujourdhui/#consignes")
    card = phone.locator(f"#instruction-{instruction.id}")
    card.wait_for()
    slow_4g(phone)
    # Record every moment a tick shows « envoi… » (whatever the machine's speed, each request has that moment).
    phone.evaluate("""(id) => { window.pendingSeen = 0;
        new MutationObserver(() => {
            if (document.querySelector(`#instruction-${id} form.ack.htmx-request .pending-label`)) window.pendingSeen++;
        }).observe(document.getElementById(`instruction-${id}`), {attributes: true, subtree: true, childList: true});
    }""", instruction.id)
    taps = [people[0], people[1], people[2], people[3], people[1], people[3]]  # six taps, two of them untick
    for person in taps:
        chip = card.locator("form.ack", has_text=person.full_name).locator("button:not([disabled])")
        chip.click()
    phone.wait_for_function("() => !document.querySelector('form.ack.htmx-request')", timeout=30_000)
    assert card.locator("#counter-%d" % instruction.id).inner_text() == "compris par 2/4"
    assert phone.evaluate("window.pendingSeen") >= 1  # a tick in flight said so until confirmed
    db.rollback()
    acks = {a.employee_id: a.acknowledged_at is not None for a in db.exec(
        select(InstructionAck).where(InstructionAck.instruction_id == instruction.id)).all()}
    assert acks == {people[0].id: True, people[1].id: False, people[2].id: True, people[3].id: False}


def twelve_megapixels(tmp_path):
    """A 4,000 × 3,000 camera-like JPEG of about 5 MB: smooth shapes with sensor grain, as a phone shoots."""
    rng = random.Random(7)
    small = Image.frombytes("RGB", (160, 120), bytes(rng.randrange(256) for _ in range(160 * 120 * 3)))
    image = small.resize((4000, 3000), Image.BICUBIC)
    grain = Image.effect_noise((4000, 3000), 24).convert("RGB")
    image = Image.blend(image, grain, 0.12)
    path = tmp_path / "IMG_0001.jpg"
    image.save(path, format="JPEG", quality=95)
    return path


def test_a_12_megapixel_photo_is_shrunk_on_the_phone_and_saved_quickly_on_slow_4g(live_app, phone, users, crew,
                                                                                     tmp_path, db):
    amina = crew["people"][0]
    uploads = []  # bytes the server received for each observation POST: what really crossed the network
    live_app.before_request(lambda: uploads.append(request.content_length)
                            if request.method == "POST" and request.path.startswith("/observations") else None)
    photo = twelve_megapixels(tmp_path)
    assert photo.stat().st_size > 3_000_000
    login(phone, users["supervisor"].email)
    phone.goto(f"/observations/nouvelle?salarie={amina.id}")
    phone.get_by_label("Photo (facultatif)").set_input_files(str(photo))
    phone.get_by_text("Photo prête").wait_for(timeout=20_000)
    phone.locator("label[for=oc-technique]").click()
    phone.get_by_label("Ce que j'ai observé").fill("Taille de haie propre, outils rangés.")
    slow_4g(phone)
    started = time.monotonic()
    phone.get_by_role("button", name="Enregistrer l'observation").click()
    phone.get_by_text(f"Observation enregistrée pour {amina.full_name}.").wait_for(timeout=30_000)
    seconds = time.monotonic() - started
    print(f"\n12 MP photo: {photo.stat().st_size / 1e6:.1f} MB on the phone, {uploads[-1] / 1e3:.0f} KB sent, "
          f"saved in {seconds:.1f} s on Slow 4G")
    assert uploads and 20_000 < uploads[-1] < 800_000  # bytes on the wire: the shrunk photo, not the original
    db.rollback()
    stored = db.exec(select(Photo).order_by(Photo.id.desc())).first()
    assert stored is not None and max(stored.width, stored.height) <= 1600


class Taps:
    """Counts the taps a person makes, so that the tests hold the promised numbers."""

    def __init__(self):
        self.count = 0

    def __call__(self, locator):
        locator.click()
        self.count += 1


ON_SCREEN = """(el) => {
    const box = el.getBoundingClientRect();
    const height = window.innerHeight;
    if (!el.isConnected || box.top < 0 || box.top + Math.min(box.height, 60) > height) return false;
    const x = Math.min(Math.max(box.left + box.width / 2, 1), window.innerWidth - 1);
    const y = box.top + Math.min(box.height, 60) / 2;
    const seen = document.elementFromPoint(x, y);
    // What the eye meets there is the element itself, a part of it, or its own background (an ancestor):
    // not the top bar, the bottom navigation or a banner laid over it.
    return seen !== null && (el === seen || el.contains(seen) || seen.contains(el));
}"""


def in_viewport(page, locator) -> bool:
    """The element is on screen, where the eyes already are: not scrolled away above or below, and not hidden
    under the sticky top bar or the bottom navigation. htmx scrolls after the settle delay and may swap the
    element again, so this looks up the element afresh and waits (2 s at most) for it to get there."""
    deadline = time.monotonic() + 2.0
    while True:
        try:
            if page.evaluate(ON_SCREEN, locator.element_handle(timeout=500)):
                return True
        except (PlaywrightTimeoutError, PlaywrightError):  # not there yet, or swapped away while being read
            pass
        if time.monotonic() > deadline:
            return False
        page.wait_for_timeout(50)


def action_position(page, name: str) -> float:
    """Top of the main action's box as a fraction of the viewport height (≥ 0.6 means the lower 40 %)."""
    box = page.get_by_role("button", name=name).bounding_box()
    return box["y"] / page.viewport_size["height"]


@pytest.mark.parametrize("size", [None, {"width": 360, "height": 640}], ids=["pixel-7", "360x640"])
def test_observation_from_the_today_card_in_three_taps_with_the_save_under_the_thumb(phone, users, crew, size):
    if size:
        phone.set_viewport_size(size)
    amina = crew["people"][0]
    login(phone, users["supervisor"].email)
    tap = Taps()
    tap(phone.get_by_role("link", name=f"Observer {amina.full_name}"))
    phone.get_by_role("heading", name="Nouvelle observation").wait_for()
    assert action_position(phone, "Enregistrer l'observation") >= 0.6  # sticky in the lower 40 %
    # A failed save shows its reason on screen, not 700 px above it.
    phone.get_by_label("Ce que j'ai observé").fill("Bonne attention aux consignes.")
    phone.mouse.wheel(0, 2000)
    phone.get_by_role("button", name="Enregistrer l'observation").click()
    problem = phone.get_by_role("alert").filter(has_text="L'observation n'est pas enregistrée")
    problem.wait_for()
    assert in_viewport(phone, problem)
    assert phone.get_by_label("Ce que j'ai observé").input_value() == "Bonne attention aux consignes."  # kept
    tap(phone.locator("label[for=oc-technique]"))
    tap(phone.get_by_role("button", name="Enregistrer l'observation"))
    saved = phone.get_by_role("status").filter(has_text=f"Observation enregistrée pour {amina.full_name}.")
    saved.wait_for()
    assert in_viewport(phone, saved)
    assert tap.count == 3  # Observer, category, save (+ the text): the tone has its default
    assert_text_contrast(phone, 7.0)


def test_alert_from_a_person_card_in_three_taps(phone, users, crew, db):
    amina = crew["people"][0]
    login(phone, users["supervisor"].email)
    tap = Taps()
    tap(phone.get_by_role("link", name=f"Alerte pour {amina.full_name}"))
    phone.get_by_role("heading", name="Alerte urgente").wait_for()
    assert phone.locator(f"#employee-{amina.id}").is_checked()  # the person is preselected
    tap(phone.get_by_text("Accident du travail / blessure"))
    phone.get_by_label("Quelques faits (facultatif)").fill("Coupure légère à la main.")
    tap(phone.get_by_role("button", name="Envoyer l'alerte"))
    status = phone.get_by_text("Envoyée — en attente de prise en charge")
    status.wait_for()
    assert in_viewport(phone, status)
    assert tap.count == 3


def test_giving_a_consigne_shows_it_with_tous_ont_compris_on_screen(phone, users, crew):
    login(phone, users["supervisor"].email)
    phone.goto("/aujourdhui/#consignes")
    assert action_position(phone, "Donner la consigne") >= 0.6 or not phone.get_by_role(
        "button", name="Donner la consigne").is_visible()
    phone.get_by_label("Consigne", exact=True).fill("Gants et lunettes pour la débroussailleuse.")
    phone.get_by_role("button", name="Donner la consigne").click()
    card = phone.locator("#instruction-list article").first
    card.get_by_text("Gants et lunettes").wait_for()
    assert in_viewport(phone, card.get_by_role("button", name="Tous ont compris"))


def _worked_on(db, structure, crew, users, level=2):
    """A skill of the site's sector that Amina is working on (rated below « acquis »)."""
    with writing():
        skills.ensure_frameworks(db, structure.id)
        skill = skills.skills_for_sector(db, structure.id, crew["site"].sector, "")[0].skill
        skills.record_rating(db, employee=crew["people"][0], skill=skill, level=level, user=users["supervisor"],
                             worksite_id=crew["site"].id)
        db.commit()
    return skill


def _latest_level(db, employee, skill):
    db.rollback()
    return skills.latest_level(db, employee.id, skill.code)


def test_a_skill_worked_on_is_rated_in_two_taps_from_the_today_card(phone, users, crew, structure, db):
    amina = crew["people"][0]
    skill = _worked_on(db, structure, crew, users)
    login(phone, users["supervisor"].email)
    tap = Taps()
    card = phone.locator("article.team-card", has_text=amina.full_name)
    tap(card.get_by_role("link", name=f"{skill.label} : évaluer {amina.full_name}"))
    phone.get_by_role("heading", name=f"Évaluer {amina.full_name}").wait_for()
    item = phone.locator(f"#c-{skill.code}")
    assert item.get_attribute("open") is not None  # the skill is open, its levels ready
    level = item.get_by_role("button", name="A Acquis", exact=True)
    assert in_viewport(phone, level)
    tap(level)
    saved = phone.get_by_role("status").filter(has_text=f"Enregistré : {amina.first_name} — {skill.label}")
    saved.wait_for()
    assert in_viewport(phone, saved)
    assert tap.count == 2
    assert _latest_level(db, amina, skill) == 3
    screenshot(phone, "one-hand-rate-from-card")


def test_a_skill_is_rated_in_two_taps_from_the_team_matrix(phone, users, crew, structure, db):
    amina = crew["people"][0]
    skill = _worked_on(db, structure, crew, users, level=1)
    login(phone, users["supervisor"].email)
    phone.goto("/competences/")
    tap = Taps()
    cell = phone.locator(f"a.cell[href*='/salaries/{amina.id}/evaluer?competence={skill.code}']")
    cell.scroll_into_view_if_needed()
    tap(cell)
    item = phone.locator(f"#c-{skill.code}")
    item.wait_for()
    level = item.get_by_role("button", name="M Maîtrisé", exact=True)
    assert in_viewport(phone, level)
    tap(level)
    saved = phone.get_by_role("status").filter(has_text=f"Enregistré : {amina.first_name} — {skill.label}")
    saved.wait_for()
    assert in_viewport(phone, saved)
    assert tap.count == 2
    assert _latest_level(db, amina, skill) == 4


def test_a_group_rating_takes_n_plus_2_taps_with_todays_team_ticked(phone, users, crew, structure, db):
    amina, bruno, chloe, daouda = crew["people"]
    with writing():
        skills.ensure_frameworks(db, structure.id)
        skill = skills.skills_for_sector(db, structure.id, crew["site"].sector, "")[-1].skill
        field.attendance.record_attendance(db, user=users["supervisor"], employee=daouda, day=date.today(),
                                           status="absent", late_minutes=None, today=date.today())
        db.commit()
    login(phone, users["supervisor"].email)
    tap = Taps()
    tap(phone.locator("nav.bottom-nav").get_by_role("link", name="Compétences"))
    tap(phone.get_by_role("link", name="Évaluer un groupe"))
    tap(phone.get_by_role("link", name=skill.label))
    for person in (amina, bruno, chloe):
        assert phone.get_by_label(person.full_name).is_checked()  # today's team comes ticked
    assert not phone.get_by_label(daouda.full_name).is_checked()  # marked absent this morning
    tap(phone.get_by_role("button", name="A Acquis", exact=True))
    saved = phone.get_by_role("status").filter(has_text="3 évaluation(s) enregistrée(s)")
    saved.wait_for()
    assert in_viewport(phone, saved)
    assert tap.count <= 3 + 2  # N = 3 people: Compétences, Évaluer un groupe, the skill, the level
    db.rollback()
    assert {p.id: skills.latest_level(db, p.id, skill.code) for p in crew["people"]} == {
        amina.id: 3, bruno.id: 3, chloe.id: 3, daouda.id: None}


def test_annuler_right_after_saving_an_observation_takes_it_back_on_screen(phone, users, crew, db):
    amina = crew["people"][0]
    login(phone, users["supervisor"].email)
    phone.get_by_role("link", name=f"Observer {amina.full_name}").click()
    phone.locator("label[for=oc-technique]").click()
    phone.get_by_label("Ce que j'ai observé").fill("Erreur de personne, à reprendre.")
    phone.get_by_role("button", name="Enregistrer l'observation").click()
    undo = phone.get_by_role("button", name="Annuler l'observation")
    undo.wait_for()
    assert in_viewport(phone, undo)
    box = undo.bounding_box()
    assert box["height"] >= 48 and box["width"] >= 48
    assert_text_contrast(phone, 7.0)
    screenshot(phone, "one-hand-observation-undo")
    undo.click()
    done = phone.get_by_role("status").filter(has_text="Observation annulée")
    done.wait_for()
    assert in_viewport(phone, done)
    db.rollback()
    assert db.exec(select(Observation)).all() == []
    assert small_targets(phone) == []


def test_annuler_after_a_rating_from_the_card_brings_the_previous_level_back(phone, users, crew, structure, db):
    amina = crew["people"][0]
    skill = _worked_on(db, structure, crew, users, level=2)
    login(phone, users["supervisor"].email)
    phone.locator("article.team-card", has_text=amina.full_name).get_by_role(
        "link", name=f"{skill.label} : évaluer {amina.full_name}").click()
    phone.locator(f"#c-{skill.code}").get_by_role("button", name="M Maîtrisé", exact=True).click()
    undo = phone.get_by_role("button", name="Annuler l'évaluation")
    undo.wait_for()
    assert in_viewport(phone, undo)
    undo.click()
    done = phone.get_by_role("status").filter(has_text=f"Évaluation annulée : {amina.first_name}")
    done.wait_for()
    assert in_viewport(phone, done)
    assert _latest_level(db, amina, skill) == 2
    screenshot(phone, "one-hand-rating-undone")


def test_the_counsellor_feed_opens_on_what_is_unread_with_tout_est_lu_at_hand(phone, users, crew, db):
    with writing():
        for n in range(25):
            field_observations.record_observation(
                db, user=users["supervisor"], employees=[crew["people"][n % 4]], category="technique",
                tone="preoccupante" if n == 24 else "neutre", text=f"Note de terrain numéro {n}.", visibility="team",
                observed_on=date.today(), today=date.today(), client_key=str(uuid.uuid4()))
        db.commit()
    login(phone, users["counsellor"].email)
    phone.goto("/observations/fil")
    summary = phone.get_by_role("navigation", name="À lire")
    assert "20+ observation(s)" in summary.inner_text()  # one page of 20, more behind
    assert in_viewport(phone, summary)
    assert in_viewport(phone, phone.locator(".observation").first.get_by_text("Note de terrain numéro 24."))
    done = phone.get_by_role("button", name="Tout est lu")
    assert in_viewport(phone, done)  # without scrolling the 20 notes
    assert action_position(phone, "Tout est lu") >= 0.6
    assert phone.evaluate("() => document.documentElement.scrollHeight") > 4 * phone.viewport_size["height"]
    assert small_targets(phone) == []
    assert_text_contrast(phone, 7.0)
    screenshot(phone, "one-hand-feed")
    done.click()
    phone.get_by_text("Rien de nouveau.").wait_for()


def test_a_team_of_eight_with_objectives_and_constraints_fits_in_three_screens(phone, users, crew, structure, make,
                                                                                 db):
    phone.set_viewport_size({"width": 412, "height": 915})
    people = crew["people"] + [make.employee(structure, first_name=name, last_name="Test",
                                             referent_eti_id=users["supervisor"].id, worksite_id=crew["site"].id,
                                             team_id=crew["team"].id)
                               for name in ("Élodie", "Farid", "Gaëlle", "Hugo")]
    with writing():
        skills.ensure_frameworks(db, structure.id)
        rows = skills.skills_for_sector(db, structure.id, crew["site"].sector, "")
        for n, person in enumerate(people):
            for k, text in enumerate(("Arriver à l'heure chaque matin", "Utiliser la débroussailleuse en sécurité",
                                      "Préparer son CV avec la CIP")):
                db.add(Goal(structure_id=structure.id, employee_id=person.id, text=text,
                            created_by_id=users["counsellor"].id, due_date=date.today() + timedelta(days=30 + k)))
            db.add(WorkConstraint(structure_id=structure.id, employee_id=person.id,
                                  text="Pas de port de charges lourdes", created_by_id=users["counsellor"].id))
            for row in rows[n % 3:n % 3 + 2]:
                skills.record_rating(db, employee=person, skill=row.skill, level=2, user=users["supervisor"])
        db.commit()
    login(phone, users["supervisor"].email)
    phone.goto("/aujourdhui/")
    cards = phone.locator("article.team-card")
    assert cards.count() == 8
    assert cards.nth(0).get_by_text("Pas de port de charges lourdes").is_visible()
    assert cards.nth(7).get_by_text("Préparer son CV avec la CIP").is_visible()
    top = phone.locator("#team-title").bounding_box()["y"]
    last = cards.nth(7).bounding_box()
    screens = (last["y"] + last["height"] - top) / 915
    print(f"\nA team of 8 on Today: {screens:.2f} screens of 412 × 915")
    assert screens <= 3
    assert small_targets(phone) == []
    screenshot(phone, "one-hand-today-team-of-eight")


def test_a_group_observation_from_the_today_card_takes_n_plus_3_taps_at_most(phone, users, crew, db):
    amina, bruno, chloe = crew["people"][:3]
    login(phone, users["supervisor"].email)
    tap = Taps()
    tap(phone.get_by_role("link", name=f"Observer {amina.full_name}"))
    phone.get_by_role("heading", name="Nouvelle observation").wait_for()
    for person in (bruno, chloe):  # Amina comes ticked from her card
        tap(phone.locator(f"label[for=oe-{person.id}]"))
    tap(phone.locator("label[for=oc-relation]"))
    phone.get_by_label("Ce que j'ai observé").fill("Ont chargé le camion ensemble sans qu'on le demande.")
    tap(phone.get_by_role("button", name="Enregistrer l'observation"))
    saved = phone.get_by_role("status").filter(has_text="Observation enregistrée pour")
    saved.wait_for()
    assert in_viewport(phone, saved)
    assert tap.count <= 3 + 3  # N = 3 people
    db.rollback()
    assert len(db.exec(select(ObservationEmployee)).all()) == 3  # one note about the three of them


def test_an_alert_from_the_bottom_bar_of_any_screen_takes_four_taps(phone, users, crew, db):
    amina = crew["people"][0]
    login(phone, users["supervisor"].email)
    phone.goto("/production/")
    tap = Taps()
    tap(phone.get_by_role("navigation").get_by_role("link", name="Alerte", exact=True))
    phone.get_by_role("heading", name="Alerte urgente").wait_for()
    assert action_position(phone, "Envoyer l'alerte") >= 0.6
    tap(phone.locator(f"label[for=employee-{amina.id}]"))
    tap(phone.get_by_text("Accident du travail / blessure"))
    tap(phone.get_by_role("button", name="Envoyer l'alerte"))
    status = phone.get_by_text("Envoyée — en attente de prise en charge")
    status.wait_for()
    assert in_viewport(phone, status)
    assert tap.count == 4


@pytest.mark.parametrize("size", [None, {"width": 360, "height": 640}], ids=["pixel-7", "360x640"])
@pytest.mark.parametrize("url,opener,action", [
    ("/production/", None, "Ajouter"),
    ("/aujourdhui/", "details.briefing-box > summary", "Enregistrer le point du matin"),
    ("/alertes/nouvelle", None, "Envoyer l'alerte"),
], ids=["production", "point-du-matin", "alerte"])
def test_the_main_action_of_each_capture_screen_is_under_the_thumb(phone, users, crew, size, url, opener, action):
    if size:
        phone.set_viewport_size(size)
    login(phone, users["supervisor"].email)
    phone.goto(url)
    if opener:
        phone.locator(opener).first.click()
    button = phone.get_by_role("button", name=action, exact=True)
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box["y"] / phone.viewport_size["height"] >= 0.6, f"{action}: top at {box['y']:.0f} px"
    assert box["y"] + box["height"] <= phone.viewport_size["height"]

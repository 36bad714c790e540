"""One hand, one glance: text contrast for the sun and 48 px targets on the supervisor's screens, measured in Chromium."""
import random
import time
from datetime import date

import pytest
from flask import request
from PIL import Image
from sqlmodel import select

from tests.browser.conftest import assert_text_contrast, login, small_targets
from webapp.domain import field
from webapp.domain.skills import skills
from webapp.models import InstructionAck, Photo, Skill
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
    taps = [people[0], people[1], people[2], people[3], people[1], people[3]]  # six taps, two of them untick
    for person in taps:
        chip = card.locator("form.ack", has_text=person.full_name).locator("button:not([disabled])")
        chip.click()
    assert card.locator("form.htmx-request .pending-label").count() >= 1  # in flight, and says so
    card.locator("form.htmx-request").first.wait_for(state="detached", timeout=30_000)
    phone.wait_for_function("!document.querySelector('form.ack.htmx-request')", timeout=30_000)
    assert card.locator("#counter-%d" % instruction.id).inner_text() == "compris par 2/4"
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

"""Offline-first capture in a real Chromium (Pixel 7, service worker): kept screens, the outbox, replay once."""
from __future__ import annotations

import random
import time
from datetime import UTC, date, timedelta

import pytest
from sqlmodel import select

from tests.browser.conftest import login, screenshot
from tests.browser.test_field import photo_file
from tests.conftest import PASSWORD
from webapp.models import (
    Alert,
    Attendance,
    Instruction,
    InstructionAck,
    Observation,
    UserSession,
    utcnow,
)

pytestmark = pytest.mark.browser

COUNTER = "#outbox-counter"


def controlled(page) -> None:
    """Wait until the service worker controls the page (it claims the page once active)."""
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=15_000)


def visit_online(page, paths: list[str]) -> None:
    """Open each capture screen online once, so that the service worker keeps its copy."""
    for path in paths:
        page.goto(path)
        page.wait_for_load_state("networkidle")
    page.wait_for_function("""async (paths) => {
        const names = await caches.keys();
        const pages = names.find((n) => n.startsWith('terrain-pages-'));
        if (!pages) return false;
        const cache = await caches.open(pages);
        for (const p of paths) { if (!(await cache.match(p))) return false; }
        return true; }""", arg=paths, timeout=10_000)


def wait_for_rows(db, model, count: int, seconds: float = 10):
    """The rows of `model` once there are `count` of them (the replay runs in the background)."""
    deadline = time.monotonic() + seconds
    while True:
        db.rollback()
        rows = db.exec(select(model)).all()
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def outbox_size(page) -> int:
    """How many captures wait in the phone's IndexedDB outbox."""
    return page.evaluate("""async () => (await new Promise((ok) => { const r = indexedDB.open('terrain');
        r.onsuccess = () => { const t = r.result.transaction('outbox').objectStore('outbox').count();
        t.onsuccess = () => ok(t.result); }; }))""")


def aware(moment):
    """SQLite hands back naive UTC times."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def storage_is_empty(page) -> bool:
    """Nothing in Cache Storage nor IndexedDB for this origin."""
    return page.evaluate("""async () => {
        const caches_ = await caches.keys();
        const dbs = await indexedDB.databases();
        return caches_.length === 0 && dbs.length === 0; }""")


@pytest.fixture
def ack_pending(make, structure, users, crew, db):
    """A consigne given online this morning, not yet acknowledged by Amina."""
    amina = crew["people"][0]
    instruction = make._save(Instruction(structure_id=structure.id, text="Casque obligatoire sous les arbres",
                                         category="epi", worksite_id=crew["site"].id, day=date.today(),
                                         given_by_id=users["supervisor"].id, client_key="seed-ack"))
    make._save(InstructionAck(structure_id=structure.id, instruction_id=instruction.id, employee_id=amina.id))
    return instruction


def test_captures_made_offline_survive_reloads_and_reach_the_server_once(
        phone, phone_context, users, crew, ack_pending, db, tmp_path):
    amina, bruno, chloe, _ = crew["people"]
    today = date.today().isoformat()
    login(phone, users["supervisor"].email)
    controlled(phone)
    visit_online(phone, ["/observations/nouvelle", "/"])

    phone_context.set_offline(True)
    offline_since = utcnow()
    # Attendance: two people.
    for person in (amina, bruno):
        phone.locator(f"#att-{person.id}-{today}").get_by_role("button", name="Présent").click()
    phone.locator(".pending-capture").nth(1).wait_for()
    # A consigne.
    phone.get_by_label("Consigne", exact=True).fill("Bottes de sécurité pour le débroussaillage")
    phone.get_by_role("button", name="Donner la consigne").click()
    phone.locator(".pending-capture").nth(2).wait_for()
    # The acknowledgement of this morning's consigne.
    phone.locator(f"#instruction-{ack_pending.id}").get_by_role("button", name="Amina Test").click()
    phone.locator(".pending-capture").nth(3).wait_for()
    assert phone.locator(COUNTER).inner_text() == "4 en attente"
    # An observation, from the kept form, opened with no network.
    phone.goto("/observations/nouvelle")
    phone.locator(f"label[for=oe-{chloe.id}]").click()
    phone.locator("label[for=oc-technique]").click()
    phone.get_by_label("Ce que j'ai observé").fill("A monté la clôture seule, droite et solide.")
    phone.get_by_label("Photo (facultatif)").set_input_files(str(photo_file(tmp_path)))  # kept as a Blob
    phone.get_by_text("Photo prête").wait_for()
    phone.get_by_role("button", name="Enregistrer l'observation").click()
    phone.locator(".pending-capture", has_text="Observation").wait_for()
    phone.get_by_text("5 en attente").wait_for()
    screenshot(phone, "offline-capture-pending")
    phone.get_by_role("link", name="Nouvelle observation").click()  # the next one, from the kept form
    phone.get_by_label("Ce que j'ai observé").wait_for()

    phone.reload()
    phone.get_by_text("5 en attente").wait_for()
    phone.locator(COUNTER).click()
    assert phone.locator("#outbox-list li").count() == 5
    assert "Observation" in phone.locator("#outbox-list").inner_text()
    second = phone_context.new_page()
    second.goto("/")
    second.get_by_text("5 en attente").wait_for()
    second.close()
    db.rollback()
    assert db.exec(select(Observation)).all() == []

    back_online = utcnow()
    phone_context.set_offline(False)
    phone.wait_for_selector(COUNTER, state="hidden", timeout=10_000)
    db.rollback()
    marks = {a.employee_id: a.status for a in db.exec(select(Attendance)).all()}
    assert marks == {amina.id: "present", bruno.id: "present"}
    instructions = db.exec(select(Instruction).where(Instruction.client_key != "seed-ack")).all()
    assert [i.text for i in instructions] == ["Bottes de sécurité pour le débroussaillage"]
    ack = db.exec(select(InstructionAck).where(InstructionAck.instruction_id == ack_pending.id)).one()
    assert ack.acknowledged_at is not None
    observations = db.exec(select(Observation)).all()
    assert [o.text for o in observations] == ["A monté la clôture seule, droite et solide."]
    assert observations[0].photo_id is not None
    # Each is recorded at the time it happened on the phone, not when it arrived.
    times = [*(a.recorded_at for a in db.exec(select(Attendance)).all()), instructions[0].created_at,
             ack.acknowledged_at, observations[0].created_at]
    assert all(offline_since - timedelta(seconds=1) <= aware(t) <= back_online for t in times), times
    assert outbox_size(phone) == 0


def test_logout_with_a_waiting_capture_warns_then_leaves_nothing(phone, phone_context, users, crew, db):
    amina = crew["people"][0]
    today = date.today().isoformat()
    login(phone, users["supervisor"].email)
    controlled(phone)
    visit_online(phone, ["/"])
    phone_context.set_offline(True)
    phone.locator(f"#att-{amina.id}-{today}").get_by_role("button", name="Présent").click()
    phone.get_by_text("1 en attente").wait_for()
    phone_context.route("**/jeton", lambda route: route.abort())  # the replay cannot leave: the capture still waits
    phone_context.set_offline(False)
    phone.goto("/compte")
    phone.get_by_text("1 en attente").wait_for()
    phone.get_by_role("button", name="Se déconnecter", exact=True).click()
    phone.get_by_text("attendent encore d'être envoyées").wait_for()
    assert "/compte" in phone.url
    phone_context.unroute("**/jeton")
    phone.get_by_role("button", name="Envoyer d'abord").click()
    phone.get_by_text("Tout est envoyé").wait_for()
    db.rollback()
    assert db.exec(select(Attendance)).one().status == "present"
    phone.get_by_role("button", name="Se déconnecter", exact=True).click()
    phone.wait_for_url("**/login")
    assert storage_is_empty(phone)

    # A second account on the same phone sees nothing of the first one.
    login(phone, users["coordinator"].email)
    phone.goto("/")
    assert phone.locator(COUNTER).is_hidden()


def test_alert_form_opens_offline_from_any_screen(phone, phone_context, users, crew, make, structure, db):
    users["counsellor"].phone = "06 44 55 66 77"
    make._save(users["counsellor"])
    structure.phone = "01 23 45 67 89"
    make._save(structure)
    login(phone, users["supervisor"].email)
    controlled(phone)
    phone.goto("/compte")  # any screen: the alert form was kept at login, without opening it
    phone.wait_for_function("""async () => { for (const n of await caches.keys()) {
        if (n.startsWith('terrain-pages-') && await (await caches.open(n)).match('/alertes/nouvelle')) return true; }
        return false; }""", timeout=10_000)
    phone_context.set_offline(True)
    phone.get_by_role("link", name="Alerte", exact=True).click()
    phone.get_by_role("heading", name="Alerte urgente").wait_for()
    phone.get_by_text(crew["people"][0].full_name).first.click()
    phone.get_by_text("Accident du travail").first.click()
    phone.get_by_role("button", name="Envoyer l'alerte").click()
    phone.get_by_role("heading", name="NON ENVOYÉE — pas de réseau").wait_for()
    hrefs = phone.eval_on_selector_all("#alert-offline a[href^='tel:']", "els => els.map(e => e.getAttribute('href'))")
    assert len(hrefs) == len(set(hrefs)), hrefs
    assert {"tel:15", "tel:112", "tel:0644556677", "tel:0123456789"} <= set(hrefs)  # CIP's and structure's
    screenshot(phone, "alert-offline-any-screen")
    phone_context.set_offline(False)
    phone.get_by_text("Envoyée — en attente de prise en charge").wait_for(timeout=15_000)
    db.rollback()
    assert len(db.exec(select(Alert)).all()) == 1


def test_session_ended_while_offline_asks_to_log_in_then_sends(phone, phone_context, users, crew, db):
    amina = crew["people"][0]
    today = date.today().isoformat()
    login(phone, users["supervisor"].email)
    controlled(phone)
    visit_online(phone, ["/"])
    phone_context.set_offline(True)
    phone.locator(f"#att-{amina.id}-{today}").get_by_role("button", name="Absent").click()
    phone.get_by_text("1 en attente").wait_for()
    # Meanwhile the session ends on the server (expiry, or ended from another device): its CSRF token dies with it.
    for row in db.exec(select(UserSession).where(UserSession.user_id == users["supervisor"].id)).all():
        row.ended_at = utcnow()
        db.add(row)
    db.commit()
    phone_context.set_offline(False)
    phone.locator(COUNTER).click()
    phone.get_by_text("reconnectez-vous pour l'envoyer").first.wait_for()
    db.rollback()
    assert db.exec(select(Attendance)).all() == []
    assert phone.locator(COUNTER).inner_text() == "1 en attente"
    screenshot(phone, "offline-capture-login-again")
    phone.get_by_role("link", name="Se reconnecter").click()
    phone.wait_for_function("""async () => !(await caches.keys()).some((k) => k.startsWith('terrain-pages-'))""")
    phone.get_by_label("Adresse e-mail").fill(users["supervisor"].email)
    phone.get_by_label("Mot de passe").fill(PASSWORD)
    phone.get_by_role("button", name="Se connecter", exact=True).click()
    phone.wait_for_url(lambda url: "/login" not in url)
    assert wait_for_rows(db, Attendance, 1)[0].status == "absent"
    phone.wait_for_selector(COUNTER, state="hidden", timeout=10_000)


def test_chaos_a_hundred_captures_arrive_exactly_once(phone, phone_context, users, crew, db):
    """30 % of the capture requests are cut (half before the server saw them, half after it answered), some others
    are slowed down by up to 3 s: at the end the server holds each of the 100 consignes once, the outbox is empty."""
    rng = random.Random(12)
    login(phone, users["supervisor"].email)
    controlled(phone)
    visit_online(phone, ["/"])

    def chaos(route):
        if route.request.method != "POST":
            route.continue_()
            return
        roll = rng.random()
        if roll < 0.15:
            route.abort()  # lost before the server received it
        elif roll < 0.30:
            route.fetch()  # the server records it, the answer is lost
            route.abort()
        else:
            if roll > 0.95:
                time.sleep(rng.uniform(0, 3))
            route.continue_()

    phone_context.route("**/consignes/", chaos)
    sent = phone.evaluate("""async (site) => {
        const token = document.querySelector('meta[name="csrf-token"]').content;
        let answered = 0, queued = 0;
        for (let i = 0; i < 100; i++) {
          const body = new FormData();
          body.append('client_key', crypto.randomUUID());
          body.append('category', 'epi');
          body.append('text', 'Consigne chaos ' + i);
          body.append('target', 'all');
          body.append('worksite_id', site);
          body.append('csrf_token', token);
          const r = await fetch('/consignes/', { method: 'POST', body, headers: { 'HX-Request': 'true', 'X-CSRFToken': token } });
          if (r.ok) answered++;
          if (r.headers.get('X-Terrain-Queued')) queued++;
        }
        return [answered, queued]; }""", str(crew["site"].id))
    assert sent[0] == 100  # each capture was answered: recorded, or « en attente d'envoi »
    assert 10 < sent[1] < 60  # the chaos did cut about 30 %: those were kept on the phone
    deadline = time.monotonic() + 120
    while outbox_size(phone) and time.monotonic() < deadline:
        phone.evaluate("window.dispatchEvent(new Event('online'))")  # send now rather than after the backoff
        phone.wait_for_timeout(500)
    db.rollback()
    texts = [i.text for i in db.exec(select(Instruction)).all()]
    assert sorted(texts) == sorted(f"Consigne chaos {i}" for i in range(100))
    phone.wait_for_selector(COUNTER, state="hidden", timeout=10_000)


def test_a_capture_refused_on_replay_stays_with_its_reason_until_discarded(phone, phone_context, users, crew, db):
    login(phone, users["supervisor"].email)
    controlled(phone)
    visit_online(phone, ["/"])
    phone_context.set_offline(True)
    phone.get_by_role("button", name="Donner la consigne").click()  # no text: the server will refuse it
    phone.get_by_text("1 en attente").wait_for()
    phone_context.set_offline(False)
    phone.locator(COUNTER).click()
    item = phone.locator("#outbox-list li", has_text="refusée")
    item.wait_for(timeout=10_000)
    assert "Écrivez la consigne en quelques mots." in item.inner_text()
    assert phone.locator(COUNTER).inner_text() == "1 en attente"
    screenshot(phone, "offline-capture-refused")
    item.get_by_role("button", name="Abandonner cette saisie").click()
    phone.wait_for_selector(COUNTER, state="hidden")
    assert outbox_size(phone) == 0

"""Offline-first capture in a real Chromium (Pixel 7, service worker): kept screens, the outbox, replay once."""
from __future__ import annotations

import random
import re
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from tests.browser.conftest import login, screenshot
from tests.browser.test_field import photo_file
from tests.browser.wire import Relay
from tests.conftest import PASSWORD
from webapp.models import (
    Alert,
    Attendance,
    Instruction,
    InstructionAck,
    Observation,
    ProductionTask,
    SkillRating,
    TeamBriefing,
    UserSession,
    utcnow,
)

pytestmark = pytest.mark.browser

COUNTER = "#outbox-counter"
OUTBOX_JS = "/static/js/outbox.js"  # loaded once the worker controls the page (read from its cache)


def controlled(page) -> None:
    """Wait until the service worker controls the page (it claims the page once active)."""
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=15_000)


def visit_online(page, paths: list[str]) -> None:
    """Open each capture screen online once, so that the service worker keeps its copy (by path)."""
    for path in paths:
        page.goto(path)
        page.wait_for_load_state("networkidle")
    page.wait_for_function("""async (paths) => {
        const names = await caches.keys();
        const pages = names.find((n) => n.startsWith('terrain-pages-'));
        if (!pages) return false;
        const cache = await caches.open(pages);
        for (const p of paths) { if (!(await cache.match(new URL(p, location.origin).pathname))) return false; }
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


def login_without_a_page(context, email: str) -> None:
    """Log in with an HTTP request of the browser profile: no page of Terrain (nor its worker) has run yet."""
    form = context.request.get("/login").text()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    answer = context.request.post("/login", form={"email": email, "password": PASSWORD, "csrf_token": token},
                                  max_redirects=0)
    assert answer.status == 303


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


def outbox_entries(page) -> list[dict]:
    """The captures waiting in the phone's outbox: their URL and the phone's time they were made at."""
    return page.evaluate("""async () => (await new Promise((ok) => { const r = indexedDB.open('terrain');
        r.onsuccess = () => { const t = r.result.transaction('outbox').objectStore('outbox').getAll();
        t.onsuccess = () => ok(t.result.map((e) => ({ url: new URL(e.url).pathname, made_at: e.made_at }))); }; }))""")


def phone_time(iso: str):
    """A time of the outbox (`toISOString()`, milliseconds) as the server stores it."""
    return datetime.fromisoformat(iso)


def test_twenty_captures_of_the_seven_kinds_made_offline_survive_reloads_and_reach_the_server_once(
        phone, phone_context, users, crew, ack_pending, make, structure, db, tmp_path):
    """Test 1 of the offline issue: observation, consigne, « compris », attendance, skill rating (one person and a
    group), production, point du matin — made with no network, kept through a reload and a new page, sent once."""
    amina, bruno, chloe, daouda = crew["people"]
    site = crew["site"]
    make._save(InstructionAck(structure_id=structure.id, instruction_id=ack_pending.id, employee_id=bruno.id))
    today = date.today().isoformat()
    login(phone, users["supervisor"].email)
    controlled(phone)
    phone.goto(f"/competences/salaries/{amina.id}/evaluer")
    skill_ids = phone.eval_on_selector_all("form.rate-form input[name=skill_id]", "els => els.map((e) => e.value)")
    group_skill = skill_ids[3]
    visit_online(phone, ["/observations/nouvelle", "/production/", f"/competences/salaries/{amina.id}/evaluer",
                         f"/competences/groupe/{group_skill}?chantier={site.id}", "/"])

    phone_context.set_offline(True)
    made = 0

    def queued(count: int) -> None:
        nonlocal made
        made += count
        phone.get_by_text(f"{made} en attente").wait_for()

    # Today: attendance of the four, three consignes, two « compris », the point du matin.
    for person in (amina, bruno, chloe, daouda):
        phone.locator(f"#att-{person.id}-{today}").get_by_role("button", name="Présent").click()
        queued(1)
    for text in ("Bottes de sécurité", "Gants anti-coupure", "Eau à volonté, il fait chaud"):
        phone.get_by_label("Consigne", exact=True).fill(text)
        phone.get_by_role("button", name="Donner la consigne").click()
        queued(1)
    for person in (amina, bruno):
        phone.locator(f"#instruction-{ack_pending.id}").get_by_role("button", name=person.full_name).click()
        queued(1)
    phone.locator("details.briefing-box summary").click()
    phone.get_by_label("Rappels de sécurité").fill("Lunettes pour la débroussailleuse")
    phone.get_by_role("button", name="Enregistrer le point du matin").click()
    queued(1)
    # Three observations, each from the kept form opened with no network (the first with a photo, kept as a Blob).
    phone.goto("/observations/nouvelle")
    for number, person in enumerate((chloe, amina, bruno)):
        phone.locator(f"label[for=oe-{person.id}]").click()
        phone.locator("label[for=oc-technique]").click()
        phone.get_by_label("Ce que j'ai observé").fill(f"Observation hors ligne {number}")
        if number == 0:
            phone.get_by_label("Photo (facultatif)").set_input_files(str(photo_file(tmp_path)))
            phone.get_by_text("Photo prête").wait_for()
        phone.get_by_role("button", name="Enregistrer l'observation").click()
        queued(1)
        phone.get_by_role("link", name="Nouvelle observation").click()
        phone.get_by_label("Ce que j'ai observé").wait_for()
    screenshot(phone, "offline-capture-pending")
    # Three production jobs.
    phone.goto("/production/")
    for task in ("Taille de haie", "Tonte", "Ramassage"):
        phone.get_by_label("Travail ou commande").fill(task)
        phone.get_by_role("button", name="Ajouter", exact=True).click()
        queued(1)
    # Three skill ratings of Amina, then one group rating of Amina and Bruno.
    phone.goto(f"/competences/salaries/{amina.id}/evaluer")
    for skill_id in skill_ids[:3]:
        item = phone.locator(f"#item-{skill_id}")
        item.locator("summary").first.click()
        item.locator("button.level-2").click()
        queued(1)
    phone.goto(f"/competences/groupe/{group_skill}?chantier={site.id}")
    # The kept screen comes with today's team ticked: keep Amina and Bruno only.
    for person in crew["people"]:
        box = phone.locator(f"#p-{person.id}")
        if box.is_checked() != (person.id in (amina.id, bruno.id)):
            phone.locator(f"label[for=p-{person.id}]").click()
    phone.locator("button.level-3").click()
    queued(1)
    assert made == 20

    # A reload, still offline: the kept screen, the counter and the list of the twenty.
    phone.reload()
    phone.get_by_text("20 en attente").wait_for()
    phone.locator(COUNTER).click()
    assert phone.locator("#outbox-list li").count() == 20
    listed = phone.locator("#outbox-list").inner_text()
    for label in ("Présence", "Consigne", "Consigne comprise", "Point du matin", "Observation", "Production",
                  "Évaluation"):
        assert label in listed, label
    # The page closed, another opened in the same browser: still there.
    phone.close()
    page = phone_context.new_page()
    page.goto("/")
    page.get_by_text("20 en attente").wait_for()
    waiting = outbox_entries(page)
    assert len(waiting) == 20
    db.rollback()
    assert db.exec(select(Observation)).all() == []

    phone_context.set_offline(False)
    page.wait_for_selector(COUNTER, state="hidden", timeout=10_000)
    assert outbox_size(page) == 0
    db.rollback()
    attendance = db.exec(select(Attendance).order_by(Attendance.id)).all()
    assert {a.employee_id: a.status for a in attendance} == {p.id: "present" for p in crew["people"]}
    instructions = db.exec(select(Instruction).where(Instruction.client_key != "seed-ack").order_by(Instruction.id)).all()
    assert [i.text for i in instructions] == ["Bottes de sécurité", "Gants anti-coupure", "Eau à volonté, il fait chaud"]
    acks = db.exec(select(InstructionAck).where(InstructionAck.instruction_id == ack_pending.id)
                   .order_by(InstructionAck.acknowledged_at)).all()
    assert [a.employee_id for a in acks] == [amina.id, bruno.id]
    briefing = db.exec(select(TeamBriefing)).one()
    assert briefing.safety == "Lunettes pour la débroussailleuse"
    observations = db.exec(select(Observation).order_by(Observation.id)).all()
    assert [o.text for o in observations] == [f"Observation hors ligne {n}" for n in range(3)]
    assert observations[0].photo_id is not None
    tasks = db.exec(select(ProductionTask).order_by(ProductionTask.id)).all()
    assert [t.task for t in tasks] == ["Taille de haie", "Tonte", "Ramassage"]
    ratings = db.exec(select(SkillRating).order_by(SkillRating.id)).all()
    assert [(r.employee_id, r.skill_id, r.level) for r in ratings] == [
        *((amina.id, int(s), 2) for s in skill_ids[:3]), (amina.id, int(group_skill), 3), (bruno.id, int(group_skill), 3)]
    # In the order they were made (ids follow the phone's times), each at the phone's time it was made.
    recorded = {
        "/aujourdhui/presences": [a.recorded_at for a in attendance],
        "/consignes/": [i.created_at for i in instructions],
        "/compris": [a.acknowledged_at for a in acks],
        "/aujourdhui/point": [briefing.updated_at],
        "/observations": [o.created_at for o in observations],
        "/production": [t.created_at for t in tasks],
        "/competences/salaries": [r.rated_at for r in ratings[:3]],
        "/competences/groupe": [ratings[3].rated_at],
    }
    for prefix, times in recorded.items():
        sent = sorted(phone_time(e["made_at"]) for e in waiting
                      if (e["url"].endswith(prefix) if prefix == "/compris" else e["url"].startswith(prefix))
                      and not (prefix == "/consignes/" and e["url"].endswith("/compris")))
        assert [aware(t) for t in times] == sent, prefix
    assert ratings[4].rated_at == ratings[3].rated_at


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


def test_a_refused_capture_can_be_corrected_from_what_was_typed(phone, phone_context, users, crew, db, tmp_path):
    """« Corriger » opens the observation form with the people, tone, text and photo typed offline; the refused
    entry leaves the outbox only when the corrected observation is sent."""
    chloe, daouda = crew["people"][2], crew["people"][3]
    login(phone, users["supervisor"].email)
    controlled(phone)
    visit_online(phone, ["/observations/nouvelle"])
    phone_context.set_offline(True)
    phone.locator(f"label[for=oe-{chloe.id}]").click()
    phone.locator(f"label[for=oe-{daouda.id}]").click()
    phone.locator("label[for=ot-preoccupante]").click()
    phone.get_by_label("Ce que j'ai observé").fill("S'est coupé en taillant sans gants.")
    phone.get_by_label("Photo (facultatif)").set_input_files(str(photo_file(tmp_path)))
    phone.get_by_text("Photo prête").wait_for()
    phone.get_by_role("button", name="Enregistrer l'observation").click()  # no category: the server will refuse it
    phone.get_by_text("1 en attente").wait_for()
    phone_context.set_offline(False)
    phone.locator(COUNTER).click()
    item = phone.locator("#outbox-list li", has_text="refusée")
    item.wait_for(timeout=10_000)
    assert "Choisissez une catégorie." in item.inner_text()

    item.get_by_role("button", name="Corriger").click()
    phone.get_by_text("Saisie refusée. Erreur : Choisissez une catégorie.").wait_for()
    assert phone.get_by_label("Ce que j'ai observé").input_value() == "S'est coupé en taillant sans gants."
    checked = phone.eval_on_selector_all("#observation-form input:checked", "els => els.map((e) => e.id)")
    assert {f"oe-{chloe.id}", f"oe-{daouda.id}", "ot-preoccupante"} <= set(checked)
    assert "ot-neutre" not in checked
    phone.get_by_text("Photo prête").wait_for()
    assert outbox_size(phone) == 1  # still kept until the corrected capture leaves
    screenshot(phone, "offline-capture-correct")
    phone.locator("label[for=oc-securite]").click()
    phone.get_by_role("button", name="Enregistrer l'observation").click()
    phone.wait_for_selector(COUNTER, state="hidden", timeout=10_000)
    assert outbox_size(phone) == 0
    db.rollback()
    observation = db.exec(select(Observation)).one()
    assert (observation.text, observation.tone, observation.category) == (
        "S'est coupé en taillant sans gants.", "preoccupante", "securite")
    assert observation.photo_id is not None


def test_the_offline_page_kept_by_the_worker_holds_nothing_of_the_account(phone, phone_context, live_app, users):
    """The worker installs while someone is logged in (here, on the first page after login; or at an update):
    it fetches /hors-ligne without the session, so the copy in Cache Storage is the same for everyone."""
    from flask import request  # noqa: PLC0415  (only this test listens to the live server)
    from flask_login import current_user  # noqa: PLC0415

    asked = []
    live_app.before_request(lambda: asked.append(current_user.is_authenticated) if request.path == "/hors-ligne" else None)
    supervisor = users["supervisor"]
    login_without_a_page(phone_context, supervisor.email)
    phone.goto("/")  # the first page, logged in: the worker installs now
    controlled(phone)
    kept = phone.evaluate("""async () => { for (const n of await caches.keys()) {
        if (!n.startsWith('terrain-shell-')) continue;
        const hit = await (await caches.open(n)).match('/hors-ligne'); if (hit) return await hit.text(); }
        return null; }""")
    assert kept is not None and "Pas de réseau" in kept
    assert asked == [False]
    for personal in (supervisor.full_name, supervisor.email, 'data-account', 'csrf'):
        assert personal not in kept, personal


@pytest.fixture
def relayed_context(browser, playwright_instance, live_server):
    """A fresh Pixel 7 profile that reaches the live server through a relay counting the bytes received."""
    relay = Relay(int(live_server.url.rsplit(":", 1)[1]))
    context = browser.new_context(**playwright_instance.devices["Pixel 7"], locale="fr-FR",
                                  base_url=f"http://127.0.0.1:{relay.port}")
    yield context, relay
    context.close()
    relay.close()


def test_the_first_visit_of_today_with_the_worker_stays_within_the_weight_budget(relayed_context, users, crew):
    """Budgets of the scale issue: the first visit of Today, the worker's installation included, ≤ 60 KB on the
    wire (headers and compressed bodies), of which ≤ 25 KB of JavaScript on the page, htmx included."""
    context, relay = relayed_context
    login_without_a_page(context, users["supervisor"].email)
    page = context.new_page()
    relay.counting = True
    page.goto("/aujourdhui/")
    controlled(page)
    page.wait_for_function("""async () => { for (const n of await caches.keys()) {
        if (n.startsWith('terrain-pages-') && await (await caches.open(n)).match('/alertes/nouvelle')) return true; }
        return false; }""", timeout=10_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1000)
    relay.counting = False
    received = [(path.split("?")[0], size) for _method, path, size in relay.responses]
    fetched = [path for path, _size in received]
    assert len(fetched) == len(set(fetched)), fetched  # no file crosses the network twice
    total = sum(size for _path, size in received)
    on_page = sum(size for path, size in received if path.endswith(".js") and path not in ("/sw.js", OUTBOX_JS))
    assert "/sw.js" in fetched and "/hors-ligne" in fetched and OUTBOX_JS in fetched
    assert total <= 60 * 1024, received
    assert on_page <= 25 * 1024, received

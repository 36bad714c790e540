"""Urgent alerts in a real Chromium: raise on a Pixel 7, live inbox, offline, push notification."""
from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.browser.conftest import (
    assert_no_horizontal_scroll,
    check_accessibility,
    login,
    screenshot,
)
from webapp.domain.alerts import alerts as service
from webapp.models import Alert, utcnow
from webapp.platform.db import writing

pytestmark = pytest.mark.browser


@pytest.fixture
def fast_polling(live_app):
    """Poll every second so that the test sees live updates quickly (production: every 10 s)."""
    live_app.config["ALERTS_POLL_SECONDS"] = 1


@pytest.fixture
def team(make, structure, users):
    users["counsellor"].full_name = "Nadia Ferreira"
    users["counsellor"].phone = "06 44 55 66 77"
    make._save(users["counsellor"])
    return [make.employee(structure, first_name="Mamadou", last_name="Koné",
                          referent_cip_id=users["counsellor"].id, referent_eti_id=users["supervisor"].id),
            make.employee(structure, first_name="Julie", last_name="Petit",
                          referent_cip_id=users["counsellor"].id, referent_eti_id=users["supervisor"].id)]


def second_phone(browser, playwright_instance, live_server):
    context = browser.new_context(**playwright_instance.devices["Pixel 7"], locale="fr-FR", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def test_supervisor_raises_counsellor_sees_it_live_and_acknowledges(
        phone, browser, playwright_instance, live_server, users, team, fast_polling, db):
    counsellor_context, counsellor = second_phone(browser, playwright_instance, live_server)
    try:
        login(counsellor, users["counsellor"].email)
        counsellor.goto("/alertes/")
        counsellor.get_by_text("Aucune alerte en cours.").wait_for()

        login(phone, users["supervisor"].email)
        phone.get_by_role("link", name="Alerte", exact=True).click()
        phone.get_by_role("heading", name="Alerte urgente").wait_for()
        check_accessibility(phone)
        assert_no_horizontal_scroll(phone)
        screenshot(phone, "alert-new")
        started = time.monotonic()
        phone.get_by_text("Mamadou Koné").click()
        phone.get_by_text("Accident du travail / blessure").click()
        phone.get_by_label("Quelques faits (facultatif)").fill("Coupure à la main avec la débroussailleuse.")
        phone.get_by_role("button", name="Envoyer l'alerte").click()
        phone.get_by_text("Envoyée — en attente de prise en charge").wait_for()
        sent_in = time.monotonic() - started
        assert phone.locator('a[href="tel:15"]').is_visible()
        assert phone.locator('a[href="tel:0644556677"]').is_visible()
        check_accessibility(phone)
        assert_no_horizontal_scroll(phone)
        screenshot(phone, "alert-sent")

        # The counsellor's inbox shows it without a reload.
        card = counsellor.get_by_role("link", name="Accident du travail / blessure")
        card.wait_for(timeout=8_000)
        seen_in = time.monotonic() - started
        assert "▲▲▲ Critique" in card.inner_text()
        # ...and the urgent banner at the top of the screen, one tap from taking it in charge.
        banner = counsellor.locator(".urgent-banner")
        banner.wait_for(timeout=8_000)
        assert "Mamadou Koné" in banner.inner_text() and "pas encore prise en charge" in banner.inner_text()
        assert banner.get_by_role("button", name="Je prends en charge").is_visible()
        check_accessibility(counsellor)
        screenshot(counsellor, "alert-inbox-counsellor")
        card.click()
        counsellor.locator("#alert-page").get_by_role("button", name="Je prends en charge").wait_for()
        counsellor.locator(".nav-badge").wait_for()
        assert counsellor.locator(".nav-badge").text_content() == "1 en attente"
        check_accessibility(counsellor)
        assert_no_horizontal_scroll(counsellor)
        screenshot(counsellor, "alert-show-counsellor")
        counsellor.locator("#alert-page").get_by_role("button", name="Je prends en charge").click()
        counsellor.get_by_label("Note de clôture").wait_for()
        counsellor.locator(".nav-badge-slot").wait_for(state="attached")
        counsellor.wait_for_function("() => !document.querySelector('.urgent-banner')", timeout=8_000)

        # The supervisor's screen follows: "prise en charge" by the counsellor.
        phone.get_by_text("Prise en charge par Nadia Ferreira").wait_for(timeout=8_000)
        screenshot(phone, "alert-acknowledged")

        counsellor.get_by_role("button", name="Clore l'alerte").click()
        counsellor.get_by_text("Écrivez une courte note de clôture").wait_for()
        check_accessibility(counsellor)
        counsellor.get_by_label("Note de clôture").fill("Soins faits par le SST, visite médicale cet après-midi.")
        counsellor.get_by_role("button", name="Clore l'alerte").click()
        counsellor.get_by_text("Note de clôture :").wait_for()
        phone.get_by_text("Résolue", exact=True).wait_for(timeout=8_000)
        screenshot(phone, "alert-resolved")
        print(f"\nalert: sent on screen {sent_in:.2f} s after the first tap; in the CIP's inbox after {seen_in:.2f} s")
    finally:
        counsellor_context.close()


def test_offline_alert_says_not_sent_offers_calls_and_leaves_when_network_returns(
        phone, phone_context, users, team, db):
    login(phone, users["supervisor"].email)
    phone.goto("/alertes/nouvelle")
    phone.get_by_text("Mamadou Koné").click()
    phone.get_by_text("Perte de logement / expulsion / nuit à la rue").click()
    phone_context.set_offline(True)
    phone.get_by_role("button", name="Envoyer l'alerte").click()
    phone.get_by_role("heading", name="NON ENVOYÉE — pas de réseau").wait_for()
    assert phone.locator('a[href="tel:0644556677"]').is_visible()
    assert phone.locator('a[href="tel:115"]').is_visible()
    assert phone.evaluate("JSON.parse(localStorage.getItem('terrain.pendingAlerts')).length") == 1
    check_accessibility(phone)
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "alert-offline")
    db.rollback()
    assert db.exec(select(Alert)).all() == []
    raised_on_phone = phone.evaluate("JSON.parse(localStorage.getItem('terrain.pendingAlerts'))[0].raised_at")

    phone_context.set_offline(False)
    phone.get_by_text("Envoyée — en attente de prise en charge").wait_for(timeout=15_000)
    assert phone.evaluate("JSON.parse(localStorage.getItem('terrain.pendingAlerts') || '[]').length") == 0
    db.rollback()
    alert = db.exec(select(Alert)).one()
    assert alert.type_code == "logement"
    assert alert.raised_at.isoformat(timespec="seconds")[:19] == raised_on_phone[:19]


def test_service_worker_shows_a_notification_for_a_push(phone, phone_context, live_server, users, team, db):
    with writing():
        alert, _ = service.raise_alert(db=db, raiser=users["supervisor"], employee_id=team[0].id,
                                       type_code="detresse", client_key="push-1")
        db.commit()
    phone_context.grant_permissions(["notifications"], origin=live_server.url)
    login(phone, users["counsellor"].email)
    phone.goto("/alertes/")
    phone.evaluate("navigator.serviceWorker.ready.then(() => true)")
    phone.get_by_role("button", name="Activer les notifications").wait_for()
    check_accessibility(phone)
    screenshot(phone, "alert-inbox-push")

    cdp = phone_context.new_cdp_session(phone)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated",
           lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 10
    while not registrations and time.monotonic() < deadline:
        phone.wait_for_timeout(100)
    registration_id = next(r["registrationId"] for r in registrations if not r.get("isDeleted"))
    payload = {"title": "Alerte critique — Terrain", "body": "Ouvrez l'application pour voir l'alerte.",
               "url": f"/alertes/{alert.id}", "tag": f"alerte-{alert.id}"}
    cdp.send("ServiceWorker.deliverPushMessage",
             {"origin": live_server.url + "/", "registrationId": registration_id, "data": json.dumps(payload)})
    notifications = []
    deadline = time.monotonic() + 10
    while not notifications and time.monotonic() < deadline:
        phone.wait_for_timeout(200)
        notifications = phone.evaluate("""() => navigator.serviceWorker.ready
            .then((r) => r.getNotifications())
            .then((list) => list.map((n) => ({title: n.title, body: n.body, url: n.data.url, tag: n.tag})))""")
    assert notifications == [{"title": "Alerte critique — Terrain", "body": "Ouvrez l'application pour voir l'alerte.",
                              "url": f"/alertes/{alert.id}", "tag": f"alerte-{alert.id}"}]


def test_director_sees_every_alert_and_response_times(phone, users, team, structure, db):
    base = utcnow() - timedelta(days=3)
    with writing():
        for n, (code, wait) in enumerate([("accident", 6), ("absence", 24), ("logement", None)]):
            alert, _ = service.raise_alert(db=db, raiser=users["supervisor"], employee_id=team[n % 2].id,
                                           type_code=code, client_key=f"d{n}", now=base)
            if wait:
                service.acknowledge(db=db, alert=alert, user=users["counsellor"], now=base + timedelta(minutes=wait))
        db.commit()
    login(phone, users["director"].email)
    phone.get_by_role("link", name="Alertes").click()
    phone.get_by_role("heading", name="Délais de prise en charge").wait_for()
    figures = phone.locator(".month-figures").first.inner_text()
    assert "Délai médian\n15 min" in figures and "Pire délai\n24 min" in figures  # of 6 and 24 minutes
    check_accessibility(phone)
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "alert-director")
    phone.get_by_role("link", name="Réglages des alertes").click()
    phone.get_by_label("Alerte critique : escalade après (minutes)").fill("0")
    phone.get_by_role("button", name="Enregistrer").click()
    phone.get_by_text("Entre 1 et 1440 minutes.").wait_for()
    check_accessibility(phone)
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "alert-settings")


def test_clicking_the_notification_opens_the_alert(browser, live_server):
    """The service worker's notificationclick handler, run against fake clients (no real click in headless)."""
    context = browser.new_context(bypass_csp=True, base_url=live_server.url)
    try:
        page = context.new_page()
        page.goto("/hors-ligne")
        opened = page.evaluate("""async () => {
            const source = await (await fetch("/sw.js")).text();
            const results = [];
            for (const url of ["/alertes/7", "https://evil.example/phish"]) {
                const handlers = {};
                const fake = {
                    location: self.location,
                    addEventListener: (name, fn) => { handlers[name] = fn; },
                    clients: { matchAll: async () => [], openWindow: async (u) => { results.push(u); } },
                    registration: {},
                };
                new Function("self", "caches", source)(fake, {});
                let pending;
                handlers.notificationclick({
                    notification: { data: { url }, close: () => {} },
                    waitUntil: (promise) => { pending = promise; },
                });
                await pending;
            }
            return results;
        }""")
        assert opened == [f"{live_server.url}/alertes/7", f"{live_server.url}/alertes/"]
    finally:
        context.close()

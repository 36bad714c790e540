"""The foundation in a real Chromium on a Pixel 7: login, screens, accessibility, PWA."""
import pytest

from tests.browser.conftest import (
    assert_no_horizontal_scroll,
    check_accessibility,
    login,
    screenshot,
)

pytestmark = pytest.mark.browser


def test_login_page_is_accessible(phone):
    phone.goto("/login")
    check_accessibility(phone)
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "login")


def test_wrong_password_shows_french_message(phone, users):
    phone.goto("/login")
    phone.get_by_label("Adresse e-mail").fill(users["supervisor"].email)
    phone.get_by_label("Mot de passe").fill("not the right one")
    phone.get_by_role("button", name="Se connecter", exact=True).click()
    assert phone.get_by_role("alert").inner_text() == "Identifiants incorrects."
    assert phone.get_by_label("Adresse e-mail").input_value() == users["supervisor"].email


@pytest.mark.parametrize("role", ["supervisor", "counsellor", "coordinator", "director", "admin"])
def test_each_role_gets_its_home_and_navigation(phone, users, make, structure, role):
    make.employee(structure, referent_eti_id=users["supervisor"].id, referent_cip_id=users["counsellor"].id)
    login(phone, users[role].email)
    nav = phone.get_by_role("navigation", name="Navigation principale")
    assert nav.is_visible()
    alert_button = phone.get_by_role("link", name="Alerte", exact=True)
    assert alert_button.is_visible() == (role in ("supervisor", "coordinator"))
    check_accessibility(phone)
    assert_no_horizontal_scroll(phone)
    screenshot(phone, f"home-{role}")


def test_counsellor_searches_and_opens_an_employee(phone, users, make, structure):
    make.employee(structure, first_name="Mamadou", last_name="Koné", referent_cip_id=users["counsellor"].id)
    make.employee(structure, first_name="Julie", last_name="Petit")
    login(phone, users["counsellor"].email)
    phone.get_by_role("link", name="Salariés").click()
    phone.get_by_label("Rechercher un salarié").fill("kon")
    results = phone.locator("#employee-results")
    results.get_by_text("Julie Petit").wait_for(state="detached")
    check_accessibility(phone)
    screenshot(phone, "employees-search")
    results.get_by_role("link", name="Mamadou Koné").click()
    phone.get_by_role("heading", name="Mamadou Koné").wait_for()
    check_accessibility(phone)
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "employee-show")


def test_director_creates_an_employee_and_sees_errors_in_place(phone, users, make, structure):
    make.worksite(structure)
    login(phone, users["director"].email)
    phone.goto("/salaries/nouveau")
    phone.get_by_label("Prénom").fill("Aïcha")
    phone.get_by_label("Nom", exact=True).fill("Diallo")
    phone.get_by_label("Début du CDDI").fill("2026-06-01")
    phone.get_by_label("Fin du CDDI").fill("2026-01-01")
    phone.get_by_label("Heures par semaine").fill("26")
    phone.get_by_role("button", name="Enregistrer").click()
    phone.get_by_text("La fin du contrat doit être après son début.").wait_for()
    assert phone.get_by_label("Prénom").input_value() == "Aïcha"
    check_accessibility(phone)
    screenshot(phone, "employee-form-errors")
    phone.get_by_label("Fin du CDDI").fill("2026-12-31")
    phone.get_by_role("button", name="Enregistrer").click()
    phone.get_by_role("heading", name="Aïcha Diallo").wait_for()
    assert "/salaries/" in phone.url


def test_director_manages_accounts_and_structure(phone, users):
    login(phone, users["director"].email)
    phone.get_by_role("link", name="Comptes").click()
    check_accessibility(phone)
    screenshot(phone, "users-index")
    phone.get_by_role("link", name="Ajouter").click()
    phone.get_by_label("Nom complet").fill("Nouvelle Encadrante")
    phone.get_by_label("Adresse e-mail").fill("nouvelle@test.terrain")
    phone.get_by_label("Mot de passe").fill("court")
    phone.get_by_role("button", name="Enregistrer").click()
    phone.get_by_text("Le mot de passe doit contenir au moins 12 caractères.").wait_for()
    check_accessibility(phone)
    phone.get_by_label("Mot de passe").fill("une phrase assez longue")
    phone.get_by_role("button", name="Enregistrer").click()
    phone.get_by_text("Nouvelle Encadrante").wait_for()
    phone.get_by_role("link", name="Structure").click()
    check_accessibility(phone)
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "structure")


def test_pwa_is_installable_and_serves_offline_page(phone, phone_context, users):
    login(phone, users["supervisor"].email)
    phone.evaluate("navigator.serviceWorker.ready.then(() => true)")
    phone.reload()
    assert phone.evaluate("navigator.serviceWorker.controller !== null")
    cdp = phone_context.new_cdp_session(phone)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == []
    manifest = cdp.send("Page.getAppManifest")
    assert manifest.get("errors", []) == []
    phone_context.set_offline(True)
    phone.goto("/salaries/")
    phone.get_by_role("heading", name="Pas de réseau").wait_for()
    assert "Terrain n'arrive pas à joindre le serveur" in phone.content()
    screenshot(phone, "offline")
    phone_context.set_offline(False)


# Capture screens the service worker may keep for offline work (routes marked X-Terrain-Offline).
KEPT_SCREENS = (  # and "/", the supervisor's home, which is Today
    "/aujourdhui/", "/observations/nouvelle", "/production/", "/competences/", "/alertes/nouvelle")


def test_service_worker_keeps_only_capture_screens_never_other_personal_pages(phone, users, make, structure):
    """Only the capture screens meant for offline work are kept (see docs/offline.md): no employee page, account or
    follow-up page ever lands in the cache."""
    person = make.employee(structure, referent_eti_id=users["supervisor"].id)
    login(phone, users["supervisor"].email)
    phone.evaluate("navigator.serviceWorker.ready.then(() => true)")
    phone.reload()
    for url in (f"/salaries/{person.id}", "/compte/", f"/suivi/salaries/{person.id}", "/aujourdhui/"):
        phone.goto(url)
        phone.wait_for_load_state("networkidle")
    cached = phone.evaluate("""async () => {
        const urls = [];
        for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            for (const request of await cache.keys()) urls.push(new URL(request.url).pathname);
        }
        return urls;
    }""")
    assert "/hors-ligne" in cached
    personal = [url for url in cached if not url.startswith("/static/") and url != "/hors-ligne"]
    assert not any(url.startswith(("/salaries", "/compte", "/suivi", "/bilans", "/journal")) for url in personal), cached
    assert all(url == "/" or url.startswith(KEPT_SCREENS) for url in personal), personal  # "/" is Today

"""Passkeys in Chromium with a virtual authenticator: register on the account page, log in with it."""
import pytest

from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def localhost_page(browser, playwright_instance, live_server):
    """WebAuthn needs a domain as relying party: the live server reached as localhost."""
    context = browser.new_context(**playwright_instance.devices["Pixel 7"], locale="fr-FR",
                                  base_url=live_server.url.replace("127.0.0.1", "localhost"))
    page = context.new_page()
    page.set_default_timeout(10_000)
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})
    yield page
    context.close()


def test_supervisor_registers_a_passkey_then_logs_in_with_it(localhost_page, users, db):
    from sqlmodel import select

    from webapp.models import AuditEvent, Passkey

    page = localhost_page
    login(page, users["supervisor"].email)
    page.goto("/compte/")
    page.get_by_label("Nom de l'appareil").fill("Pixel de chantier")
    page.get_by_role("button", name="Ajouter une clé d'accès sur cet appareil").click()
    page.get_by_text("Pixel de chantier").wait_for()
    screenshot(page, "account-passkey")
    db.rollback()
    assert db.exec(select(Passkey).where(Passkey.user_id == users["supervisor"].id)).one().name == "Pixel de chantier"

    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/login")
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    page.wait_for_url(lambda url: "/login" not in url)
    assert page.get_by_role("heading", name="Aujourd'hui").is_visible()
    db.rollback()
    logins = db.exec(select(AuditEvent).where(AuditEvent.action == "login.success",
                                              AuditEvent.user_id == users["supervisor"].id)).all()
    assert len(logins) == 2

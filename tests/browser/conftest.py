"""Browser fixtures: a live Terrain on 127.0.0.1, Chromium driven by Playwright as a Pixel 7."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, TOTP_SECRETS, totp_code
from webapp.platform.db import get_engine

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def chromium_path() -> str | None:
    """Debian's Chromium when installed; None lets Playwright use its own download."""
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


class LiveServer:
    """Terrain served by Werkzeug in a thread, on its own database file."""

    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._thread.join(timeout=5)
        get_engine(self.app).dispose()


@pytest.fixture
def live_app(app):
    """The application the live server runs: the same as the route fixtures (db, make, users) act on."""
    return app


@pytest.fixture
def live_server(live_app):
    server = LiveServer(live_app).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def phone_context(browser, playwright_instance, live_server):
    """A fresh browser profile emulating a Pixel 7 (412 × 839), French locale."""
    context = browser.new_context(**playwright_instance.devices["Pixel 7"], locale="fr-FR",
                                  base_url=live_server.url)
    yield context
    context.close()


@pytest.fixture
def phone(phone_context):
    page = phone_context.new_page()
    page.set_default_timeout(10_000)
    yield page


def login(page, email: str, password: str = PASSWORD) -> None:
    """Log in through the login form as a person would."""
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    if email.lower() in TOTP_SECRETS:
        page.wait_for_url("**/login/code")
        page.get_by_label("Code à 6 chiffres").fill(totp_code(email.lower()))
        page.get_by_role("button", name="Valider").click()
    page.wait_for_url(lambda url: "/login" not in url)


def check_accessibility(page) -> None:
    """axe-core finds no WCAG 2.1 A/AA violation on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=AXE_OPTIONS)
    violations = results.response["violations"]
    assert violations == [], results.generate_report()


def assert_no_horizontal_scroll(page) -> None:
    """Nothing overflows the 412 px screen (mobile Chrome widens the layout viewport to fit wide content)."""
    screen = page.viewport_size["width"]
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[1] == screen, f"the layout viewport grew to {widths[1]} px on a {screen} px screen"
    assert widths[0] <= screen, f"page is {widths[0]} px wide on a {screen} px screen"


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screens/ for a human to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path

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


# Computed in the page: every visible text node's colour against the first opaque background behind it.
_CONTRAST_JS = """(minRatio) => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = ({r, g, b}) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
    if (c && c.a >= 0.99) return c; if (getComputedStyle(e).backgroundImage !== 'none') return null; } return {r: 255, g: 255, b: 255, a: 1}; };
  const failures = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement; const text = node.textContent.trim();
    if (!text || !el || el.closest('[aria-hidden="true"], .sr-only, script, style, template, [hidden]')) continue;
    const style = getComputedStyle(el); const box = el.getBoundingClientRect();
    if (style.visibility === 'hidden' || style.display === 'none' || box.width === 0 || box.height === 0 || Number(style.opacity) === 0) continue;
    const fg = parse(style.color), bg = background(el); if (!fg || !bg) continue;
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a); const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < minRatio) failures.push(`${ratio.toFixed(2)}:1 « ${text.slice(0, 40)} » (${style.color} on rgb(${bg.r}, ${bg.g}, ${bg.b}))`);
  }
  return failures; }"""


def assert_text_contrast(page, ratio: float = 7.0) -> None:
    """Every visible text node reaches `ratio` against the background actually behind it (sun on the screen)."""
    failures = page.evaluate(_CONTRAST_JS, ratio)
    assert failures == [], "\n".join(failures)


# Every control a thumb may hit, except links inside running text (which keep a larger control nearby).
_TARGETS_JS = """(minSize) => Array.from(document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], label[for]'))
  .filter((el) => { const box = el.getBoundingClientRect(); const style = getComputedStyle(el);
    if (box.width === 0 || box.height === 0 || style.visibility === 'hidden' || el.closest('[hidden], .sr-only, .skip-link')) return false;
    if (el.matches('input[type=radio], input[type=checkbox]') && el.labels && el.labels.length) return false;
    if (el.matches('label') && !(el.control && el.control.matches('input[type=radio], input[type=checkbox]'))) return false;
    if (el.matches('a') && el.closest('p, li, td') && !el.matches('.button, .chip, .cell, .strong-link')
        && el.closest('p, li, td').textContent.trim().length > el.textContent.trim().length + 3) return false;
    return box.width < minSize - 0.5 || box.height < minSize - 0.5; })
  .map((el) => { const b = el.getBoundingClientRect(); return `${Math.round(b.width)}×${Math.round(b.height)} ${el.tagName.toLowerCase()} « ${(el.textContent || el.getAttribute('aria-label') || el.name || '').trim().slice(0, 40)} »`; })"""


def small_targets(page, size: int = 48) -> list[str]:
    """Controls smaller than `size` × `size` CSS px on the current page."""
    return page.evaluate(_TARGETS_JS, size)

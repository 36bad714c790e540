"""The first visit of Today as a phone really makes it, service worker included, measured on the wire.

Usage: .venv/bin/python bench/first_visit.py
Starts Terrain as `make run` does (gunicorn, demo data) behind a small TCP relay that counts every byte the server
sends, logs the supervisor in (an HTTP request of the browser profile, so that no page runs before Today), then
opens Today in a fresh Chromium profile (Pixel 7) and waits until the service worker controls the page, has kept
the alert form, and the network has been quiet for 2 s. Each response is counted as it crossed the socket (status
line, headers, compressed body): what the page asked for, what the service worker fetched to install itself, and
what the browser's HTTP cache answered (nothing on the wire). Writes bench/results/first_visit.json.
bench/weight.py counts the files of the page with a plain HTTP client.
"""
from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from pathlib import Path

from demo_server import demo_server  # noqa: E402  (bench/ is on the path)
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.browser.conftest import CHROMIUM_ARGS, chromium_path  # noqa: E402
from tests.browser.wire import Relay  # noqa: E402

PASSWORD = "bench password long enough"
BENCH = Path(__file__).resolve().parent
BUDGET, SCRIPT_BUDGET = 60 * 1024, 25 * 1024


def measure(base: str) -> dict:
    """Bytes the server sent during the first visit of Today, request by request."""
    relay = Relay(int(base.rsplit(":", 1)[1]))
    front = f"http://127.0.0.1:{relay.port}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(**playwright.devices["Pixel 7"], locale="fr-FR", base_url=front)
        login_page = context.request.get("/login").text()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
        answer = context.request.post("/login", form={"email": "encadrant@demo.terrain", "password": PASSWORD,
                                                      "csrf_token": token}, max_redirects=0)
        assert answer.status == 303, answer.status
        page = context.new_page()
        relay.counting = True
        page.goto("/aujourdhui/")
        assert "/login" not in page.url
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)
        page.wait_for_function("""async () => { for (const n of await caches.keys()) {
            if (n.startsWith('terrain-pages-') && await (await caches.open(n)).match('/alertes/nouvelle')) return true; }
            return false; }""", timeout=15_000)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(2000)
        relay.counting = False
        browser.close()
    lines = [{"method": m, "url": url.split("?")[0], "bytes": size} for m, url, size in relay.responses]
    total = sum(r["bytes"] for r in lines)
    # The page's scripts; outbox.js and sw.js come with the worker (outbox.js is then read from its cache).
    script = sum(r["bytes"] for r in lines if r["url"].endswith(".js") and r["url"] not in ("/sw.js", "/static/js/outbox.js"))
    return {"lines": lines, "total_bytes": total, "javascript_bytes": script,
            "javascript_with_worker_bytes": sum(r["bytes"] for r in lines if r["url"].endswith(".js"))}


def main() -> int:
    with demo_server(Path(tempfile.mkdtemp(prefix="terrain-first-visit-")), PASSWORD) as base:
        report = measure(base)
    report.update(date=time.strftime("%Y-%m-%d %H:%M %Z"), command="bench/first_visit.py")
    out = BENCH / "results" / "first_visit.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    for line in report["lines"]:
        print(f"{line['method']:<5} {line['url']:<45} {line['bytes'] / 1024:6.1f} KB")
    print(f"Première visite d'Aujourd'hui, service worker compris : {report['total_bytes'] / 1024:.1f} KB "
          f"(budget {BUDGET / 1024:.0f}), dont JavaScript {report['javascript_bytes'] / 1024:.1f} KB "
          f"sur la page (budget {SCRIPT_BUDGET / 1024:.0f} ; {report['javascript_with_worker_bytes'] / 1024:.1f} KB avec "
          "outbox.js et sw.js)")
    print(f"→ {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

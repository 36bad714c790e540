"""Lighthouse scores (mobile, simulated throttling) of the main screens, on a local demo server. Not run in CI.

Usage:
  (cd /tmp/lighthouse && npm i -E lighthouse@12.2.3)       # once; Lighthouse 13 wants Node 22
  .venv/bin/python bench/lighthouse.py --lighthouse /tmp/lighthouse/node_modules/.bin/lighthouse
Starts Terrain as `make run` does (gunicorn) on a throw-away demo database, logs in through the form, and runs
Lighthouse on each screen with the session cookie, in the system Chromium (CHROME_PATH, default /usr/bin/chromium).
Writes bench/results/lighthouse.json.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from demo_server import demo_server, login  # noqa: E402  (bench/ is on the path)

PASSWORD = "bench password long enough"
BENCH = Path(__file__).resolve().parent
CATEGORIES = ("performance", "accessibility", "best-practices")


def lighthouse(binary: str, url: str, cookie: str | None, out: Path) -> dict:
    """Run Lighthouse once; the scores (0-100) and the main metrics."""
    command = [binary, url, "--quiet", "--output=json", f"--output-path={out}",
               f"--only-categories={','.join(CATEGORIES)}",
               "--chrome-flags=--headless=new --no-sandbox --disable-gpu"]
    if cookie:
        command += [f"--extra-headers={json.dumps({'Cookie': cookie})}"]
    env = dict(os.environ, CHROME_PATH=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)
    report = json.loads(out.read_text())
    audits = report["audits"]
    return {
        **{name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES},
        "first_contentful_paint_ms": round(audits["first-contentful-paint"]["numericValue"]),
        "largest_contentful_paint_ms": round(audits["largest-contentful-paint"]["numericValue"]),
        "total_blocking_time_ms": round(audits["total-blocking-time"]["numericValue"]),
        "transferred_bytes": round(audits["total-byte-weight"]["numericValue"]),
        "lighthouse": report["lighthouseVersion"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lighthouse", default="lighthouse", help="the lighthouse command (npm package 12.x)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="terrain-lighthouse-"))
    results = []
    with demo_server(work, PASSWORD) as base:
        supervisor, supervisor_cookie = login(base, "encadrant@demo.terrain", PASSWORD)
        _counsellor, counsellor_cookie = login(base, "cip@demo.terrain", PASSWORD)
        employee = re.search(r'href="(/salaries/\d+)"', supervisor.open(f"{base}/salaries/").read().decode()).group(1)
        screens = [
            ("Connexion", "/login", None),
            ("Aujourd'hui", "/aujourdhui/", supervisor_cookie),
            ("Nouvelle observation", "/observations/nouvelle", supervisor_cookie),
            ("Fiche salarié", employee, supervisor_cookie),
            ("Nouvelles du terrain (CIP)", "/observations/fil", counsellor_cookie),
            ("Matrice de compétences", "/competences/", supervisor_cookie),
        ]
        for label, path, cookie in screens:
            scores = lighthouse(args.lighthouse, base + path, cookie, work / "report.json")
            results.append({"screen": label, "path": re.sub(r"\d+", "<id>", path), **scores})
            print(f"{label:<30} performance {scores['performance']:>3}  accessibilité {scores['accessibility']:>3}  "
                  f"bonnes pratiques {scores['best-practices']:>3}  TBT {scores['total_blocking_time_ms']} ms  "
                  f"{scores['transferred_bytes'] / 1024:.0f} KB")
    out = BENCH / "results" / "lighthouse.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M %Z"), "command": "bench/lighthouse.py",
                               "chromium": subprocess.run([os.environ.get("CHROME_PATH", "/usr/bin/chromium"),
                                                           "--version"], capture_output=True, text=True).stdout.strip(),
                               "results": results}, indent=1, ensure_ascii=False) + "\n")
    print(f"→ {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Latency of the screens a supervisor and a counsellor use most, against the bare /healthz in the same run.

Usage: .venv/bin/python bench/latency.py [--requests 200] [--concurrency 4]
Starts Terrain (Werkzeug, threaded) on 127.0.0.1 with a throw-away SQLite database seeded with the demo
structure, logs in through the form, then times sequential and concurrent GETs. Prints p50/p95/p99 in ms and
the ratio of each p50 to the /healthz p50 (the cost of the framework and the database round trip alone).
"""
from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench password long enough"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def opener_for(base: str, email: str):
    """A URL opener logged in as `email` through the login form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    opener.open(f"{base}/login", urllib.parse.urlencode({"email": email, "password": PASSWORD,
                                                         "csrf_token": token}).encode())
    return opener


def timed(opener, url: str) -> float:
    start = time.perf_counter()
    with opener.open(url) as response:
        response.read()
        assert response.status == 200, url
    return (time.perf_counter() - start) * 1000


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(samples, n=100)
    return statistics.median(samples), q[94], q[98]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="terrain-bench-"))
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{work}/bench.sqlite", SECRET_KEY="bench",
               TERRAIN_TOTP_REQUIRED_ROLES="")
    flask = [sys.executable, "-m", "flask", "--app", "webapp"]
    subprocess.run(flask + ["init-db"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run(flask + ["seed-demo", "--password", PASSWORD], env=env, cwd=ROOT, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(flask + ["run", "--host", "127.0.0.1", "--port", str(port), "--with-threads"],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.1)
        supervisor = opener_for(base, "encadrant@demo.terrain")
        counsellor = opener_for(base, "cip@demo.terrain")
        employee_page = re.search(r'href="(/salaries/\d+)"', supervisor.open(f"{base}/salaries/").read().decode())
        targets = [
            ("GET /healthz (bare)", supervisor, "/healthz"),
            ("Aujourd'hui (ETI)", supervisor, "/aujourdhui/"),
            ("Salariés (liste)", supervisor, "/salaries/"),
            ("Fiche salarié", supervisor, employee_page.group(1)),
            ("Parcours salarié", supervisor, employee_page.group(1) + "/parcours"),
            ("Matrice compétences", supervisor, "/competences/"),
            ("Nouvelles du terrain (CIP)", counsellor, "/observations/fil"),
            ("Alertes (CIP)", counsellor, "/alertes/"),
        ]
        print(f"{args.requests} requêtes séquentielles par écran (ms) :")
        bare = None
        for label, opener, path in targets:
            for _ in range(5):
                timed(opener, base + path)  # warm-up
            samples = [timed(opener, base + path) for _ in range(args.requests)]
            p50, p95, p99 = percentiles(samples)
            bare = bare or p50
            print(f"  {label:<30} p50 {p50:6.1f}  p95 {p95:6.1f}  p99 {p99:6.1f}  ×{p50 / bare:5.1f} /healthz")
        label, opener, path = targets[1]
        with ThreadPoolExecutor(args.concurrency) as pool:
            start = time.perf_counter()
            samples = list(pool.map(lambda _: timed(opener, base + path), range(args.requests)))
            elapsed = time.perf_counter() - start
        p50, p95, p99 = percentiles(samples)
        print(f"{label}, {args.concurrency} clients simultanés : p50 {p50:.1f} p95 {p95:.1f} p99 {p99:.1f} ms, "
              f"{args.requests / elapsed:.0f} requêtes/s")
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Latency of the screens a supervisor and a counsellor use most, against the bare /healthz in the same run.

Usage: .venv/bin/python bench/latency.py [--requests 200] [--concurrency 4]
Starts Terrain (Werkzeug, threaded) on 127.0.0.1 with a throw-away SQLite database seeded with the demo
structure, logs in through the form, then times sequential and concurrent GETs. Prints p50/p95/p99 in ms and
the ratio of each p50 to the /healthz p50 (the cost of the framework and the database round trip alone).
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from demo_server import demo_server, login  # noqa: E402  (bench/ is on the path)

PASSWORD = "bench password long enough"


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
    with demo_server(Path(tempfile.mkdtemp(prefix="terrain-bench-")), PASSWORD) as base:
        supervisor, _ = login(base, "encadrant@demo.terrain", PASSWORD)
        counsellor, _ = login(base, "cip@demo.terrain", PASSWORD)
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
    return 0


if __name__ == "__main__":
    sys.exit(main())

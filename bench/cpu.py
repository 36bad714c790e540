"""CPU time per request of the main screens, in-process (Flask test client, no server, no network).

Usage:
  .venv/bin/python bench/cpu.py --database-url sqlite:////tmp/terrain-1m.sqlite [--requests 50] [--only today]
  .venv/bin/python bench/cpu.py --database-url ... --profile today [--sort tottime] [--lines 40]
  TERRAIN_APP_DIR=/path/to/previous/checkout .venv/bin/python bench/cpu.py ... --label sqlite-1m-before
Each screen is requested as the load test asks for it (same accounts, same URLs, `Accept-Encoding` of a browser,
so compression is counted), a few times to warm the caches, then --requests times by --batches: the CPU time of
the process (time.process_time) per request, lowest batch and median, the median wall time, the time spent inside
SQL statements (their execute call: SQLite computes the rows after the first while they are fetched, which
this does not count) and their number, and the size of the body sent. CPU time does not depend much on what else the machine is doing, unlike the load test's
latencies: it is the figure to compare two versions with. --profile SCREEN prints cProfile's figures for one
screen instead (--sort cumulative or tottime). As in a gunicorn worker, the hooks of the checkout's
gunicorn.conf.py run: post_worker_init once the application is loaded, post_request after every screen was
requested a few times (--no-worker-hook: neither). The database must already be initialised (`flask init-db`); the
observation POST adds notes to it (marked as the load test marks its own).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import runpy
import statistics
import sys
import time
from datetime import date
from pathlib import Path

BENCH = Path(__file__).resolve().parent
APP_DIR = Path(os.environ.get("TERRAIN_APP_DIR", str(BENCH.parent)))
sys.path.insert(0, str(APP_DIR))

from load import CHROME_ENCODING, PASSWORD, load_key, targets  # noqa: E402
from flask import before_render_template, template_rendered  # noqa: E402
from sqlalchemy import event  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.platform.db import get_engine  # noqa: E402


def log_in(client, email: str) -> str:
    """Log in through the form; returns the CSRF token of the session."""
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    account = client.get("/compte/").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', account).group(1)


def screens(app, ids: dict) -> dict:
    """name -> a function sending one request as the load test does."""
    supervisor, counsellor, anonymous = app.test_client(), app.test_client(), app.test_client()
    token = log_in(supervisor, "encadrant@demo.terrain")
    log_in(counsellor, "cip@demo.terrain")
    headers = {"Accept-Encoding": CHROME_ENCODING, "Accept": "text/html"}

    def observation():
        return supervisor.post("/observations/", headers={**headers, "HX-Request": "true"}, data={
            "client_key": load_key(), "employee_ids": [str(ids["member"])], "category": "technique",
            "tone": "positive", "visibility": "team", "text": "Coupe nette et régulière, range le matériel.",
            "observed_on": date.today().isoformat(), "csrf_token": token})

    return {
        "healthz": lambda: anonymous.get("/healthz", headers=headers),
        "today": lambda: supervisor.get("/aujourdhui/", headers=headers),
        "timeline": lambda: supervisor.get(f"/salaries/{ids['busiest']}/parcours", headers=headers),
        "feed": lambda: counsellor.get("/observations/fil", headers=headers),
        "matrix": lambda: supervisor.get("/competences/", headers=headers),
        "inbox": lambda: counsellor.get("/alertes/", headers=headers),
        # Asked by every open page every ten seconds: the most frequent request of all.
        "badge": lambda: counsellor.get("/alertes/badge", headers={**headers, "HX-Request": "true",
                                                                    "X-Terrain-Poll": "1"}),
        "post": observation,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warm", type=int, default=5)
    parser.add_argument("--batches", type=int, default=5, help="the requests are timed by batches; the CPU time "
                        "shown is the lowest batch's (the least disturbed by the rest of the machine), then the median")
    parser.add_argument("--only", action="append", help="a screen name (repeatable); default all")
    parser.add_argument("--label", help="also write the figures to bench/results/cpu-<label>.json")
    parser.add_argument("--profile", help="print cProfile's figures for this screen")
    parser.add_argument("--no-worker-hook", action="store_true", help="do not run the worker hooks of the "
                        "checkout's gunicorn.conf.py (post_worker_init, post_request)")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--lines", type=int, default=45)
    parser.add_argument("--callers", help="with --profile: also print the callers of functions matching this")
    args = parser.parse_args()
    ids = targets(args.database_url)
    app = create_app({"DATABASE_URL": args.database_url, "SECRET_KEY": "bench", "TOTP_REQUIRED_ROLES": ()})
    engine = get_engine(app)
    sql = {"n": 0, "s": 0.0, "start": 0.0}

    @event.listens_for(engine, "before_cursor_execute")
    def _before(*_args):
        sql["start"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(*_args):
        sql["n"] += 1
        sql["s"] += time.perf_counter() - sql["start"]

    # Time inside render_template (the outermost template of each render; includes the SQL its lazy values run).
    render = {"s": 0.0, "start": 0.0, "depth": 0}

    def _render_start(*_args, **_kwargs):
        if render["depth"] == 0:
            render["start"] = time.perf_counter()
        render["depth"] += 1

    def _render_end(*_args, **_kwargs):
        render["depth"] -= 1
        if render["depth"] == 0:
            render["s"] += time.perf_counter() - render["start"]

    before_render_template.connect(_render_start, app)
    template_rendered.connect(_render_end, app)
    calls = screens(app, ids)
    # As in gunicorn: the served checkout's worker hooks (gunicorn.conf.py), at start and after its first requests.
    conf = APP_DIR / "gunicorn.conf.py"
    hooks = runpy.run_path(str(conf)) if conf.exists() and not args.no_worker_hook else {}
    hook = hooks.get("post_worker_init")
    if hook:
        hook(None)
    # Only the screens asked for are warmed: a run of read screens leaves the database as it found it.
    chosen = args.only or ([args.profile] if args.profile else list(calls))
    for name in chosen:
        for _ in range(args.warm):
            assert calls[name]().status_code == 200, name
    if hooks.get("post_request"):
        worker = type("Worker", (), {"nr": 10**6})()  # a worker that has served its first requests
        hooks["post_request"](worker, None, None, None)
    if args.profile:
        call = calls[args.profile]
        for _ in range(args.warm):
            call()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            call()
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.lines)
        if args.callers:
            pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_callers(args.callers)
        print(out.getvalue())
        return 0
    print(f"{ids['observations']} observations; busiest employee {ids['busiest']} "
          f"({ids['busiest_observations']} notes); {args.requests} requests per screen")
    print(f"{'screen':<10} {'CPU ms':>7} {'median':>7} {'wall ms':>8} {'render':>7} {'SQL ms':>7} {'SQL n':>6} "
          f"{'bytes':>7}")
    size = max(1, args.requests // args.batches)
    results = []
    for name in chosen:
        call = calls[name]
        for _ in range(args.warm):
            response = call()
            assert response.status_code == 200, (name, response.status_code)
        sql.update(n=0, s=0.0)
        render.update(s=0.0, depth=0)
        cpus, walls = [], []
        for _batch in range(args.batches):
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(size):
                response = call()
            cpus.append((time.process_time() - cpu) * 1000 / size)
            walls.append((time.perf_counter() - wall) * 1000 / size)
        count = size * args.batches
        print(f"{name:<10} {min(cpus):7.1f} {statistics.median(cpus):7.1f} {statistics.median(walls):8.1f} "
              f"{render['s'] * 1000 / count:7.1f} {sql['s'] * 1000 / count:7.1f} {sql['n'] / count:6.1f} {len(response.data):7d}")
        results.append({"screen": name, "cpu_ms": min(cpus), "cpu_ms_median": statistics.median(cpus),
                        "wall_ms": statistics.median(walls), "render_ms": render["s"] * 1000 / count, "sql_ms": sql["s"] * 1000 / count,
                        "statements": sql["n"] / count, "bytes": len(response.data)})
    engine.dispose()
    if args.label:
        out = BENCH / "results" / f"cpu-{args.label}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({
            "label": args.label, "date": time.strftime("%Y-%m-%d %H:%M %Z"), "observations": ids["observations"],
            "app": "previous version" if APP_DIR.resolve() != BENCH.parent else "this version",
            "worker_hooks": sorted(name for name in ("post_worker_init", "post_request") if hooks.get(name)),
            "requests": size * args.batches, "batches": args.batches,
            "load_before": os.getloadavg()[0], "results": results}, indent=1, ensure_ascii=False) + "\n")
        print(f"→ {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Load test of the main screens on a large deployment: p50/p95/p99, throughput, SQL statements per request.

Usage (on databases made by bench/generate.py; work on copies, `flask init-db` runs on each first as `make run` does):
  .venv/bin/python bench/load.py --database-url sqlite:////tmp/terrain-10k.sqlite --label sqlite-10k \
                                 --database-url sqlite:////tmp/terrain-1m.sqlite --label sqlite-1m
  .venv/bin/python bench/load.py --database-url postgresql+psycopg://postgres@127.0.0.1:5433/terrain --label pg-1m
Several databases are measured side by side (each screen on each database in turn), so that the ratios between
them do not depend on what else the machine was doing.
Options: --requests N per screen and round (default 200), --seconds S at most per screen and round (default 20),
--rounds R (default 2; percentiles over every round's samples), --slices S (default 5: with several databases,
each screen's requests go to each database in turn by pieces), --concurrency C clients (default 4),
--workers W × --threads T of gunicorn (default 2 × 4), --app-dir DIR (serve another checkout, e.g. the previous
version, for a before/after comparison). Results go to bench/results/<label>.json.

gunicorn serves on 127.0.0.1 with the settings of bench/gunicorn_count_sql.py; each screen is measured on its own,
C clients at once on keep-alive connections, and compared with /healthz measured in the same run.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import defaultdict
from datetime import date
from pathlib import Path

from demo_server import free_port  # noqa: E402  (bench/ is on the path)
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
PASSWORD = "bench password long enough"
CHROME_ENCODING = "gzip, deflate, br, zstd"
# The idempotency key of the notes the load test posts: a UUID (the capture forms refuse anything else) whose first
# eight digits mark it, so that they count for nobody's history (earlier versions of this script wrote "load-…").
LOAD_KEY_PREFIX = "10ad10ad"


def load_key() -> str:
    return LOAD_KEY_PREFIX + uuid.uuid4().hex[len(LOAD_KEY_PREFIX):]


class Client:
    """One browser: a keep-alive connection, a session cookie and its CSRF token."""

    def __init__(self, port: int, cookie: str = "", token: str = ""):
        self.port, self.cookie, self.token = port, cookie, token
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: dict | None = None, htmx: bool = False) -> tuple[int, bytes, dict]:
        headers = {"Accept-Encoding": CHROME_ENCODING, "Accept": "text/html"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if htmx:
            headers["HX-Request"] = "true"
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.connection.request(method, path, body=data, headers=headers)
                response = self.connection.getresponse()
                payload = response.read()
                return response.status, payload, dict(response.getheaders())
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.connection.close()  # the server closed an idle keep-alive connection: open a new one
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def copy(self) -> Client:
        return Client(self.port, self.cookie, self.token)


def _cookies(response, jar: dict[str, str]) -> str:
    """Keep every cookie the response sets (the session and the known-browser cookie); the Cookie header to send."""
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, value = header.split(";")[0].partition("=")
        jar[name.strip()] = value
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def login(port: int, email: str) -> Client:
    """Log in through the form (no compression asked, to read the token)."""
    jar: dict[str, str] = {}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/login")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = _cookies(response, jar)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token})
    connection.request("POST", "/login", body=body, headers={"Cookie": cookie,
                                                              "Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    response.read()
    assert response.status == 303, f"login {email}: {response.status}"
    cookie = _cookies(response, jar)
    connection.request("GET", "/compte/", headers={"Cookie": cookie})
    response = connection.getresponse()
    token = re.search(r'name="csrf-token" content="([^"]+)"', response.read().decode()).group(1)
    # The token is kept in the session: the cookie that comes back with it is the one to send.
    cookie = _cookies(response, jar)
    connection.close()
    return Client(port, cookie, token)


def percentile(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1] if len(samples) > 1 else samples[0]


def measure(client: Client, method: str, path, body, htmx: bool, requests: int, seconds: float,
            concurrency: int) -> tuple[list[float], float]:
    """Latencies (ms) of `requests` requests sent by `concurrency` clients at once, and the wall time (s)."""
    samples: list[float] = []
    lock = threading.Lock()
    counter = iter(range(requests))
    deadline = time.perf_counter() + seconds

    def worker(own: Client):
        while time.perf_counter() < deadline:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            start = time.perf_counter()
            status, _payload, _headers = own.request(method, path, body() if callable(body) else body, htmx)
            elapsed = (time.perf_counter() - start) * 1000
            assert status == 200, f"{method} {path}: {status}"
            with lock:
                samples.append(elapsed)

    clients = [client.copy() for _ in range(concurrency)]
    threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    for c in clients:
        c.connection.close()
    return samples, wall


def forget_earlier_runs(database_url: str) -> int:
    """Delete the notes earlier runs of this script wrote (a database kept between runs, as PostgreSQL's is):
    they were written "now", so each run would otherwise add hundreds of notes to the counsellor's feed of the
    next ones. Returns how many were deleted."""
    marked = f"(client_key LIKE '{LOAD_KEY_PREFIX}%' OR client_key LIKE 'load-%')"
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM observation_employee WHERE observation_id IN "
                                f"(SELECT id FROM observation WHERE {marked})"))
        deleted = connection.execute(text(f"DELETE FROM observation WHERE {marked}")).rowcount
        connection.execute(text(f"DELETE FROM idempotency_key WHERE key LIKE '{LOAD_KEY_PREFIX}%' "
                                "OR key LIKE 'load-%'"))
    engine.dispose()
    return deleted


def targets(database_url: str) -> dict:
    """Ids the screens need, read from the database: the busiest employee of the demo supervisor, a team member."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        supervisor = connection.execute(text(
            "SELECT id FROM \"user\" WHERE email = 'encadrant@demo.terrain'")).scalar()
        # Notes written by earlier load tests (see LOAD_KEY_PREFIX) count for nobody's history.
        busiest = connection.execute(text(
            "SELECT oe.employee_id FROM observation_employee oe JOIN employee e ON e.id = oe.employee_id "
            "JOIN observation o ON o.id = oe.observation_id "
            "WHERE e.structure_id = 1 AND e.referent_eti_id = :s AND o.client_key NOT LIKE 'load-%' "
            f"AND o.client_key NOT LIKE '{LOAD_KEY_PREFIX}%' "
            "GROUP BY oe.employee_id ORDER BY COUNT(*) DESC LIMIT 1"), {"s": supervisor}).scalar()
        history = connection.execute(text(
            "SELECT COUNT(*) FROM observation_employee WHERE employee_id = :e"), {"e": busiest}).scalar()
        # The observations posted by the load test go to another person, so that the timeline stays the same.
        member = connection.execute(text(
            "SELECT id FROM employee WHERE referent_eti_id = :s AND active = :t AND id <> :b ORDER BY id LIMIT 1"),
            {"s": supervisor, "t": True, "b": busiest}).scalar()
        observations = connection.execute(text("SELECT COUNT(*) FROM observation")).scalar()
    engine.dispose()
    return {"busiest": busiest, "busiest_observations": history, "member": member, "observations": observations}


def machine() -> dict:
    """What the figures were measured on."""
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": memory, "system": platform.platform(),
            "python": platform.python_version(), "load_before": os.getloadavg()[0]}


class Deployment:
    """One database served by its own gunicorn, with its logged-in clients and its own figures."""

    def __init__(self, url: str, label: str, args, app_dir: Path):
        self.url, self.label, self.app_dir = url, label, app_dir
        self.env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench", TERRAIN_TOTP_REQUIRED_ROLES="",
                        PYTHONPATH=str(app_dir), WEB_CONCURRENCY=str(args.workers),
                        TERRAIN_THREADS=str(args.threads))
        self.init_seconds = None
        if not args.no_init:
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "flask", "--app", "webapp", "init-db"], env=self.env, cwd=app_dir,
                           check=True, capture_output=True)
            self.init_seconds = time.perf_counter() - started
        self.forgotten = forget_earlier_runs(url)
        self.ids = targets(url)
        self.sql_log = Path(tempfile.mkdtemp(prefix="terrain-load-")) / "sql.log"
        self.port = free_port()
        self.env.update(TERRAIN_BENCH_SQL_LOG=str(self.sql_log), TERRAIN_BIND=f"127.0.0.1:{self.port}")
        self.server = None
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.walls: dict[str, float] = defaultdict(float)
        self.statements: dict[str, list[int]] = defaultdict(list)

    def start(self) -> None:
        self.server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(BENCH / "gunicorn_count_sql.py"), "webapp:create_app()"],
            env=self.env, cwd=self.app_dir, stdout=subprocess.DEVNULL)
        for _ in range(300):
            try:
                Client(self.port).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        self.supervisor = login(self.port, "encadrant@demo.terrain")
        self.counsellor = login(self.port, "cip@demo.terrain")

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=30)

    def screens(self) -> list[tuple]:
        """(label, client, method, path, body, htmx) of every measured screen."""
        supervisor, ids = self.supervisor, self.ids

        def observation():
            return {"client_key": load_key(), "employee_ids": [str(ids["member"])],
                    "category": "technique", "tone": "positive", "visibility": "team",
                    "text": "Coupe nette et régulière, range le matériel.", "observed_on": date.today().isoformat(),
                    "csrf_token": supervisor.token}

        return [
            ("/healthz", Client(self.port), "GET", "/healthz", None, False),
            ("Aujourd'hui (page)", supervisor, "GET", "/aujourdhui/", None, False),
            ("Parcours (salarié le plus suivi)", supervisor, "GET", f"/salaries/{ids['busiest']}/parcours", None, False),
            ("Nouvelles du terrain (CIP)", self.counsellor, "GET", "/observations/fil", None, False),
            ("Matrice de compétences", supervisor, "GET", "/competences/", None, False),
            ("Alertes (CIP)", self.counsellor, "GET", "/alertes/", None, False),
            ("Observation POST (htmx)", supervisor, "POST", "/observations/", observation, True),
        ]

    def run(self, screen: tuple, args, requests: int, warm: bool) -> None:
        """Measure one screen once (after a warm-up when asked), the clients at once; keep samples and counts."""
        label, client, method, path, body, htmx = screen
        if warm:
            measure(client, method, path, body, htmx, 10, args.seconds, 1)
        self.sql_log.write_text("")
        latencies, wall = measure(client, method, path, body, htmx, requests, args.seconds / args.slices,
                                  args.concurrency)
        self.samples[label] += latencies
        self.walls[label] += wall
        wanted = f"{method} {path}"
        self.statements[label] += [int(line.split("\t")[1]) for line in self.sql_log.read_text().splitlines()
                                   if line.split("\t")[0] == wanted]

    def report(self, args, labels: list[str], baseline: str | None) -> dict:
        results = []
        for label in labels:
            values = self.samples[label]
            results.append({
                "screen": label, "requests": len(values), "p50": statistics.median(values),
                "p95": percentile(values, 95), "p99": percentile(values, 99),
                "throughput": len(values) / self.walls[label],
                "statements": statistics.median(self.statements[label]) if self.statements[label] else None,
                "statements_max": max(self.statements[label]) if self.statements[label] else None,
            })
        bare = results[0]
        for row in results:
            row["p50_ratio"] = row["p50"] / bare["p50"]
            row["throughput_ratio"] = row["throughput"] / bare["throughput"]
        return {"label": self.label, "date": time.strftime("%Y-%m-%d %H:%M %Z"), "machine": machine(),
                "database": self.url.split("://")[0].split("+")[0],
                "observations": self.ids["observations"], "busiest_observations": self.ids["busiest_observations"],
                "measured_with": baseline,
                "command": "bench/load.py " + " ".join(re.sub(r"^\w[\w+]*://.*", "…", a) for a in sys.argv[1:]),
                "settings": {"requests": args.requests, "seconds": args.seconds, "rounds": args.rounds,
                             "slices": args.slices,
                             "concurrency": args.concurrency, "workers": args.workers, "threads": args.threads},
                "app": "previous version" if self.app_dir != ROOT else "this version",
                "init_db_seconds": self.init_seconds, "earlier_run_notes_deleted": self.forgotten,
                "results": results}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", action="append", required=True,
                        help="repeat to measure several databases side by side, screen after screen")
    parser.add_argument("--label", action="append", required=True, help="one per --database-url")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--slices", type=int, default=5, help="pieces each screen's requests are cut into, the "
                        "databases taking turns")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--app-dir", default=str(ROOT))
    parser.add_argument("--no-init", action="store_true", help="do not run `flask init-db` first")
    args = parser.parse_args()
    if len(args.label) != len(args.database_url):
        parser.error("one --label per --database-url")
    app_dir = Path(args.app_dir).resolve()
    deployments = [Deployment(url, label, args, app_dir) for url, label in zip(args.database_url, args.label)]
    try:
        for deployment in deployments:
            deployment.start()
        # Screen after screen, each database in turn by short slices: a change in the machine's load hits all of
        # them alike.
        labels = [screen[0] for screen in deployments[0].screens()]
        for _round in range(args.rounds):
            for index in range(len(labels)):
                for piece in range(args.slices):
                    for deployment in deployments:
                        deployment.run(deployment.screens()[index], args, args.requests // args.slices, piece == 0)
    finally:
        for deployment in deployments:
            deployment.stop()
    together = [d.label for d in deployments]
    for deployment in deployments:
        report = deployment.report(args, labels, ", ".join(l for l in together if l != deployment.label) or None)
        out = BENCH / "results" / f"{deployment.label}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
        print(f"{deployment.label}: {report['observations']} observations, {args.concurrency} clients, "
              f"gunicorn {args.workers}×{args.threads}")
        print(f"{'écran':<34} {'n':>5} {'p50':>7} {'p95':>7} {'p99':>7} {'req/s':>7} {'×healthz':>8} {'SQL':>5}")
        for row in report["results"]:
            print(f"{row['screen']:<34} {row['requests']:>5} {row['p50']:7.1f} {row['p95']:7.1f} {row['p99']:7.1f} "
                  f"{row['throughput']:7.1f} {row['p50_ratio']:8.1f} {row['statements']!s:>5}")
        print(f"→ {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

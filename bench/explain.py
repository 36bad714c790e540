"""Query plans of the slowest statements of each main screen (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL).

Usage: .venv/bin/python bench/explain.py --database-url sqlite:////tmp/terrain-1m.sqlite --label sqlite-1m-after
       TERRAIN_APP_DIR=/path/to/previous/checkout .venv/bin/python bench/explain.py ... --label sqlite-1m-before
Runs each screen once in-process (Flask test client, no server), times every SQL statement it sends, and writes the
plan of the slowest ones to bench/results/explain-<label>.json. The database must already be initialised.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from datetime import date
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, os.environ.get("TERRAIN_APP_DIR", str(BENCH.parent)))

from load import PASSWORD, load_key, targets  # noqa: E402
from sqlalchemy import event  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.platform.db import get_engine  # noqa: E402

TOP = 2  # statements shown per screen


def log_in(client, email: str) -> str:
    """Log in through the form; returns the CSRF token of the session."""
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    account = client.get("/compte/").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', account).group(1)


def plan(connection, dialect: str, statement: str, parameters) -> list[str]:
    """The plan of one statement, one line per step."""
    cursor = connection.connection.dbapi_connection.cursor()
    if dialect == "sqlite":
        cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        rows = cursor.fetchall()
        depth = {0: 0}
        lines = []
        for node, parent, _unused, detail in rows:
            depth[node] = depth.get(parent, 0) + 1
            lines.append("  " * (depth[node] - 1) + detail)
        return lines
    cursor.execute("EXPLAIN " + statement, parameters)
    return [row[0] for row in cursor.fetchall()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--label", required=True)
    args = parser.parse_args()
    ids = targets(args.database_url)
    app = create_app({"DATABASE_URL": args.database_url, "SECRET_KEY": "bench", "TOTP_REQUIRED_ROLES": ()})
    engine = get_engine(app)
    captured: list[tuple[str, object, float]] = []
    starts: list[float] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        starts.append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters, (time.perf_counter() - starts.pop()) * 1000))

    supervisor, counsellor = app.test_client(), app.test_client()
    token = log_in(supervisor, "encadrant@demo.terrain")
    log_in(counsellor, "cip@demo.terrain")
    screens = [
        ("Aujourd'hui (page)", lambda: supervisor.get("/aujourdhui/")),
        ("Parcours (salarié le plus suivi)", lambda: supervisor.get(f"/salaries/{ids['busiest']}/parcours")),
        ("Nouvelles du terrain (CIP)", lambda: counsellor.get("/observations/fil")),
        ("Matrice de compétences", lambda: supervisor.get("/competences/")),
        ("Alertes (CIP)", lambda: counsellor.get("/alertes/")),
        ("Observation POST (htmx)", lambda: supervisor.post("/observations/", headers={"HX-Request": "true"}, data={
            "client_key": load_key(), "employee_ids": [str(ids["member"])], "category": "technique",
            "tone": "positive", "visibility": "team", "text": "Coupe nette.", "observed_on": date.today().isoformat(),
            "csrf_token": token})),
    ]
    report = {"label": args.label, "date": time.strftime("%Y-%m-%d %H:%M %Z"), "dialect": engine.dialect.name,
              "observations": ids["observations"], "screens": []}
    for label, call in screens:
        call()  # warm the caches once, as the load test does
        captured.clear()
        response = call()
        assert response.status_code == 200, (label, response.status_code)
        statements = [c for c in captured if c[0].lstrip().upper().startswith(("SELECT", "WITH"))]
        slowest = sorted(statements, key=lambda c: c[2], reverse=True)[:TOP]
        with engine.connect() as connection:
            entries = [{"ms": round(ms, 2), "sql": re.sub(r"\s+", " ", statement)[:600],
                        "plan": plan(connection, engine.dialect.name, statement, parameters)}
                       for statement, parameters, ms in slowest]
        report["screens"].append({"screen": label, "statements": len(captured),
                                  "sql_ms": round(sum(c[2] for c in captured), 2), "slowest": entries})
        print(f"{label}: {len(captured)} statements, {sum(c[2] for c in captured):.1f} ms in SQL")
        for entry in entries:
            print(f"  {entry['ms']:.1f} ms  {entry['sql'][:110]}")
            for line in entry["plan"]:
                print(f"      {line}")
    out = BENCH / "results" / f"explain-{args.label}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    engine.dispose()
    print(f"→ {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

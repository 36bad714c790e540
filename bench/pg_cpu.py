"""PostgreSQL's CPU time per request of the main screens: what the database server spends, not the application.

Usage (PostgreSQL on this machine, the script allowed to read its processes' /proc entries, e.g. as root):
  .venv/bin/python bench/pg_cpu.py --database-url postgresql+psycopg://…/t1m [--requests 300] [--label pg-1m]
  TERRAIN_APP_DIR=/path/to/previous/checkout .venv/bin/python bench/pg_cpu.py … (the version to compare)
Each screen is requested in-process as bench/cpu.py requests it, one request after the other, so that a single
pooled connection serves them all: the CPU time (user + system) of its server process is read from /proc before
and after --requests requests, after a warm-up. The kernel counts it in ticks of 10 ms: over 300 requests of a few
milliseconds, to about 1 %.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import compare  # noqa: E402
from cpu import screens  # noqa: E402  (cpu puts the measured checkout first on sys.path)
from load import targets  # noqa: E402
from sqlalchemy import text  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.platform.db import get_engine  # noqa: E402

WARM = 20
TICKS = os.sysconf("SC_CLK_TCK")


def backend_seconds(pid: int) -> float:
    """User + system CPU seconds of one process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--only", action="append", help="a screen name of bench/cpu.py (repeatable)")
    parser.add_argument("--label", help="also write the figures to bench/results/pg-cpu-<label>.json")
    args = parser.parse_args()
    os.environ.update(DATABASE_URL=args.database_url, TERRAIN_TOTP_REQUIRED_ROLES="")
    os.environ.setdefault("SECRET_KEY", "bench")
    app = create_app()
    calls = screens(app, targets(args.database_url))
    engine = get_engine(app)
    figures = {}
    for name in args.only or ["today", "timeline", "feed", "matrix", "inbox", "healthz"]:
        engine.dispose()  # from here on, one connection serves the requests one after the other
        for _ in range(WARM):
            calls[name]()
        with engine.connect() as connection:
            pid = connection.execute(text("SELECT pg_backend_pid()")).scalar()
        start = backend_seconds(pid)
        for _ in range(args.requests):
            assert calls[name]().status_code == 200
        with engine.connect() as connection:
            assert connection.execute(text("SELECT pg_backend_pid()")).scalar() == pid, "another connection served"
        figures[name] = 1000 * (backend_seconds(pid) - start) / args.requests
        print(f"{name:10} {figures[name]:6.2f} ms of PostgreSQL CPU per request", flush=True)
    if args.label:
        compare.write("pg-cpu", args.label, requests=args.requests, per_request=figures, unit="ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

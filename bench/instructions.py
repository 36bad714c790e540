"""Instructions per request of the main screens, counted by valgrind's callgrind (application side, in-process).

Usage:
  .venv/bin/python bench/instructions.py --database-url postgresql+psycopg://…/t1m [--only today] [--requests 10]
  TERRAIN_APP_DIR=/path/to/previous/checkout .venv/bin/python bench/instructions.py … (the version to compare)
Each screen is requested as bench/cpu.py requests it, fifteen times to warm the caches, then --requests times
with callgrind counting: instructions do not depend on what else the machine is doing, so two versions can be
told apart to 0.1 % where CPU times vary by 10-20 % from one run to the next. The database's side is not counted
(see the PostgreSQL figures of bench/RESULTS.md). Needs valgrind (Debian's package); slow: about 20 s a screen.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import compare

BENCH = Path(__file__).resolve().parent
WARM = 15


def child(names: list[str], requests: int) -> None:
    """Inside valgrind: warm up, then count `requests` requests of each screen (instrumentation on only then)."""
    import gc

    sys.path.insert(0, str(BENCH))
    from cpu import APP_DIR, screens  # noqa: F401 (cpu puts the served checkout first on sys.path)
    from load import targets

    from webapp import create_app

    app = create_app()
    calls = screens(app, targets(os.environ["DATABASE_URL"]))
    for name in names:
        for _ in range(WARM):
            calls[name]()
    gc.collect()
    gc.freeze()
    subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True, capture_output=True)
    for name in names:
        for _ in range(requests):
            status = calls[name]().status_code
            assert status == 200, f"{name}: {status}"
    subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], check=True, capture_output=True)


def count(database_url: str, name: str, requests: int) -> int:
    """Instructions of `requests` requests of one screen."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY=os.environ.get("SECRET_KEY", "bench"),
                   TERRAIN_TOTP_REQUIRED_ROLES="")
        subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
                        sys.executable, __file__, "--child", name, "--requests", str(requests)],
                       env=env, check=True, capture_output=True)
        return int(re.search(r"^totals: (\d+)", out.read_text(), re.M).group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--only", action="append", help="a screen name of bench/cpu.py (repeatable)")
    parser.add_argument("--label", help="also write the figures to bench/results/instructions-<label>.json")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child([args.child], args.requests)
        return 0
    names = args.only or ["today", "timeline", "feed", "matrix", "inbox", "healthz"]
    figures = {}
    for name in names:
        figures[name] = count(args.database_url, name, args.requests) / args.requests
        print(f"{name:10} {figures[name] / 1e6:8.2f} M instructions per request", flush=True)
    if args.label:
        compare.write("instructions", args.label, requests=args.requests, per_request=figures, unit="instructions",
                      database=args.database_url.split("://")[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())

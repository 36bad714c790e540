"""Figures of one version of Terrain, written so that bench/report.py sets them beside another version's
(bench/instructions.py, bench/pg_cpu.py: the measured checkout is TERRAIN_APP_DIR, else this one)."""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def write(kind: str, label: str, *, requests: int, per_request: dict[str, float], unit: str, **extra) -> Path:
    """Write bench/results/<kind>-<label>.json: the figures per screen, with the date and the measured version."""
    app_dir = os.environ.get("TERRAIN_APP_DIR", str(BENCH.parent))
    version = subprocess.run(["git", "-C", app_dir, "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True).stdout.strip()
    path = BENCH / "results" / f"{kind}-{label}.json"
    path.write_text(json.dumps({
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "version": version or app_dir,
        "requests": requests, "load_before": os.getloadavg()[0],
        "command": f"bench/{kind.replace('-', '_')}.py --requests {requests} --label {label}",
        "unit": unit, "per_request": per_request, **extra}, indent=2) + "\n")
    print(f"→ {path}")
    return path

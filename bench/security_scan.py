"""Optional check: run sqlmap and wapiti against a locally started Terrain with a logged-in session.

Usage (the scanners live in their own virtual environment: wapiti3 pins older Flask and SQLAlchemy):
  python3 -m venv .scan-venv && .scan-venv/bin/pip install sqlmap wapiti3
  .venv/bin/python bench/security_scan.py [--minutes 8]
Everything listens on 127.0.0.1; the database is a throw-away file; the scan is bounded in time.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

from demo_server import ROOT, demo_server, login  # noqa: E402  (bench/ is on the path)

PASSWORD = "scan de securite terrain"


def opener_get(base: str, cookie: str, path: str) -> str:
    request = urllib.request.Request(base + path, headers={"Cookie": cookie})
    return urllib.request.urlopen(request).read().decode()


def run(cmd: list[str], minutes: float, log: Path) -> int:
    print("$", " ".join(cmd))
    with open(log, "w") as out:
        try:
            return subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, timeout=minutes * 60, check=False).returncode
        except subprocess.TimeoutExpired:
            print(f"  (arrêté après {minutes} min)")
            return -1


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=8, help="time budget of each scanner")
    args = parser.parse_args()
    binaries = {name: shutil.which(name, path=str(ROOT / ".scan-venv" / "bin")) or shutil.which(name)
                for name in ("sqlmap", "wapiti")}
    if not all(binaries.values()):
        print("Installez d'abord : python3 -m venv .scan-venv && .scan-venv/bin/pip install sqlmap wapiti3")
        return 2
    work = Path(tempfile.mkdtemp(prefix="terrain-scan-"))
    # The scan logs in as the CIP: the role with the widest read access that has no second factor.
    with demo_server(work, PASSWORD) as base:
        _, cookie = login(base, "cip@demo.terrain", PASSWORD)
        results = {}
        employee = re.search(r'href="/salaries/(\d+)"', opener_get(base, cookie, "/salaries/")).group(1)
        targets = work / "targets.txt"
        targets.write_text("\n".join(base + path for path in (
            "/salaries/?q=a&page=1&sortis=1",
            f"/salaries/{employee}/parcours?type=observation&du=2026-01-01&au=2026-12-31",
            "/competences/?chantier=1&q=a",
            "/seances/?salarie=1",
            "/observations/fil",
            "/alertes/?page=1",
        )) + "\n")
        # First the query strings of the main lists, then every form the crawler finds.
        results["sqlmap (URLs)"] = run([binaries["sqlmap"], "-m", str(targets), "--cookie", cookie, "--batch",
                                        "--level", "2", "--risk", "1", "--threads", "2",
                                        "--output-dir", str(work / "sqlmap")], args.minutes, work / "sqlmap.log")
        results["sqlmap (forms)"] = run([binaries["sqlmap"], "-u", f"{base}/salaries/nouveau", "--cookie", cookie,
                                         "--batch",
                                         "--crawl", "2", "--forms", "--crawl-exclude", "logout|fermer|supprimer",
                                         "--csrf-token", "csrf_token", "--level", "1", "--threads", "2",
                                         "--output-dir", str(work / "sqlmap-forms")], args.minutes,
                                        work / "sqlmap-forms.log")
        results["wapiti"] = run([binaries["wapiti"], "-u", f"{base}/", "-H", f"Cookie: {cookie}",
                                 "-x", f"{base}/logout", "--flush-session", "-d", "2",
                                 "-m", "sql,xss,exec,file,redirect,csrf", "--max-attack-time", "40",
                                 "--max-scan-time", str(int(args.minutes * 60)), "-f", "txt",
                                 "-o", str(work / "wapiti.txt")], args.minutes + 2, work / "wapiti.log")
    for log in ("sqlmap.log", "sqlmap-forms.log"):
        text = (work / log).read_text(errors="replace") if (work / log).exists() else ""
        tested = sorted(set(re.findall(r"testing for SQL injection on (\w+ parameter '[^']+')", text)))
        # Only sqlmap's final verdict counts, not its first heuristic guess.
        injectable = sorted(set(re.findall(r"(\w+ parameter '[^']+') is vulnerable", text)))
        print(f"{log} : {len(tested)} paramètres testés, injectables : {injectable or 'aucun'}")
    report = work / "wapiti.txt"
    if report.exists():
        text = report.read_text(errors="replace")
        print("wapiti :")
        print("\n".join(line for line in text.splitlines() if re.search(r"\w.*:\s*\d+\s*$", line))[:2000])
    else:
        print("wapiti : pas de rapport (arrêté avant la fin)")
    print(f"Journaux et rapports : {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

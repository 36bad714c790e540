"""Shared by the bench scripts: Terrain on 127.0.0.1 with a throw-away demo database, and a logged-in client."""
from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def demo_server(work: Path, password: str):
    """Migrate and seed a SQLite database in `work`, serve it as `make run` does (gunicorn), yield the base URL."""
    # No second factor here: the scripts log in through the password form only.
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{work}/demo.sqlite", SECRET_KEY="bench",
               TERRAIN_TOTP_REQUIRED_ROLES="")
    flask = [sys.executable, "-m", "flask", "--app", "webapp"]
    subprocess.run(flask + ["init-db"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run(flask + ["seed-demo", "--password", password], env=env, cwd=ROOT, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"),
                               "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null", "webapp:create_app()"],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def login(base: str, email: str, password: str):
    """Log in through the form; return (URL opener carrying the session, session cookie header value)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    opener.open(f"{base}/login", urllib.parse.urlencode({"email": email, "password": password,
                                                         "csrf_token": token}).encode())
    cookie = next(c.value for c in jar if c.name == "terrain_session")
    return opener, f"terrain_session={cookie}"

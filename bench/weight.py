"""What a phone downloads, measured on the wire: the first visit of Today and the capture fragments.

Usage: .venv/bin/python bench/weight.py
Starts Terrain as `make run` does (gunicorn) on a throw-away demo database, logs in as the supervisor, then asks
for Today and everything it references (CSS, scripts, icons, sprites, manifest), the alerts badge it loads at
once, the service worker and the shell it installs, with Chrome's Accept-Encoding and an empty cache. Each
response counts what crossed the socket: status line, headers and body as sent (compressed). Then one capture
of each kind (attendance, consigne, observation) as htmx sends it. Writes bench/results/weight.json.
"""
from __future__ import annotations

import gzip
import http.client
import json
import re
import sys
import tempfile
import time
import urllib.parse
import uuid
from datetime import date
from pathlib import Path

import brotli
from demo_server import demo_server  # noqa: E402  (bench/ is on the path)

PASSWORD = "bench password long enough"
CHROME = {"Accept-Encoding": "gzip, deflate, br, zstd",
          "User-Agent": "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131 Mobile Safari/537.36"}
REFERENCES = re.compile(r'(?:href|src)="(/(?:static|manifest)[^"#]*)')
BENCH = Path(__file__).resolve().parent


class Wire:
    """A keep-alive connection that reports the bytes of each response as they came over the socket."""

    def __init__(self, base: str):
        parsed = urllib.parse.urlsplit(base)
        self.connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        self.jar: dict[str, str] = {}

    def fetch(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        """(status, bytes on the wire, decoded-size hint, body as sent, headers)."""
        sent = dict(CHROME, **(headers or {}))
        if self.jar:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.jar.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body, doseq=True).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=data, headers=sent)
        response = self.connection.getresponse()
        payload = response.read()  # http.client does not decompress: these are the bytes sent
        head = len(f"HTTP/1.1 {response.status} {response.reason}\r\n") + 2 + sum(
            len(f"{name}: {value}\r\n") for name, value in response.getheaders())
        for name, value in response.getheaders():  # every cookie set (the session and the known-browser one)
            if name.lower() == "set-cookie":
                key, _, rest = value.split(";")[0].partition("=")
                self.jar[key.strip()] = rest
        return response.status, head + len(payload), payload, dict(response.getheaders())


def login(wire: Wire, email: str) -> str:
    """Log in through the form; returns the CSRF token of the session."""
    _status, _size, page, _headers = wire.fetch("GET", "/login", headers={"Accept-Encoding": "identity"})
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()
    status, *_rest = wire.fetch("POST", "/login", {"email": email, "password": PASSWORD, "csrf_token": token})
    assert status == 303, status
    _status, _size, page, _headers = wire.fetch("GET", "/compte/", headers={"Accept-Encoding": "identity"})
    return re.search(rb'name="csrf-token" content="([^"]+)"', page).group(1).decode()


def main() -> int:
    with demo_server(Path(tempfile.mkdtemp(prefix="terrain-weight-")), PASSWORD) as base:
        wire = Wire(base)
        token = login(wire, "encadrant@demo.terrain")
        status, size, page, headers = wire.fetch("GET", "/aujourdhui/")
        assert status == 200
        html = decoded(page, headers)
        rows = [("Aujourd'hui (HTML)", "/aujourdhui/", size, headers.get("Content-Encoding", "—"))]
        assets = list(dict.fromkeys(REFERENCES.findall(html)))
        for url in assets:
            status, size, _body, asset_headers = wire.fetch("GET", url)
            assert status == 200, url
            rows.append((url.split("?")[0].rsplit("/", 1)[-1], url, size, asset_headers.get("Content-Encoding", "—")))
        after_load = []
        for url in ("/alertes/badge",):
            status, size, _body, loaded_headers = wire.fetch("GET", url, headers={"HX-Request": "true"})
            after_load.append((url, url, size, loaded_headers.get("Content-Encoding", "—")))
        status, size, worker, worker_headers = wire.fetch("GET", "/sw.js")
        installed = [("sw.js", "/sw.js", size, worker_headers.get("Content-Encoding", "—"))]
        for url in json.loads(re.search(r"const SHELL = (\[.*?\]);", decoded(worker, worker_headers)).group(1)):
            if url not in assets:
                status, size, _body, shell_headers = wire.fetch("GET", url)
                installed.append((url.split("?")[0].rsplit("/", 1)[-1], url, size,
                                  shell_headers.get("Content-Encoding", "—")))
        # The offline shell keeps the alert form at the first start (outbox.js → sw.js « hello »).
        status, size, _body, kept_headers = wire.fetch("GET", "/alertes/nouvelle")
        installed.append(("formulaire d'alerte gardé", "/alertes/nouvelle", size, kept_headers.get("Content-Encoding", "—")))
        employee = re.search(r"/aujourdhui/presences/(\d+)", html).group(1)
        worksite = re.search(r'name="worksite_id"[^>]*value="(\d+)"', html)
        htmx = {"HX-Request": "true"}
        captures = []
        for label, path, form in (
            ("Présence (fragment)", f"/aujourdhui/presences/{employee}",
             {"status": "present", "day": date.today().isoformat()}),
            ("Consigne (carte + formulaire neuf)", "/consignes/",
             {"client_key": uuid.uuid4().hex, "category": "epi", "text": "Gants pour tout le monde", "target": "all",
              **({"worksite_id": worksite.group(1)} if worksite else {})}),
            ("Observation (confirmation + formulaire neuf)", "/observations/",
             {"client_key": uuid.uuid4().hex, "employee_ids": [employee], "category": "technique",
              "tone": "positive", "visibility": "team", "text": "Coupe nette et régulière.",
              "observed_on": date.today().isoformat()}),
        ):
            status, size, body, capture_headers = wire.fetch("POST", path, {**form, "csrf_token": token}, htmx)
            assert status == 200, (label, status)
            captures.append({"capture": label, "status": status, "bytes": size,
                             "encoding": capture_headers.get("Content-Encoding", "—"),
                             "decoded_bytes": len(decoded(body, capture_headers).encode())})
    page_rows = rows + after_load
    total = sum(r[2] for r in page_rows)
    script = sum(r[2] for r in page_rows if r[1].split("?")[0].endswith(".js"))
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"), "command": "bench/weight.py",
        "first_visit": [{"what": r[0], "url": r[1], "bytes": r[2], "encoding": r[3]} for r in page_rows],
        "service_worker_install": [{"what": r[0], "url": r[1], "bytes": r[2], "encoding": r[3]} for r in installed],
        "first_visit_bytes": total, "javascript_bytes": script,
        "with_service_worker_bytes": total + sum(r[2] for r in installed),
        "captures": captures,
    }
    out = BENCH / "results" / "weight.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    for row in page_rows:
        print(f"{row[0]:<45} {row[2] / 1024:6.1f} KB ({row[3]})")
    print(f"{'Première visite d Aujourd hui':<45} {total / 1024:6.1f} KB, dont JavaScript {script / 1024:.1f} KB")
    print(f"{'+ installation du service worker':<45} {report['with_service_worker_bytes'] / 1024:6.1f} KB")
    for capture in captures:
        print(f"{capture['capture']:<45} {capture['bytes'] / 1024:6.1f} KB ({capture['encoding']}, "
              f"{capture['decoded_bytes'] / 1024:.1f} KB décompressé)")
    print(f"→ {out}")
    return 0


def decoded(body: bytes, headers: dict) -> str:
    """The text of a response body, whatever its compression."""
    encoding = headers.get("Content-Encoding")
    if encoding == "br":
        body = brotli.decompress(body)
    elif encoding == "gzip":
        body = gzip.decompress(body)
    return body.decode()


if __name__ == "__main__":
    sys.exit(main())

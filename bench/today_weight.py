"""Measure the Today screen's first-visit weight (gzip of HTML + CSS + JS + icons) on the demo data.

Usage: .venv/bin/python bench/today_weight.py
"""
from __future__ import annotations

import gzip
import re
import tempfile
from datetime import date
from pathlib import Path

from sqlmodel import Session

from webapp import create_app
from webapp.demo import DEMO_EMAILS, seed_demo_data
from webapp.platform.db import get_engine, writing
from webapp.platform.migrate import upgrade

PASSWORD = "bench password long enough"


def main() -> None:
    """Seed a throw-away database, log in as the demo supervisor, weigh Today and one capture fragment."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite", "UPLOAD_FOLDER": f"{tmp}/uploads",
                          "SECRET_KEY": "bench"})
        upgrade(app)
        with app.app_context(), writing(), Session(get_engine(app)) as db:
            seed_demo_data(db, PASSWORD)
            db.commit()
        client = app.test_client()
        token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
        client.post("/login", data={"email": DEMO_EMAILS["supervisor"], "password": PASSWORD, "csrf_token": token})
        html = client.get("/").data
        static = Path(app.static_folder)
        parts = {"HTML": html}
        for asset in re.findall(rb'(?:href|src)="/static/([^"#]+)', html):
            parts[asset.decode()] = (static / asset.decode()).read_bytes()
        sizes = {name: len(gzip.compress(data)) for name, data in parts.items()}
        for name, size in sizes.items():
            print(f"{name:45} {size / 1024:6.1f} KB gzip")
        print(f"{'Total (first visit)':45} {sum(sizes.values()) / 1024:6.1f} KB gzip (target < 100 KB)")
        token = re.search(r'name="csrf-token" content="([^"]+)"', html.decode()).group(1)
        employee = re.search(rb'/aujourdhui/presences/(\d+)', html).group(1).decode()
        htmx = {"HX-Request": "true"}
        captures = {
            "Attendance fragment": client.post(f"/aujourdhui/presences/{employee}", headers=htmx,
                                               data={"status": "present", "csrf_token": token}),
            "Consigne fragment (card + fresh form)": client.post("/consignes/", headers=htmx, data={
                "client_key": "bench-consigne-1", "category": "epi", "text": "Gants pour tout le monde",
                "target": "all", "csrf_token": token}),
            "Observation fragment (card + fresh form)": client.post("/observations/", headers=htmx, data={
                "client_key": "bench-observation-1", "employee_ids": [employee], "category": "technique",
                "tone": "positive", "visibility": "team", "text": "Coupe nette et régulière.",
                "observed_on": date.today().isoformat(), "csrf_token": token}),
        }
        for name, response in captures.items():
            data = response.data
            print(f"{name:45} {len(data) / 1024:6.1f} KB raw, {len(gzip.compress(data)) / 1024:.1f} KB gzip "
                  f"(status {response.status_code}, target < 5 KB)")
        get_engine(app).dispose()


if __name__ == "__main__":
    main()

"""The alerts worker run twice on the same database sends every message exactly once.

Usage: .venv/bin/python bench/two_workers.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/terrain_deux
       (an empty database; SQLite works too) [--alerts 100] [--seconds 90]
Raises alerts whose e-mails wait in the outbox, starts a real SMTP server (aiosmtpd) on 127.0.0.1, then two
`flask --app webapp alerts worker` processes at once, as docs/deploy.md runs them; counts what the SMTP server
received per message. Writes bench/results/two-workers.json.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from aiosmtpd.controller import Controller
from demo_server import ROOT, free_port  # noqa: E402  (bench/ is on the path)
from sqlmodel import Session, func, select

sys.path.insert(0, str(ROOT))  # this checkout's webapp, whatever is installed

from webapp import create_app  # noqa: E402,I001
from webapp.domain.accounts.auth import hash_password  # noqa: E402
from webapp.domain.alerts import alerts  # noqa: E402
from webapp.models import DeliveryJob, Employee, Structure, User  # noqa: E402
from webapp.platform.db import get_engine, writing  # noqa: E402
from webapp.platform.migrate import upgrade  # noqa: E402

BENCH = Path(__file__).resolve().parent


class Inbox:
    """aiosmtpd handler counting each message by recipient and alert link."""

    def __init__(self):
        self.received: Counter[tuple[str, str]] = Counter()

    async def handle_DATA(self, server, session, envelope):
        link = re.search(r"/alertes/\d+", envelope.content.decode("utf-8", "replace"))
        for recipient in envelope.rcpt_tos:
            self.received[(recipient, link.group(0) if link else "?")] += 1
        return "250 Message accepted"


def prepare(url: str, count: int) -> int:
    """A structure, its staff, one employee and `count` alerts; returns how many e-mails wait in the outbox."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    upgrade(app)
    with writing(), Session(get_engine(app), expire_on_commit=False) as db:
        structure = Structure(name="Deux workers")
        db.add(structure)
        db.flush()
        password = hash_password("deux workers mot de passe")
        staff = {role: User(structure_id=structure.id, email=f"{role}@deux.terrain", full_name=role, role=role,
                            password_hash=password) for role in ("supervisor", "counsellor", "coordinator", "director")}
        db.add_all(staff.values())
        db.flush()
        employee = Employee(structure_id=structure.id, first_name="Test", last_name="Deux",
                            referent_cip_id=staff["counsellor"].id, referent_eti_id=staff["supervisor"].id)
        db.add(employee)
        db.flush()
        for n in range(count):
            alerts.raise_alert(db=db, raiser=staff["supervisor"], employee_id=employee.id, type_code="logement",
                               client_key=f"deux-{n}", base_url="https://terrain.example")
        db.commit()
        waiting = db.exec(select(func.count()).select_from(DeliveryJob).where(DeliveryJob.channel == "email")).one()
    get_engine(app).dispose()
    return waiting


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--alerts", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=90)
    args = parser.parse_args()
    waiting = prepare(args.database_url, args.alerts)
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    env = dict(os.environ, DATABASE_URL=args.database_url, SECRET_KEY="bench", MAIL_SERVER="127.0.0.1",
               MAIL_PORT=str(port), MAIL_FROM="terrain@deux.terrain", PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "flask", "--app", "webapp", "alerts", "worker", "--interval", "0.5"]
    workers = [subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
               for _ in range(2)]
    started = time.perf_counter()
    try:
        while sum(inbox.received.values()) < waiting and time.perf_counter() - started < args.seconds:
            time.sleep(0.5)
        time.sleep(3)  # a late duplicate would arrive now
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        controller.stop()
    app = create_app({"DATABASE_URL": args.database_url, "SECRET_KEY": "bench"})
    with Session(get_engine(app)) as db:
        statuses = dict(db.exec(select(DeliveryJob.status, func.count()).group_by(DeliveryJob.status)).all())
    get_engine(app).dispose()
    duplicates = {f"{who} {link}": n for (who, link), n in inbox.received.items() if n > 1}
    report = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "command": "bench/two_workers.py",
              "database": args.database_url.split("://")[0].split("+")[0], "workers": 2, "alerts": args.alerts,
              "emails_waiting": waiting, "messages_received": sum(inbox.received.values()),
              "distinct_messages": len(inbox.received), "duplicates": duplicates, "job_statuses": statuses,
              "seconds": round(time.perf_counter() - started, 1)}
    out = BENCH / "results" / "two-workers.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    print(f"{waiting} courriels en attente, 2 workers : {report['messages_received']} reçus, "
          f"{report['distinct_messages']} distincts, doublons : {duplicates or 'aucun'} ; travaux : {statuses}")
    return 0 if not duplicates and report["messages_received"] == waiting else 1


if __name__ == "__main__":
    sys.exit(main())

"""A capture with a photo tapped several times at once is recorded once, answers no 500, leaves one file."""
from __future__ import annotations

import io
import os
import threading
import time
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import func, select

from tests.conftest import AuthActions, csrf_token
from webapp import cli
from webapp.models import Instruction, Observation, Photo, utcnow
from webapp.platform import photos
from webapp.platform.db import writing

TAPS = 6
ROUNDS = 4


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), (40, 120, 60)).save(out, format="JPEG")
    return out.getvalue()


def tapped_at_once(app, email: str, url: str, form: dict) -> list[int]:
    """Post the same form from TAPS logged-in clients released together; return the statuses."""
    clients = []
    for _ in range(TAPS):
        client = app.test_client()
        AuthActions(client).login(email)
        clients.append((client, csrf_token(client)))
    barrier = threading.Barrier(TAPS)
    statuses: list[int] = []

    def tap(client, token):
        data = dict(form, csrf_token=token, photo=(io.BytesIO(jpeg()), "chantier.jpg", "image/jpeg"))
        barrier.wait()
        try:
            response = client.post(url, data=data, headers={"HX-Request": "true"},
                                   content_type="multipart/form-data")
            statuses.append(response.status_code)
        except Exception:  # the testing app propagates what would be a 500
            statuses.append(500)

    threads = [threading.Thread(target=tap, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_observation_with_photo_double_tapped_is_recorded_once_with_one_file(app, users, crew, db):
    folder = Path(app.config["UPLOAD_FOLDER"])
    amina = crew["people"][0]
    for _ in range(ROUNDS):
        statuses = tapped_at_once(app, users["supervisor"].email, "/observations/", {
            "client_key": uuid.uuid4().hex, "employee_ids": [str(amina.id)], "category": "technique",
            "tone": "positive", "visibility": "team", "text": "A taillé la haie seul.",
            "observed_on": date.today().isoformat()})
        assert statuses == [200] * TAPS, statuses
    db.rollback()
    assert db.exec(select(func.count()).select_from(Observation)).one() == ROUNDS
    assert db.exec(select(func.count()).select_from(Photo)).one() == ROUNDS
    assert len(list(folder.rglob("*.jpg"))) == ROUNDS


def test_consigne_with_photo_double_tapped_is_recorded_once_with_one_file(app, users, crew, db):
    folder = Path(app.config["UPLOAD_FOLDER"])
    for _ in range(ROUNDS):
        statuses = tapped_at_once(app, users["supervisor"].email, "/consignes/", {
            "client_key": uuid.uuid4().hex, "category": "securite", "target": "all",
            "text": "Gants obligatoires pour le ramassage."})
        assert set(statuses) <= {200, 201} and len(statuses) == TAPS, statuses
    db.rollback()
    assert db.exec(select(func.count()).select_from(Instruction)).one() == ROUNDS
    assert db.exec(select(func.count()).select_from(Photo)).one() == ROUNDS
    assert len(list(folder.rglob("*.jpg"))) == ROUNDS


@pytest.mark.parametrize("age_hours,kept", [(3, False), (0, True)])
def test_sweep_removes_photo_files_a_crash_left_without_a_row(app, db, structure, users, age_hours, kept):
    folder = Path(app.config["UPLOAD_FOLDER"])
    with writing():
        referenced = photos.store_photo(db=db, data=jpeg(), upload_folder=str(folder), structure_id=structure.id,
                                        user_id=users["supervisor"].id)
        db.commit()
    # What a kill -9 between writing the file and committing its row leaves behind.
    orphan = folder / str(structure.id) / "orphan-left-by-a-crash.jpg"
    orphan.write_bytes(jpeg())
    old = time.time() - age_hours * 3600
    for path in (orphan, photos.photo_path(referenced, str(folder))):
        os.utime(path, (old, old))
    removed = photos.sweep_orphans(db, str(folder), now=utcnow())
    assert orphan.exists() is kept and removed == (0 if kept else 1)
    assert photos.photo_path(referenced, str(folder)).exists()


def left_behind(app, structure, name: str = "left-behind.jpg") -> Path:
    """A photo file no row refers to, two hours old: what a crash between writing it and committing leaves."""
    folder = Path(app.config["UPLOAD_FOLDER"]) / str(structure.id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(jpeg())
    os.utime(path, (time.time() - 7200, time.time() - 7200))
    return path


def gone_within(path: Path, seconds: float) -> bool:
    """Wait (at most `seconds`) for another thread to delete `path`."""
    deadline = time.monotonic() + seconds
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return not path.exists()


def test_sweep_photos_command_reports_what_it_removed(app, structure):
    orphan = left_behind(app, structure)
    result = app.test_cli_runner().invoke(args=["sweep-photos"])
    assert result.exit_code == 0 and "orphelins supprimés : 1" in result.output
    assert not orphan.exists()


def test_nightly_purge_also_deletes_orphan_photos(app, structure):
    orphan = left_behind(app, structure)
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0 and "1 fichier(s) photo orphelin(s) supprimé(s)" in result.output
    assert not orphan.exists()


def test_the_alerts_worker_runs_the_nightly_purge_once_a_day(app, structure):
    """`make run` has no cron: the worker's housekeeping thread purges once a day after 02:00."""
    first = left_behind(app, structure, "first.jpg")
    now = {"at": datetime(2026, 11, 30, 1, 0)}
    stop = threading.Event()
    worker = threading.Thread(target=cli.statistics_loop, args=(app, stop, 0.01), kwargs={"clock": lambda: now["at"]})
    worker.start()
    try:
        time.sleep(0.3)
        assert first.exists()  # before 02:00: statistics only
        now["at"] = datetime(2026, 11, 30, 3, 0)
        assert gone_within(first, 10)
        second = left_behind(app, structure, "second.jpg")
        time.sleep(0.3)
        assert second.exists()  # already purged today
        now["at"] = datetime(2026, 12, 1, 2, 30)
        assert gone_within(second, 10)
    finally:
        stop.set()
        worker.join(5)

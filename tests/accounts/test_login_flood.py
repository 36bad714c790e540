"""A flood of failing logins must not hold the write lock while passwords are checked."""
from __future__ import annotations

import threading
import time
import uuid

from tests.conftest import client_key, csrf_token
from webapp.models import Alert

FLOODERS = 8


def test_login_flood_does_not_block_an_urgent_alert(app, auth, client, users, make, structure, db):
    employee = make.employee(structure, referent_cip_id=users["counsellor"].id)
    auth.login(users["supervisor"].email)
    token = csrf_token(client)
    stop = threading.Event()
    statuses: list[int] = []
    started = threading.Barrier(FLOODERS + 1)

    def flood(n: int) -> None:
        flooder = app.test_client()
        flood_token = csrf_token(flooder)
        started.wait()
        attempt = 0
        while not stop.is_set():
            attempt += 1
            # A new e-mail and address each time: the throttles stay out of the way, every check hashes.
            try:
                response = flooder.post("/login", data={"email": f"x{uuid.uuid4().hex}@flood.test",
                                                        "password": "not the password at all",
                                                        "csrf_token": flood_token},
                                        environ_base={"REMOTE_ADDR": f"10.{n}.{attempt // 250}.{attempt % 250}"})
                statuses.append(response.status_code)
            except Exception:  # the testing app propagates what would be a 500
                statuses.append(500)

    threads = [threading.Thread(target=flood, args=(n,)) for n in range(FLOODERS)]
    for thread in threads:
        thread.start()
    started.wait()
    timings = []
    try:
        time.sleep(0.5)  # every flooder is inside a login by now
        for n in range(3):
            began = time.perf_counter()
            response = client.post("/alertes/nouvelle", data={
                "employee_id": str(employee.id), "type_code": "accident", "facts": "Coupure à la main",
                "client_key": client_key(f"flood-{n}"), "csrf_token": token})
            timings.append(time.perf_counter() - began)
            assert response.status_code == 303, response.get_data(as_text=True)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert max(timings) < 1.0, timings
    assert statuses and 500 not in statuses and set(statuses) <= {422}
    assert len(db.exec(Alert.__table__.select()).all()) == 3

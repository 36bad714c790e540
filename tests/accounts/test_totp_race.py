"""A second-factor code submitted by several sessions at once opens one session only."""
from __future__ import annotations

import threading

import pyotp
from sqlalchemy import update
from sqlmodel import func, select

from tests.conftest import PASSWORD, TOTP_SECRETS, csrf_token
from webapp.models import User, UserSession
from webapp.platform.db import writing

SESSIONS = 4
ROUNDS = 3


def test_the_same_code_sent_by_four_sessions_at_once_logs_in_one(app, users, db):
    director = users["director"]
    code = pyotp.TOTP(TOTP_SECRETS[director.email]).now()
    for _ in range(ROUNDS):
        with writing():  # a fresh code for this round
            db.execute(update(User).where(User.id == director.id).values(totp_last_step=None))
            db.commit()
        clients = []
        for _ in range(SESSIONS):
            client = app.test_client()
            response = client.post("/login", data={"email": director.email, "password": PASSWORD,
                                                   "csrf_token": csrf_token(client)})
            assert response.headers["Location"] == "/login/code"
            clients.append((client, csrf_token(client)))
        barrier = threading.Barrier(SESSIONS)
        statuses: list[int] = []

        def send(client, token):
            barrier.wait()
            statuses.append(client.post("/login/code", data={"code": code, "csrf_token": token}).status_code)

        threads = [threading.Thread(target=send, args=pair) for pair in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [303] + [422] * (SESSIONS - 1), statuses
    db.rollback()
    opened = db.exec(select(func.count()).select_from(UserSession).where(UserSession.user_id == director.id)).one()
    assert opened == ROUNDS

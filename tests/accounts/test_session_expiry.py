"""An expired session sends htmx back to the page it came from; background polls do not keep a session alive."""
import re
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from tests.conftest import csrf_token
from webapp.models import UserSession, utcnow


def test_expired_session_on_htmx_post_returns_to_the_page_after_login(client):
    response = client.post("/observations/", headers={
        "HX-Request": "true", "X-CSRFToken": csrf_token(client),
        "HX-Current-URL": "http://localhost/observations/nouvelle?salarie=3"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/observations/nouvelle?salarie%3D3"


def test_expired_session_redirect_ignores_another_sites_page(client):
    response = client.post("/observations/", headers={
        "HX-Request": "true", "X-CSRFToken": csrf_token(client), "HX-Current-URL": "https://evil.example/phish"})
    assert response.headers["HX-Redirect"] == "/login"


def idle_for(db, user, minutes: int) -> UserSession:
    row = db.exec(select(UserSession).where(UserSession.user_id == user.id)).one()
    row.last_seen_at = utcnow() - timedelta(minutes=minutes)
    db.add(row)
    db.commit()
    return row


def test_badge_polling_does_not_keep_an_idle_direction_session_alive(client, login_as, users, db):
    login_as("director")  # idle limit: 30 minutes
    poll = {"HX-Request": "true", "X-Terrain-Poll": "1"}
    idle_for(db, users["director"], 25)
    for _ in range(3):
        assert client.get("/alertes/badge", headers=poll).status_code == 200
    db.rollback()
    row = db.exec(select(UserSession).where(UserSession.user_id == users["director"].id)).one()
    assert utcnow() - row.last_seen_at > timedelta(minutes=24)
    idle_for(db, users["director"], 31)
    assert client.get("/alertes/badge", headers=poll).status_code == 401
    assert client.get("/").status_code == 302


def test_a_page_the_person_opens_counts_as_activity(client, login_as, users, db):
    login_as("director")
    idle_for(db, users["director"], 25)
    assert client.get("/alertes/").status_code == 200
    db.rollback()
    row = db.exec(select(UserSession).where(UserSession.user_id == users["director"].id)).one()
    assert utcnow() - row.last_seen_at < timedelta(minutes=1)


def test_every_polling_element_says_it_is_a_poll():
    """A template that polls (hx-trigger "every …") sends X-Terrain-Poll, and does not pass it to its children."""
    root = Path(__file__).resolve().parents[2] / "webapp" / "templates"
    polling = 0
    for template in root.rglob("*.html"):
        for tag in re.findall(r"<[a-z]+[^>]*hx-trigger=\"[^\"]*every [^>]*>", template.read_text(), re.S):
            polling += 1
            assert '"X-Terrain-Poll": "1"' in tag and 'hx-disinherit="hx-headers"' in tag, (template, tag)
    assert polling >= 3

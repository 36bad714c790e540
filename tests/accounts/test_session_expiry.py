"""An expired session sends htmx back to the page it came from; background polls do not keep a session alive."""
from datetime import timedelta

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

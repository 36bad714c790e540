"""Login, throttling, sessions, logout, CSRF and the htmx 401."""
from datetime import timedelta

from sqlmodel import select

from tests.conftest import PASSWORD, csrf_token, post
from webapp.models import LoginAttempt, UserSession, utcnow


def test_login_with_good_password_opens_home(client, auth, users):
    response = auth.login(users["supervisor"].email)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Aujourd&#39;hui" in home.get_data(as_text=True)


def test_login_email_is_case_insensitive(client, auth, users):
    assert auth.login(users["counsellor"].email.upper()).status_code == 303


def test_bad_password_gets_generic_french_message_and_keeps_email(client, auth, users):
    response = auth.login(users["supervisor"].email, "wrong password here")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Identifiants incorrects." in body
    assert f'value="{users["supervisor"].email}"' in body
    assert client.get("/").status_code == 302


def test_unknown_email_gets_the_same_message(auth):
    response = auth.login("nobody@test.terrain", "whatever password")
    assert response.status_code == 422
    assert "Identifiants incorrects." in response.get_data(as_text=True)


def test_ten_failures_block_even_the_right_password(client, auth, users, db):
    email = users["supervisor"].email
    for _ in range(10):
        assert auth.login(email, "not the password!!").status_code == 422
    response = auth.login(email)
    assert response.status_code == 422
    assert "Trop de tentatives" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_failures_older_than_the_window_do_not_count(client, auth, users, db):
    email = users["supervisor"].email
    old = utcnow() - timedelta(minutes=16)
    for _ in range(10):
        db.add(LoginAttempt(email=email, success=False, at=old))
    db.commit()
    assert auth.login(email).status_code == 303


def test_deactivated_user_cannot_log_in(auth, make, structure):
    user = make.user("supervisor", structure, active=False)
    response = auth.login(user.email)
    assert response.status_code == 422
    assert "Identifiants incorrects." in response.get_data(as_text=True)


def test_login_renews_the_session_cookie(client, auth, users):
    csrf_token(client)
    before = client.get_cookie("terrain_session").value
    auth.login(users["supervisor"].email)
    after = client.get_cookie("terrain_session").value
    assert before != after


def test_session_cookie_flags(client, auth, users):
    response = auth.login(users["supervisor"].email)
    cookie = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("terrain_session=")][0]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_pages_do_not_sign_the_session_cookie_again(client, auth, users, crew):
    """The cookie set at login lasts as long as the server session can (12 hours): re-signing it on every
    response would only add 250 bytes to each of them, and CPU."""
    auth.login(users["supervisor"].email)
    client.get("/aujourdhui/")  # the first page puts the CSRF secret in the session: the cookie is set once more
    for path in ("/aujourdhui/", "/alertes/badge", "/"):
        response = client.get(path)
        assert response.status_code == 200
        assert not [h for h in response.headers.getlist("Set-Cookie") if h.startswith("terrain_session=")]


def test_logout_ends_the_session_on_the_server(app, client, auth, users):
    auth.login(users["supervisor"].email)
    copied = client.get_cookie("terrain_session").value
    assert auth.logout().status_code == 303
    thief = app.test_client()
    thief.set_cookie("terrain_session", copied)
    assert thief.get("/").status_code == 302


def test_deactivation_ends_sessions_at_once(client, auth, users, login_as, app):
    supervisor_client = app.test_client()
    post(supervisor_client, "/login", {"email": users["supervisor"].email, "password": PASSWORD})
    assert supervisor_client.get("/").status_code == 200
    login_as("director")
    target = users["supervisor"]
    response = post(client, f"/comptes/{target.id}", {
        "full_name": target.full_name, "email": target.email, "role": "supervisor", "phone": "",
    })
    assert response.status_code == 303
    assert supervisor_client.get("/").status_code == 302


def test_idle_session_expires(client, auth, users, db):
    auth.login(users["director"].email)
    row = db.exec(select(UserSession).where(UserSession.user_id == users["director"].id)).one()
    row.last_seen_at = utcnow() - timedelta(minutes=31)
    db.add(row)
    db.commit()
    assert client.get("/").status_code == 302


def test_absolute_session_lifetime(client, auth, users, db):
    auth.login(users["supervisor"].email)
    row = db.exec(select(UserSession).where(UserSession.user_id == users["supervisor"].id)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.commit()
    assert client.get("/").status_code == 302


def test_post_without_csrf_token_is_rejected(client, users):
    response = client.post("/login", data={"email": users["supervisor"].email, "password": PASSWORD})
    assert response.status_code == 400
    assert "formulaire a expiré" in response.get_data(as_text=True)


def test_htmx_post_with_csrf_header_is_accepted(client, users):
    token = csrf_token(client)
    response = client.post("/login", data={"email": users["supervisor"].email, "password": PASSWORD},
                           headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 303


def test_expired_session_on_htmx_request_answers_401_with_redirect(client):
    response = client.get("/salaries/?q=a", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login"


def test_login_next_only_follows_local_paths(client, users):
    token = csrf_token(client)
    response = client.post("/login?next=https://evil.example/x",
                           data={"email": users["supervisor"].email, "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_login_next_returns_to_requested_page(client, users):
    assert client.get("/salaries/").headers["Location"] == "/login?next=/salaries/"
    token = csrf_token(client)
    response = client.post("/login?next=/salaries/",
                           data={"email": users["supervisor"].email, "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/salaries/"


def test_account_page_lists_open_sessions(client, login_as):
    login_as("counsellor")
    body = client.get("/compte/").get_data(as_text=True)
    assert "Sessions ouvertes (1)" in body
    assert "Cet appareil" in body

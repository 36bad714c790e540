"""Nothing typed on the phone is lost: an alert the server did not take, an observation sent after the session expired."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.browser.conftest import PASSWORD, check_accessibility, login, screenshot
from webapp.models import Alert, Observation, UserSession, utcnow
from webapp.platform.db import writing

pytestmark = pytest.mark.browser


@pytest.fixture
def employee(make, structure, users):
    users["counsellor"].phone = "06 44 55 66 77"
    make._save(users["counsellor"])
    return make.employee(structure, first_name="Mamadou", last_name="Koné",
                         referent_cip_id=users["counsellor"].id, referent_eti_id=users["supervisor"].id)


def expire_sessions(db, user) -> None:
    """The user's sessions have been idle for three hours (the supervisor's limit is two)."""
    with writing():
        for row in db.exec(select(UserSession).where(UserSession.user_id == user.id)).all():
            row.last_seen_at = utcnow() - timedelta(hours=3)
            db.add(row)
        db.commit()


def fill_alert(phone):
    phone.goto("/alertes/nouvelle")
    phone.get_by_text("Mamadou Koné").click()
    phone.get_by_text("Perte de logement / expulsion / nuit à la rue").click()
    phone.get_by_label("Quelques faits (facultatif)").fill("Dort dans sa voiture depuis hier.")


def kept_alerts(phone) -> int:
    return phone.evaluate("JSON.parse(localStorage.getItem('terrain.pendingAlerts') || '[]').length")


@pytest.mark.parametrize("status", [500, 502, 503])
def test_alert_answered_with_a_server_error_is_kept_and_sent_later(phone, users, employee, db, status):
    login(phone, users["supervisor"].email)
    fill_alert(phone)
    failing = {"posts": 0}

    def proxy_down(route):
        if route.request.method == "POST" and failing["posts"] == 0:
            failing["posts"] += 1
            route.fulfill(status=status, body="<html><body>Bad Gateway</body></html>", content_type="text/html")
        else:
            route.continue_()

    phone.route("**/alertes/nouvelle", proxy_down)
    phone.get_by_role("button", name="Envoyer l'alerte").click()
    phone.get_by_role("heading", name="NON ENVOYÉE — serveur indisponible").wait_for()
    assert phone.locator('a[href="tel:0644556677"]').is_visible()
    assert kept_alerts(phone) == 1
    assert "rien n'a été perdu" not in phone.locator("#toast").inner_text()
    check_accessibility(phone)
    screenshot(phone, f"alert-server-{status}")
    db.rollback()
    assert db.exec(select(Alert)).all() == []

    # The phone tries again by itself; this time the server answers.
    phone.get_by_text("Envoyée — en attente de prise en charge").wait_for(timeout=20_000)
    assert kept_alerts(phone) == 0
    db.rollback()
    assert db.exec(select(Alert)).one().facts == "Dort dans sa voiture depuis hier."


def test_alert_sent_after_the_session_expired_is_kept_and_sent_after_login(phone, users, employee, db):
    login(phone, users["supervisor"].email)
    fill_alert(phone)
    expire_sessions(db, users["supervisor"])
    phone.get_by_role("button", name="Envoyer l'alerte").click()
    phone.get_by_role("heading", name="NON ENVOYÉE — session expirée").wait_for()
    assert "/alertes/nouvelle" in phone.url  # the call numbers stay on screen: no redirect
    assert phone.locator('a[href="tel:0644556677"]').is_visible()
    assert kept_alerts(phone) == 1
    phone.get_by_role("link", name="Se reconnecter pour l'envoyer").click()
    phone.get_by_label("Adresse e-mail").fill(users["supervisor"].email)
    phone.get_by_label("Mot de passe").fill(PASSWORD)
    phone.get_by_role("button", name="Se connecter", exact=True).click()
    phone.locator("#toast", has_text="Alerte levée à").wait_for(timeout=15_000)
    assert "envoyée" in phone.locator("#toast").inner_text()
    assert kept_alerts(phone) == 0
    db.rollback()
    assert db.exec(select(Alert)).one().facts == "Dort dans sa voiture depuis hier."


def test_observation_typed_when_the_session_expired_is_put_back_after_login(phone, users, crew, db):
    amina = crew["people"][0]
    text = "A porté les sacs de terreau avec les bons gestes toute la matinée."
    login(phone, users["supervisor"].email)
    phone.goto(f"/observations/nouvelle?salarie={amina.id}")
    phone.locator("label[for=oc-technique]").click()
    phone.locator("label[for=ot-positive]").click()
    phone.get_by_label("Ce que j'ai observé").fill(text)
    expire_sessions(db, users["supervisor"])
    phone.get_by_role("button", name="Enregistrer l'observation").click()

    phone.wait_for_url(lambda url: "/login?next=/observations/nouvelle" in url)
    phone.get_by_label("Adresse e-mail").fill(users["supervisor"].email)
    phone.get_by_label("Mot de passe").fill(PASSWORD)
    phone.get_by_role("button", name="Se connecter", exact=True).click()
    phone.get_by_role("heading", name="Nouvelle observation").wait_for()
    phone.get_by_text("Votre saisie a été remise dans le formulaire").wait_for()
    assert phone.get_by_label("Ce que j'ai observé").input_value() == text
    assert phone.locator("#oc-technique").is_checked() and phone.locator("#ot-positive").is_checked()
    assert phone.locator(f"#oe-{amina.id}").is_checked()
    check_accessibility(phone)
    screenshot(phone, "observation-restored-after-login")
    phone.get_by_role("button", name="Enregistrer l'observation").click()
    phone.get_by_text("Observation enregistrée pour Amina Test.").wait_for()
    db.rollback()
    saved = db.exec(select(Observation)).one()
    assert (saved.text, saved.category, saved.tone) == (text, "technique", "positive")


def test_a_kept_observation_is_not_put_back_for_another_account(phone, users, crew, db, make, structure):
    amina = crew["people"][0]
    login(phone, users["supervisor"].email)
    phone.goto(f"/observations/nouvelle?salarie={amina.id}")
    phone.get_by_label("Ce que j'ai observé").fill("Texte de l'encadrant qui ne doit pas passer à un autre compte.")
    expire_sessions(db, users["supervisor"])
    phone.get_by_role("button", name="Enregistrer l'observation").click()
    phone.wait_for_url(lambda url: "/login?next=/observations/nouvelle" in url)
    other = make.user("supervisor", structure)
    login(phone, other.email)
    phone.goto("/observations/nouvelle")
    phone.get_by_role("heading", name="Nouvelle observation").wait_for()
    assert phone.get_by_label("Ce que j'ai observé").input_value() == ""


def test_form_being_filled_in_when_a_poll_finds_the_session_ended_is_put_back(phone, users, crew, db):
    amina = crew["people"][0]
    text = "Observation en cours d'écriture quand la session a pris fin."
    login(phone, users["supervisor"].email)
    phone.goto(f"/observations/nouvelle?salarie={amina.id}")
    phone.get_by_label("Ce que j'ai observé").fill(text)
    expire_sessions(db, users["supervisor"])
    # The bell badge's next poll (every 15 s) is answered 401 and takes the page to the login form.
    phone.wait_for_url(lambda url: "/login?next=/observations/nouvelle" in url, timeout=25_000)
    phone.get_by_label("Adresse e-mail").fill(users["supervisor"].email)
    phone.get_by_label("Mot de passe").fill(PASSWORD)
    phone.get_by_role("button", name="Se connecter", exact=True).click()
    phone.get_by_text("Votre saisie a été remise dans le formulaire").wait_for()
    assert phone.get_by_label("Ce que j'ai observé").input_value() == text

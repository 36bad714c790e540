"""Urgent alerts: raising, privacy, lifecycle, bad input, idempotent replay, director's figures."""
import html
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from tests.conftest import client_key, post
from webapp.domain.alerts import alerts as service
from webapp.models import Alert, AlertEvent, AlertRecipient, DeliveryJob, utcnow
from webapp.platform.db import writing


@pytest.fixture
def employee(make, structure, users):
    return make.employee(structure, first_name="Mamadou", last_name="Koné",
                         referent_cip_id=users["counsellor"].id, referent_eti_id=users["supervisor"].id)


def alert_form(employee, type_code="accident", **overrides):
    data = {"employee_id": str(employee.id), "type_code": type_code, "facts": "Coupure à la main",
            "client_key": overrides.pop("client_key", str(uuid.uuid4()))}
    data.update(overrides)
    return data


def count(db, model, *where):
    db.rollback()
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def raise_one(client, employee, **overrides):
    response = post(client, "/alertes/nouvelle", alert_form(employee, **overrides))
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_supervisor_raises_alert_stored_with_its_delivery_jobs(client, db, login_as, employee, users):
    login_as("supervisor")
    alert_id = raise_one(client, employee)
    alert = db.get(Alert, alert_id)
    assert (alert.status, alert.severity, alert.raised_by_id) == ("raised", "critique", users["supervisor"].id)
    recipients = {r.user_id: r.reason for r in db.exec(select(AlertRecipient).where(AlertRecipient.alert_id == alert_id))}
    # accident: direction and the CIP; the referent CIP first of all.
    assert recipients == {users["counsellor"].id: "referent", users["director"].id: "direction"}
    jobs = db.exec(select(DeliveryJob).where(DeliveryJob.alert_id == alert_id)).all()
    assert {(j.channel, j.recipient, j.status) for j in jobs} == {
        ("email", users["counsellor"].email, "pending"), ("email", users["director"].email, "pending")}
    assert all(j.subject == "Alerte critique — Terrain" for j in jobs)
    page = client.get(f"/alertes/{alert_id}").get_data(as_text=True)
    assert "Envoyée — en attente de prise en charge" in page
    assert 'href="tel:15"' in page and 'href="tel:112"' in page


def test_confirmation_shows_the_cip_phone_as_tap_to_call(client, login_as, make, structure, users):
    cip = make.user("counsellor", structure, full_name="Nadia Ferreira", phone="06 44 55 66 77")
    person = make.employee(structure, referent_cip_id=cip.id, referent_eti_id=users["supervisor"].id)
    login_as("supervisor")
    alert_id = raise_one(client, person, type_code="logement")
    page = client.get(f"/alertes/{alert_id}").get_data(as_text=True)
    assert 'href="tel:0644556677"' in page and "Nadia Ferreira" in page
    assert 'href="tel:115"' in page


def test_alert_form_lists_the_supervisors_team_first(client, login_as, make, structure, users, employee):
    make.employee(structure, first_name="Aaron", last_name="Autre")
    login_as("supervisor")
    body = client.get("/alertes/nouvelle").get_data(as_text=True)
    assert body.index("Mamadou Koné") < body.index("Aaron Autre")
    assert "Autres salariés (1)" in body
    assert "▲▲▲ Critique" in body and "Accident du travail / blessure" in body


@pytest.mark.parametrize("role,status", [
    ("supervisor", 200), ("coordinator", 200), ("counsellor", 403), ("director", 403), ("admin", 403),
])
def test_only_supervisors_and_coordination_raise_alerts(client, login_as, role, status):
    login_as(role)
    assert client.get("/alertes/nouvelle").status_code == status


@pytest.mark.parametrize("field,value,message", [
    ("employee_id", "999999", "Choisissez un(e) salarié(e) de votre structure."),
    ("employee_id", "", "Choisissez un(e) salarié(e) de votre structure."),
    ("type_code", "inconnu", "Choisissez une situation dans la liste."),
    ("type_code", "", "Choisissez une situation dans la liste."),
])
def test_bad_alert_input_gets_french_message_and_stores_nothing(client, db, login_as, employee, field, value, message):
    login_as("supervisor")
    response = post(client, "/alertes/nouvelle", alert_form(employee, **{field: value}), htmx=True)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body and "L'alerte n'est pas partie." in body
    assert 'value="Coupure à la main"' in body or "Coupure à la main" in body
    assert count(db, Alert) == 0 and count(db, DeliveryJob) == 0


def test_alert_about_another_structures_employee_is_refused(client, db, login_as, make):
    foreign = make.employee(make.structure("Autre ACI"))
    login_as("supervisor")
    response = post(client, "/alertes/nouvelle", alert_form(foreign))
    assert response.status_code == 422
    assert "Choisissez un(e) salarié(e) de votre structure." in response.get_data(as_text=True)
    assert count(db, Alert) == 0


def test_same_client_key_twice_creates_one_alert(client, db, login_as, employee):
    login_as("supervisor")
    first = raise_one(client, employee, client_key=client_key("replay-1"))
    second = raise_one(client, employee, client_key=client_key("replay-1"))
    assert first == second
    assert count(db, Alert) == 1
    assert count(db, DeliveryJob) == 2


def test_offline_alert_keeps_the_time_it_was_raised(client, db, login_as, employee):
    login_as("supervisor")
    raised = (utcnow() - timedelta(minutes=40)).replace(microsecond=0)
    alert_id = raise_one(client, employee, raised_at=raised.isoformat())
    alert = db.get(Alert, alert_id)
    assert alert.raised_at == raised
    assert alert.received_at - alert.raised_at >= timedelta(minutes=39)
    event = db.exec(select(AlertEvent).where(AlertEvent.alert_id == alert_id)).one()
    assert event.detail == "Envoyée après une coupure de réseau"


@pytest.mark.parametrize("offset", [timedelta(days=5), timedelta(hours=-3)])
def test_implausible_client_time_is_replaced_by_server_time(offset):
    now = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    assert service.accepted_raised_at(now - offset, now) == now


def test_alert_text_is_hidden_from_non_recipients(client, auth, login_as, make, structure, employee, users):
    login_as("supervisor")
    alert_id = raise_one(client, employee, type_code="logement")  # logement: the CIP only
    auth.logout()
    other_cip = make.user("counsellor", structure)
    auth.login(other_cip.email)
    assert client.get(f"/alertes/{alert_id}").status_code == 404
    assert "Mamadou" not in client.get("/alertes/").get_data(as_text=True)
    auth.logout()
    login_as("coordinator")
    assert client.get(f"/alertes/{alert_id}").status_code == 404
    auth.logout()
    login_as("director")
    assert client.get(f"/alertes/{alert_id}").status_code == 200


def test_alert_of_another_structure_answers_404(client, auth, login_as, make, employee):
    login_as("supervisor")
    alert_id = raise_one(client, employee)
    auth.logout()
    other = make.structure("Autre")
    auth.login(make.user("director", other).email)
    assert client.get(f"/alertes/{alert_id}").status_code == 404
    assert post(client, f"/alertes/{alert_id}/cloture", {"note": "x"}).status_code == 404


def test_lifecycle_seen_acknowledged_resolved_with_history(client, db, auth, login_as, employee, users):
    login_as("supervisor")
    alert_id = raise_one(client, employee)
    auth.logout()
    login_as("counsellor")
    inbox = client.get("/alertes/").get_data(as_text=True)
    assert "Mamadou Koné" in inbox and "▲▲▲ Critique" in inbox
    client.get(f"/alertes/{alert_id}")
    db.rollback()
    assert db.get(Alert, alert_id).status == "seen"
    response = post(client, f"/alertes/{alert_id}/prise-en-charge", htmx=True)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == f"/alertes/{alert_id}"
    db.rollback()
    alert = db.get(Alert, alert_id)
    assert (alert.status, alert.owner_id, alert.next_escalation_at) == ("acknowledged", users["counsellor"].id, None)
    response = post(client, f"/alertes/{alert_id}/cloture", {"note": "Pansement, visite médicale faite."})
    assert response.status_code == 303
    db.rollback()
    alert = db.get(Alert, alert_id)
    assert alert.status == "resolved" and alert.resolution_note == "Pansement, visite médicale faite."
    kinds = [(e.kind, e.actor_id) for e in db.exec(select(AlertEvent).where(AlertEvent.alert_id == alert_id)
                                                   .order_by(AlertEvent.id))]
    c, s = users["counsellor"].id, users["supervisor"].id
    assert kinds == [("raised", s), ("seen", c), ("acknowledged", c), ("resolved", c)]
    # The supervisor who raised it is told of the acknowledgement and of the resolution.
    raiser_jobs = db.exec(select(DeliveryJob.subject).where(DeliveryJob.user_id == s)).all()
    assert sorted(raiser_jobs) == ["Votre alerte est prise en charge — Terrain", "Votre alerte est résolue — Terrain"]


def test_acknowledging_twice_is_refused_in_french(client, db, auth, login_as, make, structure, employee, users):
    login_as("supervisor")
    alert_id = raise_one(client, employee, type_code="absence")  # absence: CIP and coordination
    auth.logout()
    login_as("coordinator")
    assert post(client, f"/alertes/{alert_id}/prise-en-charge").status_code == 303
    auth.logout()
    login_as("counsellor")
    response = post(client, f"/alertes/{alert_id}/prise-en-charge", htmx=True)
    assert response.status_code == 422
    assert "déjà prise en charge par" in response.get_data(as_text=True)
    db.rollback()
    alert = db.get(Alert, alert_id)
    assert alert.owner_id == users["coordinator"].id
    assert count(db, AlertEvent, AlertEvent.kind == "acknowledged") == 1


def test_resolving_without_note_is_refused_and_changes_nothing(client, db, auth, login_as, employee):
    login_as("supervisor")
    alert_id = raise_one(client, employee)
    auth.logout()
    login_as("counsellor")
    response = post(client, f"/alertes/{alert_id}/cloture", {"note": "  "}, htmx=True)
    assert response.status_code == 422
    assert "Prenez d'abord l'alerte en charge." in html.unescape(response.get_data(as_text=True))
    post(client, f"/alertes/{alert_id}/prise-en-charge")
    response = post(client, f"/alertes/{alert_id}/cloture", {"note": ""}, htmx=True)
    assert response.status_code == 422
    assert "Écrivez une courte note de clôture" in response.get_data(as_text=True)
    db.rollback()
    assert db.get(Alert, alert_id).status == "acknowledged"


def test_supervisor_cannot_acknowledge(client, login_as, employee):
    login_as("supervisor")
    alert_id = raise_one(client, employee)
    assert post(client, f"/alertes/{alert_id}/prise-en-charge").status_code == 403


def test_status_fragment_answers_204_when_nothing_changed(client, login_as, employee):
    login_as("supervisor")
    alert_id = raise_one(client, employee)
    first = client.get(f"/alertes/{alert_id}/statut", headers={"HX-Request": "true"})
    assert first.status_code == 200 and "<html" not in first.get_data(as_text=True)
    assert client.get(f"/alertes/{alert_id}/statut?v=raised-0-1", headers={"HX-Request": "true"}).status_code == 204


def test_badge_counts_alerts_waiting_for_the_counsellor(client, auth, login_as, employee):
    login_as("supervisor")
    raise_one(client, employee, client_key=client_key("a"))
    raise_one(client, employee, client_key=client_key("b"), type_code="logement")
    auth.logout()
    login_as("counsellor")
    assert ">2<" in client.get("/alertes/badge", headers={"HX-Request": "true"}).get_data(as_text=True)


def test_waiting_alert_shows_a_banner_with_one_tap_to_take_it_in_charge(client, db, auth, login_as, employee):
    login_as("supervisor")
    alert_id = raise_one(client, employee, type_code="violence")
    raiser_view = client.get("/alertes/badge", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Je prends en charge" not in raiser_view  # the raiser is not a recipient
    auth.logout()
    login_as("counsellor")
    body = client.get("/alertes/badge", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'id="urgent-banner"' in body and 'hx-swap-oob="true"' in body
    assert "Mamadou Koné" in body and "Violence, agression, conflit grave" in body
    assert f'action="/alertes/{alert_id}/prise-en-charge"' in body and "Je prends en charge" in body
    token = body.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post(f"/alertes/{alert_id}/prise-en-charge", data={"csrf_token": token}).status_code == 303
    db.rollback()
    assert db.get(Alert, alert_id).status == "acknowledged"
    after = client.get("/alertes/badge", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Je prends en charge" not in after and 'id="urgent-banner"' in after  # the banner empties


def test_push_subscription_is_stored_for_the_user(client, db, login_as, users):
    from tests.conftest import csrf_token
    from webapp.models import PushSubscription

    login_as("counsellor")
    payload = {"endpoint": "https://fcm.googleapis.com/fcm/send/abc", "keys": {"p256dh": "B" * 87, "auth": "a" * 22}}
    response = client.post("/alertes/abonnements", json=payload, headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 201
    assert db.exec(select(PushSubscription)).one().user_id == users["counsellor"].id
    for endpoint in ("ftp://x", "https://intranet.example.org/admin", "https://fcm.googleapis.com.evil.example/x"):
        bad = client.post("/alertes/abonnements", json={**payload, "endpoint": endpoint},
                          headers={"X-CSRFToken": csrf_token(client)})
        assert bad.status_code == 422


def test_director_sees_response_times_per_month(client, db, login_as, structure, employee, users):
    base = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
    with writing():
        for n, wait in enumerate([4, 10, 30]):
            db.add(Alert(structure_id=structure.id, employee_id=employee.id, type_code="accident", severity="critique",
                         raised_by_id=users["supervisor"].id, raised_at=base, received_at=base, client_key=f"m{n}",
                         status="acknowledged", acknowledged_at=base + timedelta(minutes=wait)))
        db.commit()
    figures = service.response_times(db, structure.id, now=base + timedelta(days=10))
    assert [(f.month, f.count, f.median_minutes, f.worst_minutes) for f in figures] == [("2026-10", 3, 10, 30)]
    login_as("director")
    page = client.get("/alertes/").get_data(as_text=True)
    assert "Délais de prise en charge" in page


def test_director_sets_escalation_delays(client, db, login_as, structure):
    login_as("director")
    response = post(client, "/alertes/reglages", {"critique": "5", "haute": "20", "moyenne": "90"})
    assert response.status_code == 303
    assert service.escalation_delays(db, structure.id) == {"critique": 5, "haute": 20, "moyenne": 90}
    bad = post(client, "/alertes/reglages", {"critique": "0", "haute": "20", "moyenne": "90"}, htmx=True)
    assert bad.status_code == 422 and "Entre 1 et 1440 minutes." in bad.get_data(as_text=True)


def test_director_chooses_who_is_alerted_for_a_situation(client, db, auth, login_as, structure, employee, users):
    login_as("director")
    data = {"critique": "10", "haute": "30", "moyenne": "120", "roles-logement": ["coordination", "bogus"]}
    assert post(client, "/alertes/reglages", data).status_code == 303
    roles = service.type_roles(db, structure.id)
    assert roles["logement"] == ("coordination",)
    assert roles["accident"] == ()  # unchecked: only the referent CIP now
    auth.logout()
    login_as("supervisor")
    alert_id = raise_one(client, employee, type_code="logement")
    db.rollback()
    recipients = set(db.exec(select(AlertRecipient.user_id).where(AlertRecipient.alert_id == alert_id)).all())
    assert recipients == {users["counsellor"].id, users["coordinator"].id}


def test_every_counsellor_is_alerted_when_the_employee_has_no_referent(client, db, login_as, make, structure, users):
    second = make.user("counsellor", structure)
    orphan = make.employee(structure, referent_eti_id=users["supervisor"].id)
    login_as("supervisor")
    alert_id = raise_one(client, orphan, type_code="logement")
    db.rollback()
    recipients = set(db.exec(select(AlertRecipient.user_id).where(AlertRecipient.alert_id == alert_id)).all())
    assert recipients == {users["counsellor"].id, second.id}


def test_alert_kept_on_a_shared_phone_is_not_sent_by_another_account(client, db, login_as, employee, users):
    login_as("coordinator")
    response = post(client, "/alertes/nouvelle", alert_form(employee, raiser_id=str(users["supervisor"].id)))
    assert response.status_code == 409
    assert count(db, Alert) == 0


def test_inbox_lists_the_most_urgent_open_alerts_and_says_how_many_wait(client, db, login_as, employee, users,
                                                                         monkeypatch):
    monkeypatch.setattr(service, "OPEN_LIMIT", 3)
    with writing():
        for n, code in enumerate(("absence", "accident", "logement", "absence", "accident")):
            service.raise_alert(db=db, raiser=users["supervisor"], employee_id=employee.id, type_code=code,
                                client_key=f"inbox-{n}")
        db.commit()
    login_as("counsellor")
    listed = service.inbox(db, users["counsellor"])
    assert listed.open_total == 5 and len(listed.open_rows) == 3
    assert [r.alert.severity for r in listed.open_rows][0] == "critique"
    body = client.get("/alertes/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "En cours (5)" in body and "2 autre(s) alerte(s) en cours" in body

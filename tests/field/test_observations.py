"""Observations, photos, the parcours timeline and the counsellor's feed."""
import html
import io
import re
import uuid
from datetime import date, timedelta

import pytest
from PIL import Image
from sqlalchemy import event
from sqlmodel import select

from tests.conftest import client_key, post
from webapp.domain.field import pathway
from webapp.models import Attendance, Instruction, InstructionAck, Observation, ObservationEmployee, Photo, utcnow
from webapp.platform.db import get_engine, writing
from webapp.platform.photos import PhotoError, clean_image


def jpeg_bytes(size=(800, 600), with_gps=True) -> bytes:
    """A JPEG carrying EXIF metadata (including a GPS block) as a phone would produce."""
    image = Image.new("RGB", size, (40, 120, 60))
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    if with_gps:
        exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 7.0)}
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def observation(people, key=client_key("o"), **overrides):
    data = {"client_key": key, "employee_ids": [str(p.id) for p in people], "category": "technique",
            "tone": "positive", "visibility": "team", "text": "A taillé la haie seul, travail propre.",
            "observed_on": date.today().isoformat()}
    data.update(overrides)
    return data


def test_observation_about_one_employee_is_recorded_once(client, login_as, crew, db):
    login_as("supervisor")
    amina = crew["people"][0]
    first = post(client, "/observations/", observation([amina]), htmx=True)
    second = post(client, "/observations/", observation([amina]), htmx=True)
    assert first.status_code == second.status_code == 200
    body = first.get_data(as_text=True)
    assert "Observation enregistrée pour Amina Test" in body and "<html" not in body
    assert len(db.exec(select(Observation)).all()) == 1


def test_group_observation_is_stored_once_and_linked_to_each(client, login_as, crew, db):
    login_as("supervisor")
    people = crew["people"][:3]
    post(client, "/observations/", observation(people, text="Bonne entraide pour décharger le camion."), htmx=True)
    obs = db.exec(select(Observation)).one()
    links = db.exec(select(ObservationEmployee).where(ObservationEmployee.observation_id == obs.id)).all()
    assert {link.employee_id for link in links} == {p.id for p in people}
    for person in people:
        timeline = client.get(f"/salaries/{person.id}/parcours").get_data(as_text=True)
        assert "Bonne entraide pour décharger le camion." in timeline
        assert "Observation de groupe" in timeline


def test_new_observation_form_preselects_the_employee_and_hints_respectful_wording(client, login_as, crew):
    login_as("supervisor")
    amina = crew["people"][0]
    body = client.get(f"/observations/nouvelle?salarie={amina.id}").get_data(as_text=True)
    assert f'id="oe-{amina.id}" name="employee_ids" value="{amina.id}" checked' in body
    assert "aucun diagnostic" in body
    assert 'value="neutre" checked' in body


@pytest.mark.parametrize("overrides,field,message", [
    ({"text": ""}, "text", "Écrivez quelques mots"),
    ({"text": "x" * 2001}, "text", "2000 caractères"),
    ({"observed_on": "tomorrow"}, "observed_on", "futur"),
    ({"category": ""}, "category", "Choisissez une catégorie"),
    ({"tone": "furieux"}, "tone", "Choisissez un ton"),
    ({"visibility": "tout le monde"}, "visibility", "qui pourra lire"),
    ({"employee_ids": []}, "employees", "au moins une personne"),
])
def test_invalid_observation_answers_422_with_message_and_kept_text(client, login_as, crew, db, overrides, field,
                                                                     message):
    login_as("supervisor")
    if overrides.get("observed_on") == "tomorrow":  # computed now: the collection may have run before midnight
        overrides = {"observed_on": (date.today() + timedelta(days=1)).isoformat()}
    data = observation(crew["people"][:1], **overrides)
    if "text" not in overrides:
        data["text"] = "Texte gardé malgré l'erreur"
    response = post(client, "/observations/", data, htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body and f'id="{field}-error"' in body
    if "text" not in overrides:
        assert "Texte gardé malgré l&#39;erreur" in body
    assert db.exec(select(Observation)).all() == []


def test_observation_about_another_structures_employee_is_404(client, login_as, crew, make, db):
    foreign = make.employee(make.structure("Autre"))
    login_as("supervisor")
    assert post(client, "/observations/", observation([foreign]), htmx=True).status_code == 404
    assert client.get(f"/observations/nouvelle?salarie={foreign.id}").status_code == 404
    assert client.get(f"/salaries/{foreign.id}/parcours").status_code == 404


def test_photo_is_stripped_resized_and_served_only_through_the_route(app, client, login_as, crew, db):
    login_as("supervisor")
    amina = crew["people"][0]
    data = observation([amina])
    data["photo"] = (io.BytesIO(jpeg_bytes(size=(3000, 2000))), "IMG_0001.JPG", "image/jpeg")
    response = post(client, "/observations/", data, htmx=True, content_type="multipart/form-data")
    assert response.status_code == 200
    obs = db.exec(select(Observation)).one()
    photo = db.get(Photo, obs.photo_id)
    assert max(photo.width, photo.height) == 1600
    assert "IMG_0001" not in photo.filename
    served = client.get(f"/observations/{obs.id}/photo")
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Disposition"].startswith("inline")
    stored = Image.open(io.BytesIO(served.data))
    assert not stored.getexif()
    assert "exif" not in stored.info


@pytest.mark.parametrize("payload,name,message", [
    (b"%PDF-1.4 not a picture", "photo.jpg", "pas une photo lisible"),
    (b"GIF89a" + b"\x00" * 100, "anim.gif", "pas une photo lisible"),
])
def test_non_image_upload_is_refused_with_text_kept(client, login_as, crew, db, payload, name, message):
    login_as("supervisor")
    data = observation(crew["people"][:1], text="Texte à garder")
    data["photo"] = (io.BytesIO(payload), name, "image/jpeg")
    response = post(client, "/observations/", data, htmx=True, content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body and "Texte à garder" in body
    assert db.exec(select(Observation)).all() == [] and db.exec(select(Photo)).all() == []


def test_oversized_photo_is_refused(client, login_as, crew, db, monkeypatch):
    # The limit is lowered so that the test client does not spool a 10 MB body to a temporary file.
    monkeypatch.setattr("webapp.platform.photos.MAX_BYTES", 4096)
    login_as("supervisor")
    data = observation(crew["people"][:1])
    data["photo"] = (io.BytesIO(jpeg_bytes() + b"0" * 5000), "big.jpg", "image/jpeg")
    response = post(client, "/observations/", data, htmx=True, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "10 Mo" in response.get_data(as_text=True)


def test_clean_image_accepts_png_webp_and_heic():

    for fmt in ("PNG", "WEBP", "HEIF"):
        out = io.BytesIO()
        Image.new("RGB", (20, 10), (1, 2, 3)).save(out, format=fmt)
        jpeg, width, height = clean_image(out.getvalue())
        assert jpeg[:2] == b"\xff\xd8" and (width, height) == (20, 10)
    with pytest.raises(PhotoError):
        clean_image(b"<svg xmlns='http://www.w3.org/2000/svg'/>")


def test_supervisor_never_receives_a_restricted_observation(client, login_as, crew, db, users, auth):
    amina = crew["people"][0]
    login_as("counsellor")
    post(client, "/observations/", observation([amina], key=client_key("r"), visibility="restricted",
                                               text="SECRET-CIP démarches de logement"), htmx=True)
    post(client, "/observations/", observation([amina], key=client_key("t"), text="VISIBLE-EQUIPE bonne tonte"), htmx=True)
    restricted = db.exec(select(Observation).where(Observation.visibility == "restricted")).one()
    assert "SECRET-CIP" in client.get(f"/salaries/{amina.id}/parcours").get_data(as_text=True)
    auth.logout()
    login_as("supervisor")
    pages = [client.get(url).get_data(as_text=True) for url in (
        "/", "/aujourdhui/", f"/salaries/{amina.id}", f"/salaries/{amina.id}/parcours",
        f"/salaries/{amina.id}/parcours?type=observation", f"/observations/nouvelle?salarie={amina.id}")]
    pages.append(client.get(f"/salaries/{amina.id}/parcours", headers={"HX-Request": "true"}).get_data(as_text=True))
    assert all("SECRET-CIP" not in page for page in pages)
    assert "VISIBLE-EQUIPE" in pages[3]
    assert client.get(f"/observations/{restricted.id}/photo").status_code == 404
    assert client.get(f"/observations/{restricted.id}/corriger").status_code == 404
    assert client.get("/observations/fil").status_code == 403


def test_supervisor_writing_a_restricted_observation_gets_no_copy_back(client, login_as, crew, db):
    login_as("supervisor")
    response = post(client, "/observations/", observation(crew["people"][:1], visibility="restricted",
                                                          text="CONFIDENTIEL horaires de soins"), htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "transmise à la CIP et à la direction" in body
    assert "CONFIDENTIEL" not in body


def test_last_observation_date_on_today_ignores_restricted_for_supervisor(client, login_as, crew, db, users):
    amina = crew["people"][0]
    with writing():
        obs = Observation(structure_id=amina.structure_id, author_id=users["counsellor"].id,
                          observed_on=date.today() - timedelta(days=1), category="autre", tone="neutre",
                          text="x", visibility="restricted", client_key=client_key("z"))
        db.add(obs)
        db.flush()
        db.add(ObservationEmployee(observation_id=obs.id, employee_id=amina.id, structure_id=amina.structure_id))
        db.commit()
    login_as("supervisor")
    body = client.get("/aujourdhui/").get_data(as_text=True)
    assert (date.today() - timedelta(days=1)).strftime("%d/%m/%Y") not in body


def test_correction_keeps_history_and_replaces_the_current_version(client, login_as, crew, db):
    login_as("supervisor")
    amina = crew["people"][0]
    post(client, "/observations/", observation([amina], text="A oublié ses gants."), htmx=True)
    original = db.exec(select(Observation)).one()
    form = client.get(f"/observations/{original.id}/corriger").get_data(as_text=True)
    assert "A oublié ses gants." in form
    response = post(client, f"/observations/{original.id}/corriger",
                    observation([amina], key=client_key("c"), text="A oublié ses gants le matin, les a mis ensuite."),
                    htmx=True)
    assert response.status_code == 200
    db.rollback()
    rows = db.exec(select(Observation).order_by(Observation.id)).all()
    assert [r.text for r in rows] == ["A oublié ses gants.", "A oublié ses gants le matin, les a mis ensuite."]
    assert rows[1].corrects_id == rows[0].id and rows[1].root_id == rows[0].id
    timeline = client.get(f"/salaries/{amina.id}/parcours").get_data(as_text=True)
    assert timeline.count("les a mis ensuite") == 1
    assert "Versions précédentes (1)" in timeline and "<s>A oublié ses gants.</s>" in timeline
    again = post(client, f"/observations/{original.id}/corriger", observation([amina], key=client_key("d")), htmx=True)
    assert again.status_code == 422


def test_only_the_author_may_correct(client, login_as, crew, db, auth):
    login_as("supervisor")
    post(client, "/observations/", observation(crew["people"][:1]), htmx=True)
    obs = db.exec(select(Observation)).one()
    auth.logout()
    login_as("counsellor")
    assert client.get(f"/observations/{obs.id}/corriger").status_code == 404


def _history(db, employee, author, days: int, per_day: int = 2):
    """Years of observations and absences for one employee."""
    with writing():
        for n in range(days):
            day = date.today() - timedelta(days=n)
            for k in range(per_day):
                obs = Observation(structure_id=employee.structure_id, author_id=author.id, observed_on=day,
                                  category="technique", tone="neutre", text=f"Jour {n} note {k}",
                                  client_key=uuid.uuid4().hex)
                db.add(obs)
                db.flush()
                db.add(ObservationEmployee(observation_id=obs.id, employee_id=employee.id,
                                           structure_id=employee.structure_id))
            if n % 7 == 3:
                db.add(Attendance(structure_id=employee.structure_id, employee_id=employee.id, day=day,
                                  status="absent", recorded_by_id=author.id))
        db.commit()


def test_timeline_pages_by_keyset_without_gaps_or_duplicates(db, crew, users):
    amina = crew["people"][0]
    _history(db, amina, users["supervisor"], days=40)
    seen, cursor = [], None
    while True:
        entries, cursor = pathway.timeline(db, user=users["counsellor"], employee=amina, cursor=cursor, limit=7)
        seen += [(e.kind, e.id) for e in entries]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 40 * 2 + len([n for n in range(40) if n % 7 == 3])
    days = [e for e in seen]
    assert days  # ordered check below
    entries, _ = pathway.timeline(db, user=users["counsellor"], employee=amina, limit=200)
    keys = [e.sort_key for e in entries]
    assert keys == sorted(keys, reverse=True)


def test_timeline_filters_by_kind_and_period(db, crew, users):
    amina = crew["people"][0]
    _history(db, amina, users["supervisor"], days=20)
    entries, _ = pathway.timeline(db, user=users["supervisor"], employee=amina, kinds={"attendance"}, limit=100)
    assert {e.kind for e in entries} == {"attendance"} and len(entries) == 3
    start = date.today() - timedelta(days=2)
    entries, _ = pathway.timeline(db, user=users["supervisor"], employee=amina, start=start, limit=100)
    assert all(e.day >= start for e in entries) and len(entries) == 6


def test_timeline_query_count_does_not_grow_with_history(app, client, login_as, crew, db, users):
    amina = crew["people"][0]
    login_as("supervisor")
    counts = []
    for days in (3, 200):
        _history(db, amina, users["supervisor"], days=days, per_day=1)
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(get_engine(app), "before_cursor_execute", listener)
        try:
            response = client.get(f"/salaries/{amina.id}/parcours", headers={"HX-Request": "true"})
            assert response.status_code == 200
        finally:
            event.remove(get_engine(app), "before_cursor_execute", listener)
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_timeline_next_page_fragment(client, login_as, crew, db, users):
    amina = crew["people"][0]
    _history(db, amina, users["supervisor"], days=30)
    login_as("supervisor")
    first = client.get(f"/salaries/{amina.id}/parcours", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Plus ancien" in first
    cursor = first.split("apres=")[1].split('"')[0]
    second = client.get(f"/salaries/{amina.id}/parcours?apres={cursor}", headers={"HX-Request": "true"})
    assert second.status_code == 200
    assert 'class="timeline"' not in second.get_data(as_text=True)
    assert "<li" in second.get_data(as_text=True)


def test_counsellor_feed_puts_worrying_observations_first(client, login_as, crew, db, auth):
    amina, bruno = crew["people"][:2]
    login_as("supervisor")
    post(client, "/observations/", observation([amina], key=client_key("a"), text="Première positive"), htmx=True)
    post(client, "/observations/", observation([bruno], key=client_key("b"), tone="preoccupante",
                                               text="Fatigue visible, s'est assis souvent"), htmx=True)
    post(client, f"/aujourdhui/presences/{amina.id}", {"status": "absent"}, htmx=True)
    auth.logout()
    login_as("counsellor")
    body = client.get("/observations/fil").get_data(as_text=True)
    assert body.index("Fatigue visible") < body.index("Première positive")
    assert "Absent(e)" in body
    response = post(client, "/observations/fil/lu", {}, htmx=True)
    assert "Rien de nouveau" in response.get_data(as_text=True)


def test_counsellor_feed_counts_what_is_unread_before_the_notes_and_keeps_tout_est_lu_at_hand(client, login_as,
                                                                                              crew, auth):
    amina, bruno = crew["people"][:2]
    login_as("supervisor")
    for n, person in enumerate((amina, bruno, amina)):
        post(client, "/observations/", observation([person], key=client_key(f"u{n}"), text=f"Note {n}"), htmx=True)
    post(client, f"/aujourdhui/presences/{bruno.id}", {"status": "late", "late_minutes": "15"}, htmx=True)
    auth.logout()
    login_as("counsellor")
    body = client.get("/observations/fil").get_data(as_text=True)
    summary = body.index('aria-label="À lire"')
    assert summary < body.index("3 observation(s)") < body.index("1 absence(s), retard(s)") < body.index("Note 2")
    assert "consigne(s) non comprise(s)" not in body  # nothing to read there: no chip
    assert 'class="sticky-actions feed-read"' in body


def test_counsellor_feed_lists_the_unacknowledged_consignes_and_absences_of_the_followed_people(
        client, login_as, crew, make, structure, db, users):
    """Only the followed people's consignes left unacknowledged before today, and their absences and lateness."""
    amina, bruno = crew["people"][:2]
    other = make.employee(structure, first_name="Pas", last_name="Suivi")
    today = date.today()
    with writing():
        for person, days_ago, text, acknowledged in ((amina, 1, "GANTS-HIER", False), (bruno, 3, "HARNAIS", False),
                                                     (amina, 2, "DEJA-COMPRISE", True), (amina, 0, "DU-JOUR", False),
                                                     (other, 1, "NON-SUIVI", False), (amina, 40, "TROP-ANCIENNE", False)):
            instruction = Instruction(structure_id=structure.id, day=today - timedelta(days=days_ago),
                                      category="securite", text=text, given_by_id=users["supervisor"].id,
                                      client_key=uuid.uuid4().hex)
            db.add(instruction)
            db.flush()
            db.add(InstructionAck(structure_id=structure.id, instruction_id=instruction.id, employee_id=person.id,
                                  acknowledged_at=utcnow() if acknowledged else None))
        for person, days_ago, status, late in ((bruno, 2, "late", 25), (amina, 1, "absent", None),
                                               (amina, 3, "present", None), (other, 1, "absent", None)):
            db.add(Attendance(structure_id=structure.id, employee_id=person.id, day=today - timedelta(days=days_ago),
                              status=status, late_minutes=late, recorded_by_id=users["supervisor"].id))
        db.commit()
    login_as("counsellor")
    body = client.get("/observations/fil").get_data(as_text=True)
    acks = body[body.index('id="feed-acks"'):body.index('id="feed-abs"')]
    assert "Consignes non comprises (2)" in acks
    assert acks.index("GANTS-HIER") < acks.index("HARNAIS")  # newest first
    assert "Amina Test" in acks and "Bruno Test" in acks
    for hidden in ("DEJA-COMPRISE", "DU-JOUR", "NON-SUIVI", "TROP-ANCIENNE"):
        assert hidden not in body, hidden
    absences = body[body.index('id="feed-abs"'):]
    assert "Absences et retards (2)" in absences
    assert absences.index("Amina Test") < absences.index("Bruno Test") and "25 min" in absences
    assert "Pas Suivi" not in absences


def test_counsellor_feed_only_shows_followed_employees(client, login_as, crew, make, structure, db, auth):
    other = make.employee(structure, first_name="Pas", last_name="Suivi")
    login_as("supervisor")
    post(client, "/observations/", observation([other], text="HORS-SUIVI"), htmx=True)
    auth.logout()
    login_as("counsellor")
    assert "HORS-SUIVI" not in client.get("/observations/fil").get_data(as_text=True)


def test_employee_page_loads_the_timeline_lazily(client, login_as, crew):
    login_as("supervisor")
    amina = crew["people"][0]
    body = client.get(f"/salaries/{amina.id}").get_data(as_text=True)
    assert f'hx-get="/salaries/{amina.id}/parcours"' in body
    assert "Nouvelle observation" in body


def test_refused_or_repeated_capture_leaves_no_stray_photo_file(app, client, login_as, crew, db):
    from pathlib import Path

    login_as("supervisor")
    folder = Path(app.config["UPLOAD_FOLDER"])
    bad = observation(crew["people"][:1], text="")
    bad["photo"] = (io.BytesIO(jpeg_bytes()), "a.jpg", "image/jpeg")
    assert post(client, "/observations/", bad, htmx=True, content_type="multipart/form-data").status_code == 422
    assert not folder.exists() or not any(folder.rglob("*.jpg"))
    for _ in range(2):
        data = observation(crew["people"][:1])
        data["photo"] = (io.BytesIO(jpeg_bytes()), "a.jpg", "image/jpeg")
        assert post(client, "/observations/", data, htmx=True, content_type="multipart/form-data").status_code == 200
    assert len(list(folder.rglob("*.jpg"))) == 1
    assert len(db.exec(select(Photo)).all()) == 1


def test_timeline_shows_attendance_rates(client, login_as, crew, db, users):
    amina = crew["people"][0]
    with writing():
        for n, status in enumerate(["present", "present", "present", "absent"]):
            db.add(Attendance(structure_id=amina.structure_id, employee_id=amina.id,
                              day=date.today() - timedelta(days=n + 1), status=status,
                              recorded_by_id=users["supervisor"].id))
        db.commit()
    login_as("supervisor")
    body = client.get(f"/salaries/{amina.id}/parcours", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<strong>75 %</strong> · 1 absence, 0 retard" in body


def test_consigne_with_photo_is_served_to_staff(client, login_as, crew, db, auth):
    from webapp.models import Instruction

    login_as("supervisor")
    data = {"client_key": client_key("p"), "category": "qualite", "text": "Ranger comme sur la photo", "target": "all",
            "photo": (io.BytesIO(jpeg_bytes()), "rangement.jpg", "image/jpeg")}
    response = post(client, "/consignes/", data, htmx=True, content_type="multipart/form-data")
    assert response.status_code == 200 and "Voir la photo" in response.get_data(as_text=True)
    instruction = db.exec(select(Instruction)).one()
    auth.logout()
    login_as("counsellor")
    served = client.get(f"/consignes/{instruction.id}/photo")
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/jpeg"


def test_feed_query_count_does_not_grow_with_observations(app, client, login_as, crew, db, users):
    login_as("counsellor")
    counts = []
    for days in (2, 40):
        _history(db, crew["people"][0], users["supervisor"], days=days, per_day=1)
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(get_engine(app), "before_cursor_execute", listener)
        try:
            assert client.get("/observations/fil").status_code == 200
        finally:
            event.remove(get_engine(app), "before_cursor_execute", listener)
        counts.append(len(statements))
    assert counts[0] == counts[1]


def _restricted(db, employees, author, count: int):
    """`count` observations reserved to the CIP, spread over the given employees, written now."""
    with writing():
        for n in range(count):
            employee = employees[n % len(employees)]
            obs = Observation(structure_id=employee.structure_id, author_id=author.id, observed_on=date.today(),
                              category="sante_travail", tone="neutre", text=f"Note réservée {n}",
                              visibility="restricted", client_key=uuid.uuid4().hex)
            db.add(obs)
            db.flush()
            db.add(ObservationEmployee(observation_id=obs.id, employee_id=employee.id,
                                       structure_id=employee.structure_id))
        db.commit()


@pytest.mark.parametrize("url", ["/observations/fil", "timeline"])
def test_tracing_restricted_reads_does_not_reload_the_page_row_by_row(app, client, login_as, crew, db, users, url):
    login_as("counsellor")
    people = crew["people"]
    path = f"/salaries/{people[0].id}/parcours" if url == "timeline" else url
    counts = []
    for count in (1, 12):
        _restricted(db, people if url != "timeline" else people[:1], users["supervisor"], count)
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(get_engine(app), "before_cursor_execute", listener)
        try:
            response = client.get(path)
            assert response.status_code == 200 and "Note réservée" in response.get_data(as_text=True)
        finally:
            event.remove(get_engine(app), "before_cursor_execute", listener)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_feed_pages_by_keyset_worrying_first_without_gaps_or_duplicates(client, login_as, crew, db, users):
    people = crew["people"]
    with writing():
        for n in range(25):
            obs = Observation(structure_id=people[0].structure_id, author_id=users["supervisor"].id,
                              observed_on=date.today(), category="technique",
                              tone="preoccupante" if n % 5 == 0 else "neutre", text=f"Note de fil {n:02d}",
                              client_key=uuid.uuid4().hex)
            db.add(obs)
            db.flush()
            db.add(ObservationEmployee(observation_id=obs.id, employee_id=people[n % 4].id,
                                       structure_id=obs.structure_id))
        db.commit()
    login_as("counsellor")
    first = client.get("/observations/fil").get_data(as_text=True)
    shown = re.findall(r"Note de fil (\d\d)", first)
    assert len(shown) == 20 and set(shown[:5]) == {"00", "05", "10", "15", "20"}  # préoccupantes first
    following = re.search(r'hx-get="(/observations/fil\?apres=[^"]+)"', first).group(1)
    rest = client.get(html.unescape(following), headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in rest and "apres=" not in rest
    assert sorted(shown + re.findall(r"Note de fil (\d\d)", rest)) == [f"{n:02d}" for n in range(25)]


def test_feed_with_a_malformed_cursor_shows_the_first_page(client, login_as, crew):
    login_as("counsellor")
    assert client.get("/observations/fil?apres=pas-un-curseur").status_code == 200


def test_feed_reads_past_a_window_of_corrected_notes_without_gaps(client, login_as, crew, db, users):
    """Thirty « préoccupante » notes, each corrected into a « neutre » one: the old versions rank first among the
    candidates and are never shown, so the feed reads more windows until it has its page."""
    people = crew["people"]
    with writing():
        for n in range(30):
            kept = dict(structure_id=people[0].structure_id, author_id=users["supervisor"].id,
                        observed_on=date.today(), category="technique")
            old = Observation(**kept, tone="preoccupante", text=f"Première version {n:02d}",
                              client_key=uuid.uuid4().hex)
            db.add(old)
            db.flush()
            new = Observation(**kept, tone="neutre", text=f"Version corrigée {n:02d}", client_key=uuid.uuid4().hex,
                              corrects_id=old.id, root_id=old.id)
            db.add(new)
            db.flush()
            for note in (old, new):  # about two followed people: counted once
                for person in people[:2]:
                    db.add(ObservationEmployee(observation_id=note.id, employee_id=person.id,
                                               structure_id=note.structure_id))
        db.commit()
    login_as("counsellor")
    first = client.get("/observations/fil").get_data(as_text=True)
    shown = re.findall(r"Version corrigée (\d\d)", first)
    assert len(shown) == 20 and len(set(shown)) == 20
    following = re.search(r'hx-get="(/observations/fil\?apres=[^"]+)"', first).group(1)
    rest = client.get(html.unescape(following), headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "apres=" not in rest
    assert sorted(shown + re.findall(r"Version corrigée (\d\d)", rest)) == [f"{n:02d}" for n in range(30)]

"""The supervisor's day on a Pixel 7: attendance and consignes, observations with a photo, production."""
import io
from datetime import date

import pytest
from PIL import Image
from sqlmodel import select

from tests.browser.conftest import (
    assert_no_horizontal_scroll,
    check_accessibility,
    login,
    screenshot,
)
from webapp.models import Instruction
from webapp.routes._web.forms import parse_key

pytestmark = pytest.mark.browser


def photo_file(tmp_path):
    """A JPEG made by Pillow, as the phone camera would hand it over."""
    path = tmp_path / "chantier.jpg"
    image = Image.new("RGB", (1200, 900), (60, 130, 70))
    image.paste((200, 180, 40), (300, 200, 800, 600))
    out = io.BytesIO()
    image.save(out, format="JPEG")
    path.write_bytes(out.getvalue())
    return path


def test_supervisor_marks_attendance_and_gives_a_consigne(phone, users, crew):
    today = date.today().isoformat()
    amina, bruno, chloe, daouda = crew["people"]
    login(phone, users["supervisor"].email)
    phone.get_by_role("heading", name="Aujourd'hui").wait_for()
    check_accessibility(phone)
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "today")
    for person in (amina, chloe, daouda):
        form = phone.locator(f"#att-{person.id}-{today}")
        form.get_by_role("button", name="Présent").click()
        form.locator("button[aria-pressed=true]", has_text="Présent").wait_for()
    late = phone.locator(f"#att-{bruno.id}-{today}")
    late.get_by_role("button", name="Retard", exact=True).click()
    late.get_by_role("button", name="10 min").click()
    late.get_by_text("Retard : 10 min").wait_for()

    phone.get_by_label("Consigne", exact=True).fill("Gants obligatoires pour le ramassage des branches")
    phone.locator("label[for=ic-epi]").click()
    phone.get_by_role("button", name="Donner la consigne").click()
    card = phone.locator("#instruction-list article").first
    card.get_by_text("compris par 0/4").wait_for()
    assert phone.get_by_label("Consigne", exact=True).input_value() == ""
    card.get_by_role("button", name="Amina Test").click()
    card.get_by_text("compris par 1/4").wait_for()
    card = phone.locator("#instruction-list article").first
    card.get_by_role("button", name="Bruno Test").click()
    card.get_by_text("compris par 2/4").wait_for()
    check_accessibility(phone)
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "today-after-captures")
    phone.reload()
    phone.get_by_text("compris par 2/4").wait_for()


def test_supervisor_records_observations_and_finds_them_on_timelines(phone, users, crew, tmp_path):
    amina, bruno, chloe, daouda = crew["people"]
    login(phone, users["supervisor"].email)
    phone.get_by_role("link", name=f"Observer {amina.full_name}").click()
    phone.get_by_role("heading", name="Nouvelle observation").wait_for()
    assert phone.locator(f"#oe-{amina.id}").is_checked()
    check_accessibility(phone)
    screenshot(phone, "observation-form")
    phone.locator("label[for=oc-technique]").click()
    phone.get_by_label("Ce que j'ai observé").fill("A affûté la lame seul et vérifié la sécurité avant de commencer.")
    phone.get_by_label("Photo (facultatif)").set_input_files(str(photo_file(tmp_path)))
    phone.get_by_role("button", name="Enregistrer l'observation").click()
    phone.get_by_text("Observation enregistrée pour Amina Test.").wait_for()
    check_accessibility(phone)
    screenshot(phone, "observation-saved")

    phone.goto("/observations/nouvelle")
    for person in (bruno, chloe, daouda):
        phone.locator(f"label[for=oe-{person.id}]").click()
    phone.locator("label[for=oc-relation]").click()
    phone.locator("label[for=ot-positive]").click()
    phone.get_by_label("Ce que j'ai observé").fill("Bonne entraide pour charger le camion en fin de journée.")
    phone.get_by_role("button", name="Enregistrer l'observation").click()
    phone.get_by_text("Observation enregistrée pour Bruno Test, Chloé Test, Daouda Test.").wait_for()

    phone.goto(f"/salaries/{amina.id}")
    phone.get_by_text("A affûté la lame seul").wait_for()
    image = phone.get_by_role("img", name="Photo jointe")
    image.wait_for()
    assert phone.evaluate("(img) => img.naturalWidth", image.element_handle()) > 0
    check_accessibility(phone)
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "employee-timeline")
    for person in (bruno, chloe, daouda):
        phone.goto(f"/salaries/{person.id}")
        phone.get_by_text("Bonne entraide pour charger le camion").wait_for()
        phone.get_by_text("Observation de groupe").wait_for()


def test_supervisor_records_the_days_production(phone, users, crew):
    login(phone, users["supervisor"].email)
    phone.get_by_role("link", name="Production").click()
    phone.get_by_role("heading", name="Production", exact=True).wait_for()
    phone.get_by_label("Travail ou commande").fill("Tonte du parc")
    phone.get_by_label("Client").fill("Ville")
    phone.get_by_label("Prévu").fill("1200")
    phone.get_by_label("Unité").fill("m²")
    phone.get_by_role("button", name="Ajouter").click()
    row = phone.locator("#task-list .task").first
    row.get_by_text("Tonte du parc").wait_for()
    assert phone.get_by_label("Travail ou commande").input_value() == ""
    row.get_by_label("Quantité faite (m²)").fill("950")
    row.get_by_role("button", name="Enregistrer").click()
    phone.locator("#task-list").get_by_text("Fait : 950 m²").wait_for()
    phone.get_by_label("Non-conformités, reprises").fill("Bordures à reprendre côté allée")
    phone.get_by_label("Météo, arrêts de chantier").fill("Averse à 15 h, arrêt 20 min")
    phone.get_by_role("button", name="Enregistrer les notes").click()
    phone.get_by_text("Notes du jour enregistrées.").wait_for()
    check_accessibility(phone)
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "production")
    phone.get_by_role("link", name="Bilan de la semaine").click()
    phone.get_by_text("Bordures à reprendre côté allée").wait_for()
    check_accessibility(phone)
    screenshot(phone, "production-week")


def test_secondary_field_screens_are_accessible(phone, users, crew, make, structure, browser, live_server):
    from datetime import timedelta

    amina = crew["people"][0]
    make.employee(structure, first_name="Zoé", last_name="Renfort")
    login(phone, users["supervisor"].email)
    phone.get_by_role("link", name="Équipe du jour").click()
    phone.get_by_role("button", name="Zoé Renfort").click()
    phone.locator("button[aria-pressed=true]", has_text="Zoé Renfort").wait_for()
    check_accessibility(phone)
    screenshot(phone, "team-of-the-day")
    monday = date.today() - timedelta(days=date.today().weekday())
    phone.goto(f"/aujourdhui/presences?jour={monday.isoformat()}")
    phone.locator(f"#att-{amina.id}-{monday.isoformat()}").get_by_role("button", name="Excusé").click()
    phone.locator(f"#att-{amina.id}-{monday.isoformat()}").locator("button[aria-pressed=true]").wait_for()
    check_accessibility(phone)
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "attendance-week")
    phone.goto(f"/observations/nouvelle?salarie={amina.id}")
    phone.get_by_label("Ce que j'ai observé").fill("x" * 10)
    phone.get_by_role("button", name="Enregistrer l'observation").click()
    phone.get_by_text("Choisissez une catégorie.").wait_for()
    assert phone.get_by_label("Ce que j'ai observé").input_value() == "x" * 10
    check_accessibility(phone)
    screenshot(phone, "observation-errors")
    phone.locator("label[for=oc-relation]").click()
    phone.locator("label[for=ot-preoccupante]").click()
    phone.get_by_label("Ce que j'ai observé").fill("S'est isolé(e) pendant la pause, peu d'échanges.")
    phone.get_by_role("button", name="Enregistrer l'observation").click()
    phone.get_by_text("Observation enregistrée pour Amina Test.").wait_for()

    counsellor = browser.new_context(base_url=live_server.url,
                                     viewport={"width": 412, "height": 839}, is_mobile=True, has_touch=True,
                                     device_scale_factor=2.625, locale="fr-FR")
    page = counsellor.new_page()
    login(page, users["counsellor"].email)
    page.get_by_role("link", name="Nouvelles du terrain").click()
    page.get_by_text("S'est isolé(e) pendant la pause").wait_for()
    check_accessibility(page)
    assert_no_horizontal_scroll(page)
    screenshot(page, "counsellor-feed")
    page.get_by_role("button", name="Tout est lu").click()
    page.get_by_text("Rien de nouveau.").wait_for()
    counsellor.close()


def test_a_capture_form_without_a_key_gets_one_from_the_phone(phone, users, crew, db):
    login(phone, users["supervisor"].email)
    phone.get_by_role("heading", name="Aujourd'hui").wait_for()
    # A form kept on the phone (or emptied) has no key left: terrain.js makes one with crypto.randomUUID().
    phone.locator("#instruction-form input[name=client_key]").evaluate("input => { input.value = ''; }")
    phone.get_by_label("Consigne", exact=True).fill("Casque obligatoire sous les arbres")
    phone.get_by_role("button", name="Donner la consigne").click()
    phone.locator("#instruction-list article").first.get_by_text("Casque obligatoire sous les arbres").wait_for()
    db.rollback()
    key = db.exec(select(Instruction.client_key).where(Instruction.text == "Casque obligatoire sous les arbres")).one()
    assert parse_key(key) == key and len(key) == 36

"""Follow-up in a real Chromium on a Pixel 7: a CIP prepares an intermediate bilan with the supervisor's
contribution, finalises and prints it; screens checked for accessibility, width and CSP."""
import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from tests.browser.conftest import (
    assert_no_horizontal_scroll,
    check_accessibility,
    login,
    screenshot,
)
from webapp.models import Attendance, Barrier, Goal, WorkConstraint

pytestmark = pytest.mark.browser


def watch_csp(page) -> list:
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    return violations


def checked(page, name: str) -> None:
    check_accessibility(page)
    assert_no_horizontal_scroll(page)
    screenshot(page, name)


@pytest.fixture
def followed(make, structure, users, crew):
    person = crew["people"][0]
    cip = users["counsellor"]
    for offset in range(1, 6):
        make._save(Attendance(structure_id=structure.id, employee_id=person.id,
                              day=date.today() - timedelta(days=offset), status="late" if offset == 2 else "present",
                              late_minutes=15 if offset == 2 else None, recorded_by_id=users["supervisor"].id))
    make._save(Barrier(structure_id=structure.id, employee_id=person.id, theme="mobilite",
                       situation="Dépendant des transports en commun", status="en_cours", detected_by_id=cip.id,
                       detected_on=date.today() - timedelta(days=20), history=[]))
    make._save(Goal(structure_id=structure.id, employee_id=person.id, text="Obtenir le permis de conduire",
                    due_date=date.today() + timedelta(days=25), next_step="Inscription au code",
                    agreed_on=date.today() - timedelta(days=10), created_by_id=cip.id))
    make._save(WorkConstraint(structure_id=structure.id, employee_id=person.id, text="Pas de port de charges",
                              created_by_id=cip.id))
    return person


def test_cip_prepares_an_intermediate_bilan_with_the_supervisor_contribution_and_prints_it(
        phone, browser, playwright_instance, live_server, users, followed):
    violations = watch_csp(phone)
    login(phone, users["counsellor"].email)
    phone.goto(f"/suivi/salaries/{followed.id}")
    checked(phone, "followup-employee-cip")
    due = phone.locator("li.review-due", has_text="Bilan intermédiaire")
    due.get_by_role("button", name="Ouvrir ce bilan").click()
    phone.wait_for_url("**/bilans/*")
    review_url = phone.url

    supervisor_context = browser.new_context(**playwright_instance.devices["Pixel 7"], locale="fr-FR",
                                             base_url=live_server.url)
    supervisor = supervisor_context.new_page()
    supervisor_violations = watch_csp(supervisor)
    login(supervisor, users["supervisor"].email)
    supervisor.goto("/bilans/")
    checked(supervisor, "followup-reviews-supervisor")
    supervisor.goto(review_url)
    supervisor.get_by_label("Technique").fill("Taille les haies seul, range le matériel.")
    supervisor.get_by_label("Points à travailler").fill("Port des gants en fin de journée.")
    supervisor.get_by_label("Proposition").fill("Renouvellement du contrat.")
    supervisor.get_by_role("button", name="Enregistrer ma contribution").click()
    supervisor.get_by_text("Contribution enregistrée").wait_for()
    checked(supervisor, "followup-contribution-supervisor")
    supervisor.goto(f"/suivi/salaries/{followed.id}")
    checked(supervisor, "followup-employee-supervisor")
    assert "Dépendant des transports" not in supervisor.content()
    supervisor.get_by_role("link", name="Signaler une difficulté à la CIP").click()
    supervisor.get_by_label("Thème").select_option("mobilite")
    supervisor.get_by_label("Ce que vous avez vu, avec vos mots").fill("Arrive en retard quand le bus ne passe pas.")
    supervisor.get_by_role("button", name="Envoyer à la CIP").click()
    supervisor.get_by_text("Signalement envoyé à la CIP").wait_for()
    checked(supervisor, "followup-signal-supervisor")
    supervisor.goto("/aujourdhui/")
    assert "Pas de port de charges" in supervisor.content()
    assert "Dépendant des transports" not in supervisor.content()
    screenshot(supervisor, "followup-today-supervisor")
    supervisor_context.close()

    phone.goto(f"/suivi/salaries/{followed.id}")
    assert "Arrive en retard quand le bus ne passe pas." in phone.content()
    phone.goto(review_url)
    assert "Taille les haies seul" in phone.content()
    checked(phone, "followup-review-cip")
    phone.locator("#need-mobilite").select_option("++")
    phone.get_by_role("group", name="Actions prévues").get_by_text("Bourse au permis", exact=True).click()
    phone.get_by_label("Décision").select_option("renouvellement")
    phone.get_by_label("Conclusion").fill("Parcours engagé, renouvellement de 6 mois.")
    phone.get_by_role("button", name="Enregistrer la partie CIP").click()
    phone.get_by_text("Enregistré.").wait_for()
    phone.get_by_role("button", name="Finaliser le bilan").click()
    phone.get_by_text("ne se modifie plus").wait_for()
    checked(phone, "followup-review-finalised")

    phone.get_by_role("link", name="Version imprimable").click()
    phone.wait_for_url("**/imprimer")
    phone.emulate_media(media="print")
    pdf = PdfReader(io.BytesIO(phone.pdf(format="A4")))
    phone.emulate_media(media="screen")
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert len(pdf.pages) >= 1
    for expected in ("Bilan intermédiaire", followed.full_name, "Taille les haies seul", "Taux de présence : 100 %",
                     "Renouvellement du contrat", "Bourse au permis", "Obtenir le permis de conduire"):
        assert expected in text, expected
    assert "Échéances" not in text and "Télécharger le PDF" not in text  # navigation and buttons are not printed

    phone.goto("/echeances/")
    checked(phone, "followup-deadlines-cip")
    assert violations == [] and supervisor_violations == []

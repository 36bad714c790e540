"""Every page runs under the strict CSP without a single violation (no inline script or style)."""
import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser

PAGES = {
    "director": ["/", "/salaries/", "/salaries/nouveau", "/comptes/", "/comptes/nouveau", "/structure", "/journal/",
                 "/compte/", "/compte/mot-de-passe", "/compte/double-authentification"],
    "supervisor": ["/", "/salaries/", "/compte/", "/alertes/nouvelle"],
    "counsellor": ["/", "/alertes/"],
}


@pytest.mark.parametrize("role", sorted(PAGES))
def test_pages_raise_no_csp_violation(phone, users, make, structure, role):
    employee = make.employee(structure, referent_eti_id=users["supervisor"].id)
    violations = []
    phone.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    phone.add_init_script("""document.addEventListener('securitypolicyviolation',
        e => console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));""")
    login(phone, users[role].email)
    for url in PAGES[role] + [f"/salaries/{employee.id}"]:
        phone.goto(url)
        phone.wait_for_load_state("networkidle")
    phone.goto("/salaries/")
    phone.get_by_label("Rechercher un salarié").fill(employee.last_name)
    phone.locator("#employee-results").get_by_text(employee.full_name).wait_for()
    assert violations == []

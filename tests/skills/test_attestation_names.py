"""Every name, in any script, reaches the attestation PDF, its download name and its pages."""
from __future__ import annotations

import io
from urllib.parse import unquote

import pytest
from markupsafe import escape
from pypdf import PdfReader
from sqlmodel import select

from webapp.demo import FIRST_NAMES, LAST_NAMES
from webapp.domain.skills import attestations as service
from webapp.domain.skills import skills as skills_service
from webapp.models import Skill
from webapp.platform.db import writing

NAMES = [(first, last) for first, last in zip(FIRST_NAMES, LAST_NAMES, strict=True)] + [
    ("Văn An", "Nguyễn"), ("Łukasz", "Wiśniewski"), ("Şahin", "Yılmaz"), ("伟", "王"), ("علي", "محمد"),
    ("Zoé", "L'Hôpital-Ørsted"), ("민준", "김"),
]


@pytest.fixture
def issued(make, structure, users, db, login_as):
    """Issue an attestation for an employee called `first last`; return (attestation, employee)."""
    login_as("supervisor")
    site = make.worksite(structure)
    with writing():
        skills_service.ensure_frameworks(db, structure.id)
        db.commit()

    def _issue(first: str, last: str):
        employee = make.employee(structure, first_name=first, last_name=last, worksite_id=site.id)
        with writing():
            skill = db.exec(select(Skill).where(Skill.code == "EV-04", Skill.active.is_(True))).one()
            skills_service.record_rating(db, employee=employee, skill=skill, level=3, user=users["supervisor"],
                                         situation="Tonte du parc")
            attestation = service.issue(db, employee=employee, user=users["supervisor"])
            db.commit()
        return attestation, employee

    return _issue


@pytest.mark.parametrize("first,last", NAMES, ids=[f"{f} {n}" for f, n in NAMES])
def test_name_is_in_the_pdf_its_file_name_and_the_pages(client, issued, first, last):
    attestation, employee = issued(first, last)
    response = client.get(f"/attestations/{attestation.id}/attestation.pdf")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.isascii()
    fallback = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback.startswith("attestation-competences") and fallback.endswith(".pdf")
    if 'filename*=' in disposition:
        exact = unquote(disposition.split("filename*=UTF-8''", 1)[1])
        assert exact == f"attestation-competences-{last.lower().replace(' ', '-')}.pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    for part in (first, last):
        assert part in text, (part, text[:400])
    for url in (f"/attestations/{attestation.id}", f"/attestations/{attestation.id}/facile",
                f"/attestations/salaries/{employee.id}"):
        page = client.get(url)
        assert page.status_code == 200
        assert escape(first) in page.get_data(as_text=True)
    assert f"<bdi>{escape(f'{first} {last}')}</bdi>" in client.get(f"/attestations/{attestation.id}").get_data(
        as_text=True)

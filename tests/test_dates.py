"""One French date/time module: local times in the structure's zone on screens, PDFs and exports, never « UTC »."""
import io
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader
from sqlmodel import select

from tests.conftest import post
from webapp.models import (
    Addendum,
    AuditEvent,
    Contract,
    FeedVisit,
    Review,
    Structure,
    UserSession,
)
from webapp.platform import dates
from webapp.platform.db import writing

# 16 November 2026, 10:34 UTC: 11:34 in Paris (winter time), 14:34 on La Réunion.
MOMENT = datetime(2026, 11, 16, 10, 34, tzinfo=UTC)
# 31 March 2026, 23:30 UTC: already 1 April in Paris (summer time, UTC+2).
LATE = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)


def test_times_are_shown_in_the_zone_given():
    assert dates.time_of_day(MOMENT, "Europe/Paris") == "11:34"
    assert dates.time_of_day(MOMENT, "Indian/Reunion") == "14:34"
    assert dates.date_time(MOMENT, "America/Cayenne") == "16/11/2026 à 07:34"
    assert dates.time_of_day(MOMENT.replace(tzinfo=None), "Europe/Paris") == "11:34"  # naive means UTC


def test_a_datetime_is_shown_on_its_local_day():
    assert dates.short_date(LATE, "Europe/Paris") == "01/04/2026"
    assert dates.short_date(LATE, "America/Martinique") == "31/03/2026"
    assert dates.long_date(LATE, "Europe/Paris", with_day=True) == "mercredi 1 avril 2026"
    assert dates.short_date("2026-04-01") == "01/04/2026" and dates.short_date(date(2026, 4, 1)) == "01/04/2026"
    assert dates.short_date(None) == dates.short_date("") == "—"


def test_unknown_zone_falls_back_to_paris():
    assert dates.time_of_day(MOMENT, "Mars/Olympus") == "11:34"
    assert dates.time_of_day(MOMENT, None) == "11:34"


def test_local_day_bounds_in_utc():
    start, end = dates.day_bounds(date(2026, 4, 1), "Europe/Paris")
    assert start == datetime(2026, 3, 31, 22, 0, tzinfo=UTC) and end == datetime(2026, 4, 1, 22, 0, tzinfo=UTC)


def test_exports_carry_the_local_offset():
    assert dates.iso_local(MOMENT, "Europe/Paris") == "2026-11-16T11:34:00+01:00"
    assert dates.iso_utc(MOMENT) == "2026-11-16T10:34:00Z"


def _set_zone(db, structure, name):
    with writing():
        row = db.get(Structure, structure.id)
        row.timezone = name
        db.add(row)
        db.commit()


@pytest.mark.parametrize("zone,shown", [("Europe/Paris", "11:34"), ("Indian/Reunion", "14:34")])
def test_counsellor_feed_shows_local_time_without_utc(client, login_as, users, structure, db, zone, shown):
    _set_zone(db, structure, zone)
    with writing():
        db.add(FeedVisit(user_id=users["counsellor"].id, structure_id=structure.id, seen_at=MOMENT))
        db.commit()
    login_as("counsellor")
    page = client.get("/observations/fil").get_data(as_text=True)
    assert f"Depuis le 16/11/2026 à {shown}" in page
    assert "UTC" not in page


def test_audit_and_sessions_show_local_times_without_utc(client, login_as, users, structure, make, db):
    employee = make.employee(structure)
    director = login_as("director")
    with writing():
        db.add(AuditEvent(structure_id=structure.id, user_id=director.id, action="employee.export",
                          employee_id=employee.id, at=MOMENT, actor_label=director.email))
        for row in db.exec(select(UserSession).where(UserSession.user_id == director.id)).all():
            row.created_at = MOMENT
            db.add(row)
        db.commit()
    audit_page = client.get("/journal/").get_data(as_text=True)
    assert "16/11/2026 à 11:34" in audit_page and "UTC" not in audit_page
    account_page = client.get("/compte/").get_data(as_text=True)
    assert "Ouverte le 16/11/2026 à 11:34" in account_page and "UTC" not in account_page


def test_director_sets_the_structure_zone(client, login_as, structure, db):
    login_as("director")
    response = post(client, "/structure", {"name": structure.name, "kind": "ACI", "siret": "", "address": "",
                                           "phone": "", "retention_months": "24", "timezone": "Indian/Reunion"})
    assert response.status_code == 200
    db.expire_all()
    assert db.get(Structure, structure.id).timezone == "Indian/Reunion"
    refused = post(client, "/structure", {"name": structure.name, "kind": "ACI", "retention_months": "24",
                                          "timezone": "Mars/Olympus"})
    assert refused.status_code == 422


def _pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_bilan_pdf_dates_an_addendum_on_its_local_day(client, login_as, users, structure, make, db):
    employee = make.employee(structure, with_contract=False)
    with writing():
        db.add(Contract(structure_id=structure.id, employee_id=employee.id, start_date=date(2026, 1, 5),
                        end_date=date(2026, 7, 4)))
        review = Review(structure_id=structure.id, employee_id=employee.id, kind="integration",
                        due_date=date(2026, 2, 5), period_start=date(2026, 1, 5), period_end=date(2026, 2, 5),
                        status="finalised", decision="poursuite", created_by_id=users["counsellor"].id,
                        snapshot={})
        db.add(review)
        db.flush()
        db.add(Addendum(structure_id=structure.id, review_id=review.id, author_id=users["counsellor"].id,
                        text="Avenant tardif", created_at=LATE))
        db.commit()
    login_as("counsellor")
    text = _pdf_text(client.get(f"/bilans/{review.id}/bilan.pdf").data)
    assert "01/04/2026 — " in text and "31/03/2026" not in text

"""Forms of the field wing: observations, consignes, attendance, point du matin, production, parcours."""
from __future__ import annotations

from webapp.domain.field import pathway
from webapp.routes._web.forms import (
    DayField,
    FileField,
    FlagField,
    IdField,
    IdListField,
    KeyField,
    QueryForm,
    TerrainForm,
    TextField,
    parse_count,
    parse_day,
    parse_id,
)


class CaptureForm(TerrainForm):
    """A capture: it carries the client's idempotency key (platform/idempotency.py)."""

    client_key = KeyField()


class ObservationForm(CaptureForm):
    employee_ids = IdListField()
    category = TextField(limit=40)
    tone = TextField(limit=40)
    visibility = TextField(limit=40)
    text = TextField(limit=6000)
    observed_on = DayField()
    skills_note = TextField(limit=1000)
    photo = FileField()


class FeedQuery(QueryForm):
    """Where the next page of the counsellor's feed starts (`apres`, the last row's sort key)."""

    apres = TextField(limit=200)


class ObservationQuery(QueryForm):
    """The people to pre-select in a new observation."""

    salarie = IdListField()


class InstructionForm(CaptureForm):
    text = TextField(limit=2000)
    category = TextField(limit=40)
    target = TextField(limit=20)
    employee_ids = IdListField()
    worksite_id = IdField()
    template_id = IdField()
    save_template = FlagField()
    photo = FileField()


class AcknowledgeForm(TerrainForm):
    """Tick « compris » for one person, or for everyone with `tous`."""

    understood = FlagField(default=True)
    employee_id = IdField()
    tous = FlagField()


class CountField(TextField):
    """A small whole number; `data` is None when empty or not a number (the service says what is expected)."""

    def process_formdata(self, valuelist):
        self.data = parse_count(valuelist[0]) if valuelist else None

    def typed(self):
        return "" if self.data is None else str(self.data)


class AttendanceForm(TerrainForm):
    day = DayField()
    status = TextField(limit=20)
    late_minutes = CountField()


class TeamForm(TerrainForm):
    on = FlagField()


class BriefingForm(TerrainForm):
    safety = TextField(limit=4000, strip=True)
    organisation = TextField(limit=4000, strip=True)


class DayQuery(QueryForm):
    """A day of the current week (Today, attendance)."""

    jour = DayField()


class ProductionQuery(QueryForm):
    """A work site and a day (the production sheet), or the Monday of a week (the summary)."""

    chantier = IdField()
    jour = DayField()
    semaine = DayField()


class TaskForm(CaptureForm):
    client = TextField(limit=1000)
    task = TextField(limit=1000)
    unit = TextField(limit=1000)
    planned_quantity = TextField(limit=100)
    done_quantity = TextField(limit=100)


class DoneForm(TerrainForm):
    done_quantity = TextField(limit=100)


class ProductionLogForm(TerrainForm):
    quality_issues = TextField(limit=6000)
    incidents = TextField(limit=6000)
    weather = TextField(limit=6000)


class CursorField(TextField):
    """The position after the last entry shown (`day.rank.id`); None, meaning the first page, when malformed."""

    def process_formdata(self, valuelist):
        self.data = None
        parts = (valuelist[0][:60] if valuelist else "").split(".")
        if len(parts) == 3:
            day, rank, ident = parse_day(parts[0]), parse_count(parts[1], max_digits=2), parse_id(parts[2])
            if day is not None and rank is not None and ident is not None:
                self.data = pathway.Cursor(day, rank, ident)


class PathwayQuery(QueryForm):
    """Filters and the next-page cursor of a parcours."""

    type = TextField(limit=40)
    du = DayField()
    au = DayField()
    apres = CursorField()

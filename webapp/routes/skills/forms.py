"""Forms of the skills wing: ratings (one person, a group), frameworks, learning sessions, attestations."""
from __future__ import annotations

from webapp.routes._web.forms import (
    DayField,
    FileField,
    FlagField,
    IdField,
    IdListField,
    KeyField,
    PrefixedField,
    QueryForm,
    TerrainForm,
    TextField,
    id_pair,
    parse_id,
)


class SiteQuery(QueryForm):
    """The work site asked for, and a search in the skills list."""

    chantier = IdField()
    q = TextField(limit=100)


class RateQuery(QueryForm):
    """Search in the rating list, and the skill to open."""

    q = TextField(limit=100)
    competence = TextField(limit=100)


class RatingForm(TerrainForm):
    client_key = KeyField()  # the capture's idempotency key (platform/idempotency.py)
    skill_id = IdField()
    level = TextField(limit=20)
    situation = TextField(limit=300, strip=True)
    evidence_note = TextField(limit=2000, strip=True)
    photo = FileField()


class GroupRatingForm(TerrainForm):
    client_key = KeyField()
    chantier = IdField()
    employee_ids = IdListField()
    level = TextField(limit=20)
    situation = TextField(limit=300, strip=True)


class IdsField(TextField):
    """Ids joined by commas (the ratings of a group result); malformed ones are left out, at most 100."""

    def process_formdata(self, valuelist):
        ids = (parse_id(v) for v in (valuelist[0][:1200] if valuelist else "").split(","))
        self.data = [i for i in ids if i is not None][:100]

    def typed(self):
        return ",".join(map(str, self.data or []))


class GroupResultQuery(QueryForm):
    r = IdsField()
    chantier = IdField()


class CorrectionForm(TerrainForm):
    level = TextField(limit=20)
    r = IdsField()
    chantier = IdField()


class GroupUndoForm(TerrainForm):
    """The ratings of a group just recorded, to take back together."""

    r = IdsField()
    chantier = IdField()


class SkillForm(TerrainForm):
    activity = TextField(limit=1000)
    label = TextField(limit=1000)
    pictogram = TextField(limit=40, default="tools")


class SkillLabelForm(TerrainForm):
    label = TextField(limit=1000)


class FrameworkImportForm(TerrainForm):
    file = FileField()


class SessionsQuery(QueryForm):
    """Sessions of one employee, or of a work site."""

    salarie = IdField()
    chantier = IdField()


class NewSessionQuery(QueryForm):
    """Prepare a session on a work site, from a template."""

    chantier = IdField()
    modele = IdField()


class SessionForm(TerrainForm):
    worksite_id = IdField()
    title = TextField(limit=1000, strip=True)
    situation = TextField(limit=2000, strip=True)
    method = TextField(limit=40, strip=True)
    material = TextField(limit=2000, strip=True)
    safety = TextField(limit=2000, strip=True)
    planned_on = DayField()
    duration_minutes = TextField(limit=10, strip=True)
    skill_ids = IdListField()
    participant_ids = IdListField()
    save_as_template = FlagField()
    template_id = IdField()


class FinishForm(TerrainForm):
    """End of a session: who was there, notes, and one level per person and skill (`level-<person>-<skill>`)."""

    present = IdListField()
    notes = TextField(limit=4000, strip=True)
    levels = PrefixedField(prefix="level-", parse_suffix=id_pair, limit=20, example_suffixes=("1-1", "2-3"))

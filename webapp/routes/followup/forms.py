"""Forms of the followup wing: welcome, freins and signals, constraints, atouts, objectives, bilans."""
from __future__ import annotations

from webapp.routes._web.forms import (
    DayField,
    IdField,
    PrefixedField,
    TerrainForm,
    TextField,
    TextListField,
)


class WelcomeTickForm(TerrainForm):
    step_id = IdField()
    done = TextField(limit=5)  # "0" unticks; anything else ticks
    note = TextField()


class WelcomeStepForm(TerrainForm):
    """Add a step to the welcome checklist, or remove one (`action=remove`)."""

    action = TextField(limit=20)
    step_id = IdField()
    label = TextField()


class SituationForm(TerrainForm):
    """Add a situation to a theme of freins, or remove one (`action=remove`)."""

    action = TextField(limit=20)
    situation_id = IdField()
    theme = TextField()
    label = TextField()


class BarrierForm(TerrainForm):
    theme = TextField()
    situation = TextField()
    status = TextField()
    note = TextField()
    discussed_on = DayField()


class BarrierUpdateForm(TerrainForm):
    status = TextField()
    discussed_on = DayField()


class SignalForm(TerrainForm):
    theme = TextField()
    text = TextField()


class SignalDecisionForm(TerrainForm):
    decision = TextField()
    theme = TextField()
    situation = TextField()
    status = TextField()


class ConstraintForm(TerrainForm):
    text = TextField()


class StrengthForm(TerrainForm):
    label = TextField()


class GoalForm(TerrainForm):
    text = TextField()
    objective = TextField()
    barrier_id = IdField()
    skill_code = TextField(limit=100)
    due_date = DayField()
    next_step = TextField()
    status = TextField()
    agreed_on = DayField()


class ReviewForm(TerrainForm):
    """Open a bilan: its type and due date (usually the computed ones)."""

    kind = TextField(limit=40)
    due_date = DayField()


class ContributionForm(TerrainForm):
    """The supervisor's contribution: one text per field of reviews.CONTRIBUTION_FIELDS."""

    savoir_etre = TextField(limit=6000)
    technique = TextField(limit=6000)
    strengths = TextField(limit=6000)
    to_work = TextField(limit=6000)
    proposal = TextField(limit=6000)


class CounsellorPartForm(TerrainForm):
    """The CIP's part of a bilan: one rating per need (`need_<code>`), actions, decision, conclusion."""

    needs = PrefixedField(prefix="need_", limit=2, parse_suffix=lambda s: s if len(s) <= 60 else None,
                          example_suffixes=("mobilite", "sante"))
    done = TextListField(limit=300, max_items=50)
    planned = TextListField(limit=300, max_items=50)
    decision = TextField(limit=40)
    exit_type = TextField(limit=200)
    conclusion = TextField(limit=6000)


class AddendumForm(TerrainForm):
    text = TextField(limit=6000)

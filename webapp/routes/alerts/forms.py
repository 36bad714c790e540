"""Forms of the alerts wing: raise, resolve, settings, the status poll, a push subscription."""
from __future__ import annotations

from pydantic import BaseModel
from pydantic import Field as JsonField
from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from webapp.routes._web.forms import (
    REQUIRED,
    IdField,
    JsonModel,
    KeyField,
    PrefixedField,
    QueryForm,
    TerrainForm,
    TextField,
)


class AlertForm(TerrainForm):
    """Raise an alert: the choices are checked by the alerts service, which names the field."""

    employee_id = IdField("Salarié(e) concerné(e)", message="Choisissez un(e) salarié(e) de votre structure.")
    type_code = TextField("Situation", limit=60, strip=True)
    facts = TextAreaField(
        "Quelques faits (facultatif)",
        description="Ce que vous avez vu ou entendu, sans diagnostic. 500 caractères au plus.",
        validators=[Optional(), Length(max=500, message="500 caractères au plus.")],
    )
    client_key = KeyField()
    raised_at = HiddenField(filters=[lambda v: (v or "")[:40]])
    raiser_id = IdField(widget=HiddenField.widget)


class ResolveForm(TerrainForm):
    note = TextAreaField(
        "Note de clôture",
        description="Ce qui a été fait, en quelques mots factuels.",
        validators=[Length(max=1000, message="1000 caractères au plus.")],
    )


class AlertSettingsForm(TerrainForm):
    critique = IntegerField("Alerte critique : escalade après (minutes)",
                            validators=[InputRequired(REQUIRED), NumberRange(1, 1440, "Entre 1 et 1440 minutes.")])
    haute = IntegerField("Alerte haute : escalade après (minutes)",
                         validators=[InputRequired(REQUIRED), NumberRange(1, 1440, "Entre 1 et 1440 minutes.")])
    moyenne = IntegerField("Alerte moyenne : escalade après (minutes)",
                           validators=[InputRequired(REQUIRED), NumberRange(1, 2880, "Entre 1 et 2880 minutes.")])
    # One group of checkboxes per situation, named roles-<situation code>; unknown codes are ignored.
    roles = PrefixedField(prefix="roles-", many=True, limit=40, max_items=200,
                          parse_suffix=lambda s: s if len(s) <= 60 else None, example_suffixes=("violence",))


class NewAlertQuery(QueryForm):
    """The person an alert raised from their card or page is about (preselected)."""

    salarie = IdField()


class StatusQuery(QueryForm):
    """The version of the status block the page already shows."""

    v = TextField(limit=100)


class _PushKeys(BaseModel):
    p256dh: str = JsonField(default="", max_length=2000)
    auth: str = JsonField(default="", max_length=2000)


class PushSubscriptionBody(JsonModel):
    """A browser's PushSubscription.toJSON(); the view checks the endpoint and the key sizes."""

    endpoint: str = JsonField(default="", max_length=5000)
    keys: _PushKeys = _PushKeys()

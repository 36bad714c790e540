"""Forms of the accounts wing: login, second factor, own account, users, structure, audit filters."""
from __future__ import annotations

from pydantic import Field as JsonField
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    TelField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from webapp.domain.accounts.passwords import MAX_LENGTH as MAX_PASSWORD_LENGTH
from webapp.domain.accounts.passwords import MIN_LENGTH as MIN_PASSWORD_LENGTH
from webapp.models import ROLES
from webapp.platform.dates import TIMEZONES
from webapp.routes._web.forms import (
    REQUIRED,
    DayField,
    IdField,
    JsonModel,
    QueryForm,
    TerrainForm,
    TextField,
    choices,
)

PASSWORD_HELP = f"Au moins {MIN_PASSWORD_LENGTH} caractères. Une phrase facile à retenir convient très bien."
PHONE = Regexp(r"^[0-9 +().-]*$", message="Numéro de téléphone invalide.")


class LoginForm(TerrainForm):
    email = EmailField("Adresse e-mail", validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField("Mot de passe", validators=[DataRequired(REQUIRED), Length(max=MAX_PASSWORD_LENGTH)])


class NextQuery(QueryForm):
    """Where to go after logging in (checked against open redirects by the view)."""

    next = TextField(limit=2000)


class TotpForm(TerrainForm):
    code = StringField("Code à 6 chiffres", validators=[DataRequired(REQUIRED), Length(max=10)])


class PasswordChangeForm(TerrainForm):
    current = PasswordField("Mot de passe actuel", validators=[DataRequired(REQUIRED), Length(max=MAX_PASSWORD_LENGTH)])
    new = PasswordField("Nouveau mot de passe", description=PASSWORD_HELP,
                        validators=[DataRequired(REQUIRED), Length(max=MAX_PASSWORD_LENGTH)])


class PasskeyRegistration(JsonModel):
    """The passkey the browser created, and the name the user gave it."""

    credential: dict
    name: str = JsonField(default="", max_length=200)


class PasskeyAssertion(JsonModel):
    """A passkey login assertion; the WebAuthn library checks the rest of it."""

    id: str = JsonField(max_length=2000)
    type: str = JsonField(max_length=40)


class UserForm(TerrainForm):
    full_name = StringField("Nom complet", validators=[DataRequired(REQUIRED), Length(max=120)])
    email = EmailField(
        "Adresse e-mail",
        validators=[DataRequired(REQUIRED), Email("Adresse e-mail invalide."), Length(max=254)],
    )
    phone = TelField("Téléphone", validators=[Optional(), Length(max=30), PHONE])
    role = SelectField("Rôle", choices=choices((k, v) for k, v in ROLES.items() if k != "admin"), validators=[InputRequired(REQUIRED)])
    password = PasswordField("Mot de passe", description=PASSWORD_HELP, validators=[Optional(), Length(max=MAX_PASSWORD_LENGTH)])
    active = BooleanField("Compte actif", default=True)


class StructureForm(TerrainForm):
    name = StringField("Nom de la structure", validators=[DataRequired(REQUIRED), Length(max=200)])
    kind = SelectField(
        "Type de SIAE",
        choices=choices([("ACI", "Atelier et chantier d'insertion"), ("EI", "Entreprise d'insertion"),
                         ("AI", "Association intermédiaire"), ("ETTI", "Entreprise de travail temporaire d'insertion"),
                         ("RQ", "Régie de quartier")]),
    )
    siret = StringField("SIRET", validators=[Optional(), Regexp(r"^[0-9]{14}$", message="Le SIRET compte 14 chiffres.")])
    address = StringField("Adresse", validators=[Optional(), Length(max=300)])
    phone = TelField("Téléphone", validators=[Optional(), Length(max=30), PHONE])
    retention_months = DecimalField(
        "Durée de conservation après le dernier contrat (mois)", places=0,
        validators=[InputRequired(REQUIRED), NumberRange(6, 120, "Entre 6 et 120 mois.")],
    )
    timezone = SelectField("Fuseau horaire des heures affichées", choices=choices(TIMEZONES.items()))


class NewStructureForm(TerrainForm):
    name = StringField("Nom de la structure", validators=[DataRequired(REQUIRED), Length(max=200)])
    kind = StructureForm.kind
    siret = StructureForm.siret
    address = StructureForm.address
    director_name = StringField("Nom de la direction", validators=[DataRequired(REQUIRED), Length(max=120)])
    director_email = EmailField(
        "E-mail de la direction",
        validators=[DataRequired(REQUIRED), Email("Adresse e-mail invalide."), Length(max=254)],
    )
    director_password = PasswordField(
        "Mot de passe initial", description=PASSWORD_HELP,
        validators=[DataRequired(REQUIRED), Length(max=MAX_PASSWORD_LENGTH)],
    )


class AuditQuery(QueryForm):
    """Filters of the audit trail; a malformed filter is ignored (the list is then unfiltered on it)."""

    action = TextField(limit=60)
    user = IdField()
    employee = IdField()
    du = DayField()
    au = DayField()
    avant = IdField()

"""Server-side forms: each binds only the fields it declares, with French messages."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
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

REQUIRED = "Ce champ est obligatoire."


class TerrainForm(FlaskForm):
    """Base form: French built-in messages, whitespace stripped from text."""

    class Meta:
        locales = ["fr"]

        def bind_field(self, form, unbound_field, options):
            filters = unbound_field.kwargs.get("filters", [])
            if unbound_field.field_class in (StringField, EmailField, TelField):
                filters = [_strip, *filters]
            return unbound_field.bind(form=form, filters=filters, **options)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def choices(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def optional_int(value):
    """Coerce a select value to int, the empty choice to None."""
    if value in (None, "", "None"):
        return None
    return int(value)


class LoginForm(TerrainForm):
    email = EmailField("Adresse e-mail", validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField("Mot de passe", validators=[DataRequired(REQUIRED), Length(max=MAX_PASSWORD_LENGTH)])


PASSWORD_HELP = f"Au moins {MIN_PASSWORD_LENGTH} caractères. Une phrase facile à retenir convient très bien."


class UserForm(TerrainForm):
    full_name = StringField("Nom complet", validators=[DataRequired(REQUIRED), Length(max=120)])
    email = EmailField(
        "Adresse e-mail",
        validators=[DataRequired(REQUIRED), Email("Adresse e-mail invalide."), Length(max=254)],
    )
    phone = TelField("Téléphone", validators=[Optional(), Length(max=30), Regexp(r"^[0-9 +().-]*$", message="Numéro de téléphone invalide.")])
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
    siret = StringField("SIRET", validators=[Optional(), Regexp(r"^\d{14}$", message="Le SIRET compte 14 chiffres.")])
    address = StringField("Adresse", validators=[Optional(), Length(max=300)])
    phone = TelField("Téléphone", validators=[Optional(), Length(max=30), Regexp(r"^[0-9 +().-]*$", message="Numéro de téléphone invalide.")])
    retention_months = DecimalField(
        "Durée de conservation après le dernier contrat (mois)", places=0,
        validators=[InputRequired(REQUIRED), NumberRange(6, 120, "Entre 6 et 120 mois.")],
    )
    timezone = SelectField("Fuseau horaire des heures affichées", choices=choices(TIMEZONES.items()))


class EmployeeForm(TerrainForm):
    first_name = StringField("Prénom", validators=[DataRequired(REQUIRED), Length(max=80)])
    last_name = StringField("Nom", validators=[DataRequired(REQUIRED), Length(max=80)])
    phone = TelField("Téléphone", validators=[Optional(), Length(max=30), Regexp(r"^[0-9 +().-]*$", message="Numéro de téléphone invalide.")])
    email = EmailField("Adresse e-mail", validators=[Optional(), Email("Adresse e-mail invalide."), Length(max=254)])
    worksite_id = SelectField("Chantier / atelier", coerce=optional_int, validate_choice=True)
    referent_cip_id = SelectField("CIP référent(e)", coerce=optional_int, validate_choice=True)
    referent_eti_id = SelectField("Encadrant(e) référent(e)", coerce=optional_int, validate_choice=True)
    pass_iae_number = StringField(
        "Numéro de PASS IAE",
        validators=[Optional(), Regexp(r"^[0-9A-Za-z ]{1,20}$", message="Numéro de PASS IAE invalide (chiffres, 20 caractères au plus).")],
    )
    pass_iae_end = DateField("Fin du PASS IAE", validators=[Optional()])
    job_title = StringField("Poste occupé", validators=[Optional(), Length(max=120)])
    start_date = DateField("Début du CDDI", validators=[InputRequired(REQUIRED)])
    end_date = DateField("Fin du CDDI", validators=[InputRequired(REQUIRED)])
    weekly_hours = DecimalField(
        "Heures par semaine", places=1,
        validators=[InputRequired(REQUIRED), NumberRange(1, 35, "Entre 1 et 35 heures par semaine.")],
    )


class RenewalForm(TerrainForm):
    end_date = DateField("Nouvelle date de fin", validators=[InputRequired(REQUIRED)])
    weekly_hours = DecimalField(
        "Heures par semaine", places=1,
        validators=[InputRequired(REQUIRED), NumberRange(1, 35, "Entre 1 et 35 heures par semaine.")],
    )


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


class TotpForm(TerrainForm):
    code = StringField("Code à 6 chiffres", validators=[DataRequired(REQUIRED), Length(max=10)])


class PasswordChangeForm(TerrainForm):
    current = PasswordField("Mot de passe actuel", validators=[DataRequired(REQUIRED), Length(max=MAX_PASSWORD_LENGTH)])
    new = PasswordField("Nouveau mot de passe", description=PASSWORD_HELP,
                        validators=[DataRequired(REQUIRED), Length(max=MAX_PASSWORD_LENGTH)])
class AlertForm(TerrainForm):
    """Raise an alert: the choices are checked by the alerts service, which names the field."""

    employee_id = StringField("Salarié(e) concerné(e)")
    type_code = StringField("Situation")
    facts = TextAreaField(
        "Quelques faits (facultatif)",
        description="Ce que vous avez vu ou entendu, sans diagnostic. 500 caractères au plus.",
        validators=[Optional(), Length(max=500, message="500 caractères au plus.")],
    )
    client_key = HiddenField()
    raised_at = HiddenField()
    raiser_id = HiddenField()


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

"""Forms of the employees wing: the employee with their CDDI, a renewal, the search."""
from __future__ import annotations

from wtforms import (
    DecimalField,
    EmailField,
    IntegerField,
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

from webapp.routes._web.forms import (
    REQUIRED,
    DayField,
    FlagField,
    QueryForm,
    TerrainForm,
    TextField,
    optional_int,
)
from webapp.routes.accounts.forms import PHONE

NOT_A_DATE = "N'est pas une date valide."  # the message of WTForms' own date field, kept for these forms


class EmployeeForm(TerrainForm):
    first_name = StringField("Prénom", validators=[DataRequired(REQUIRED), Length(max=80)])
    last_name = StringField("Nom", validators=[DataRequired(REQUIRED), Length(max=80)])
    phone = TelField("Téléphone", validators=[Optional(), Length(max=30), PHONE])
    email = EmailField("Adresse e-mail", validators=[Optional(), Email("Adresse e-mail invalide."), Length(max=254)])
    worksite_id = SelectField("Chantier / atelier", coerce=optional_int, validate_choice=True)
    referent_cip_id = SelectField("CIP référent(e)", coerce=optional_int, validate_choice=True)
    referent_eti_id = SelectField("Encadrant(e) référent(e)", coerce=optional_int, validate_choice=True)
    pass_iae_number = StringField(
        "Numéro de PASS IAE",
        validators=[Optional(), Regexp(r"^[0-9A-Za-z ]{1,20}$", message="Numéro de PASS IAE invalide (chiffres, 20 caractères au plus).")],
    )
    pass_iae_end = DayField("Fin du PASS IAE", validators=[Optional()], message=NOT_A_DATE)
    job_title = StringField("Poste occupé", validators=[Optional(), Length(max=120)])
    start_date = DayField("Début du CDDI", validators=[InputRequired(REQUIRED)], message=NOT_A_DATE)
    end_date = DayField("Fin du CDDI", validators=[InputRequired(REQUIRED)], message=NOT_A_DATE)
    weekly_hours = DecimalField(
        "Heures par semaine", places=1,
        validators=[InputRequired(REQUIRED), NumberRange(1, 35, "Entre 1 et 35 heures par semaine.")],
    )


class RenewalForm(TerrainForm):
    end_date = DayField("Nouvelle date de fin", validators=[InputRequired(REQUIRED)], message=NOT_A_DATE)
    weekly_hours = DecimalField(
        "Heures par semaine", places=1,
        validators=[InputRequired(REQUIRED), NumberRange(1, 35, "Entre 1 et 35 heures par semaine.")],
    )


class EmployeeSearch(QueryForm):
    """The employee list's search: text, include those who left, page."""

    q = TextField(limit=100)
    sortis = FlagField()
    page = IntegerField(default=1)

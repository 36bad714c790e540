"""The one form layer: every view reads its input through a declared form (POST body, query string or JSON).

Route modules never read `request.form`, `request.args`, `request.values`, `request.files` or the JSON body
themselves: `TerrainForm` reads the POST body, `QueryForm` the query string, `JsonModel` a JSON body. Each
view declares what it reads with `@form(...)`, which records it on the view function (`view.form_class`,
`view.query_class`) so that the fuzzer and the architecture test can enumerate every field of every route.
"""
from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.form import _Auto
from pydantic import BaseModel, ConfigDict, ValidationError
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.routing import IntegerConverter
from wtforms import (
    EmailField,
    Field,
    HiddenField,
    SelectChoice,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.utils import unset_value
from wtforms.widgets import DateInput

__all__ = [
    "FIRST_DAY",
    "LAST_DAY",
    "MAX_ID",
    "REQUIRED",
    "DayField",
    "EmptyForm",
    "FileField",
    "FlagField",
    "IdConverter",
    "IdField",
    "IdListField",
    "JsonModel",
    "KeyField",
    "PrefixedField",
    "QueryForm",
    "TerrainForm",
    "TextField",
    "TextListField",
    "choices",
    "declared_forms",
    "form",
    "new_key",
    "optional_int",
    "parse_count",
    "parse_day",
    "parse_id",
    "parse_key",
]

REQUIRED = "Ce champ est obligatoire."
BAD_ID = "Choix invalide."
BAD_DAY = "Date invalide."

MAX_ID = 2**31 - 1  # the largest value of a 32-bit signed id column (PostgreSQL `integer`)
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)

_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")


# --- the bounded parsers: the only place where text becomes an id, a day or an idempotency key -------------

def parse_id(value: Any) -> int | None:
    """A row id: ASCII digits only (no « ² », no sign, no spaces), 1..2**31-1; None for anything else."""
    if not isinstance(value, str) or not 1 <= len(value) <= 10 or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


class IdConverter(IntegerConverter):
    """`<int:...>` in URLs: ASCII digits only and at most 2**31-1, so that a larger id is a 404, never a 500."""

    regex = r"[0-9]{1,10}"

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def parse_day(value: Any) -> date | None:
    """A day written YYYY-MM-DD between 2000-01-01 and 2099-12-31; None for anything else."""
    if not isinstance(value, str) or not _DAY.match(value):
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def parse_key(value: Any) -> str | None:
    """An idempotency key: a UUID, with or without hyphens, kept as the client wrote it (in lower case)."""
    if not isinstance(value, str) or not _UUID.match(value):
        return None
    return value.lower()


def parse_count(value: Any, max_digits: int = 9) -> int | None:
    """A whole number typed by a person (a quantity of minutes...): ASCII digits only, at most `max_digits`."""
    if not isinstance(value, str) or not 1 <= len(value) <= max_digits or not value.isascii() or not value.isdigit():
        return None
    return int(value)


def new_key() -> str:
    """A fresh idempotency key, rendered in capture forms so that they work without JavaScript."""
    return str(uuid.uuid4())


# --- the base forms -------------------------------------------------------------------------------------

class TerrainForm(FlaskForm):
    """Base form of a POST body: French built-in messages, whitespace stripped from one-line text."""

    class Meta:
        locales = ["fr"]

        def bind_field(self, form, unbound_field, options):
            filters = unbound_field.kwargs.get("filters", [])
            if unbound_field.field_class in (StringField, EmailField, TelField):
                filters = [_strip, *filters]
            return unbound_field.bind(form=form, filters=filters, **options)

        def wrap_formdata(self, form, formdata):
            # A submitted form always binds its body, even an empty one or a JSON one (whose fields are then
            # missing): flask-wtf would otherwise fall back to the defaults, or build a dict from any JSON value.
            if formdata is _Auto:
                if request.method in ("POST", "PUT", "PATCH", "DELETE"):
                    return CombinedMultiDict((request.files, request.form))
                return None
            return super().wrap_formdata(form, formdata)

    def values(self) -> dict[str, Any]:
        """What was typed, field by field, to render again in a refused form."""
        return {name: field.typed() if hasattr(field, "typed") else field.data
                for name, field in self._fields.items() if name != "csrf_token"}


class QueryForm(TerrainForm):
    """Base form of a query string (no CSRF token: a GET changes nothing)."""

    class Meta:
        csrf = False

    def __init__(self, **kwargs):
        super().__init__(formdata=request.args, **kwargs)


class EmptyForm(TerrainForm):
    """A POST that carries nothing but its CSRF token (a button: log out, finalise, remove...)."""


class JsonModel(BaseModel):
    """Base of a typed JSON body: `read()` parses the request's JSON, None when it is not what is declared."""

    model_config = ConfigDict(extra="ignore", str_max_length=20000)

    @classmethod
    def read(cls):
        """The request's JSON body as this model, or None when it is missing or malformed."""
        if not request.is_json:
            return None
        try:
            return cls.model_validate(request.get_json(silent=True))
        except ValidationError:
            return None

    @staticmethod
    def raw_body(limit: int = 20000) -> str:
        """The body as text, for a library that parses it again (WebAuthn)."""
        return request.get_data(as_text=True)[:limit]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


# --- field types -----------------------------------------------------------------------------------------

class _Typed:
    """Mixin: keeps the text as typed, so that a refused form shows it again."""

    def typed(self):
        return self.raw_data[0] if getattr(self, "raw_data", None) else ("" if self.data is None else str(self.data))


class IdField(_Typed, Field):
    """A row id (see `parse_id`); `data` is None when empty or invalid, and an invalid value is an error."""

    widget = HiddenField.widget

    def __init__(self, label=None, validators=None, message: str = BAD_ID, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0] != "":
            self.data = parse_id(valuelist[0])
            if self.data is None:
                raise ValueError(self.message)

    @property
    def invalid(self) -> bool:
        """A value was sent but it is not an id."""
        return bool(self.process_errors)

    def _value(self):
        return self.typed()


class IdListField(Field):
    """Several row ids under one name (checkboxes); an invalid one is an error and is left out."""

    def __init__(self, label=None, validators=None, max_items: int = 200, **kwargs):
        super().__init__(label, validators, default=list, **kwargs)
        self.max_items = max_items

    def process_formdata(self, valuelist):
        self.data = []
        for value in valuelist[: self.max_items]:
            number = parse_id(value)
            if number is None:
                self.data, self.bad = [], True
                raise ValueError(BAD_ID)
            if number not in self.data:
                self.data.append(number)
        if len(valuelist) > self.max_items:
            raise ValueError(BAD_ID)

    @property
    def invalid(self) -> bool:
        return bool(self.process_errors)

    def typed(self):
        return [str(v) for v in (self.raw_data or [])] if self.raw_data else [str(v) for v in self.data or []]


class DayField(_Typed, Field):
    """A day (see `parse_day`); `data` is None when empty or invalid, and an invalid value is « Date invalide. »."""

    widget = DateInput()

    def __init__(self, label=None, validators=None, message: str = BAD_DAY, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0] != "":
            self.data = parse_day(valuelist[0][:10] if len(valuelist[0]) <= 40 else "")
            if self.data is None:
                raise ValueError(self.message)

    @property
    def invalid(self) -> bool:
        return bool(self.process_errors)

    def _value(self):
        return self.typed() if self.raw_data else (self.data.isoformat() if self.data else "")


class KeyField(HiddenField):
    """The idempotency key of a capture (a UUID); `data` is None when missing or malformed."""

    def process_formdata(self, valuelist):
        self.raw_key = valuelist[0] if valuelist else ""
        self.data = parse_key(self.raw_key)


class TextField(_Typed, TextAreaField):
    """Free text, never None, cut to `limit` characters (far above any accepted length: the service says more)."""

    def __init__(self, label=None, validators=None, limit: int = 4000, strip: bool = False, default: str = "",
                 **kwargs):
        super().__init__(label, validators, default=default, **kwargs)
        self.limit, self.strip = limit, strip

    def process_formdata(self, valuelist):
        if not valuelist:
            return  # absent: the default
        value = valuelist[0][: self.limit]
        self.data = value.strip() if self.strip else value

    def typed(self):
        return self.data or ""


class TextListField(Field):
    """Several free texts under one name (repeated inputs), each cut to `limit`, at most `max_items`."""

    def __init__(self, label=None, validators=None, limit: int = 300, max_items: int = 50, **kwargs):
        super().__init__(label, validators, default=list, **kwargs)
        self.limit, self.max_items = limit, max_items

    def process_formdata(self, valuelist):
        self.data = [value[: self.limit] for value in valuelist[: self.max_items]]


class FlagField(Field):
    """A yes/no sent as a value: `data` is True when the value is one of `true_values`."""

    def __init__(self, label=None, validators=None, true_values=("1",), default=False, **kwargs):
        super().__init__(label, validators, default=default, **kwargs)
        self.true_values = true_values

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = valuelist[0] in self.true_values


class PrefixedField(Field):
    """The family of inputs named `<prefix><suffix>` (one per row of a grid): `data` maps suffix to value(s).

    `suffix` is checked by `parse_suffix` (None refuses the whole field), values are cut to `limit`.
    """

    def __init__(self, label=None, validators=None, prefix: str = "", parse_suffix=None, limit: int = 100,
                 many: bool = False, max_items: int = 2000, example_suffixes=("1",), **kwargs):
        super().__init__(label, validators, default=None, **kwargs)
        self.prefix, self.parse_suffix, self.limit, self.many, self.max_items = (
            prefix, parse_suffix or (lambda s: s), limit, many, max_items)
        self.example_suffixes = example_suffixes

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors, self.data, self.raw_data = [], {}, []
        if formdata is None:
            return
        names = [name for name in formdata if name.startswith(self.prefix)]
        if len(names) > self.max_items:
            self.process_errors.append(BAD_ID)
            return
        for name in names:
            suffix = self.parse_suffix(name[len(self.prefix):])
            if suffix is None:
                self.process_errors.append(BAD_ID)
                self.data = {}
                return
            values = [v[: self.limit] for v in formdata.getlist(name)[: self.max_items]]
            self.data[suffix] = tuple(values) if self.many else (values[0] if values else "")

    @property
    def invalid(self) -> bool:
        return bool(self.process_errors)


def id_pair(suffix: str) -> tuple[int, int] | None:
    """`12-34` as (12, 34), both ids; None otherwise (a suffix for PrefixedField)."""
    parts = suffix.split("-")
    if len(parts) != 2:
        return None
    first, second = parse_id(parts[0]), parse_id(parts[1])
    return (first, second) if first is not None and second is not None else None


# --- declaring a view's input -------------------------------------------------------------------------------

def form(post: type | None = None, *, query: type[QueryForm] | None = None):
    """Declare what a view reads: `post` (a TerrainForm or JsonModel subclass) and/or `query` (a QueryForm).

    Recorded as `view.form_class` and `view.query_class`; `functools.wraps` in `@requires` carries them to the
    function Flask registers, so `app.view_functions[endpoint].form_class` tells what a POST route reads.
    """
    if post is not None and not (isinstance(post, type) and issubclass(post, (TerrainForm, JsonModel))):
        raise TypeError("@form: a TerrainForm or JsonModel subclass")
    if query is not None and not (isinstance(query, type) and issubclass(query, QueryForm)):
        raise TypeError("@form(query=...): a QueryForm subclass")

    def decorate(view):
        view.form_class = post
        view.query_class = query
        return view

    return decorate


def declared_forms(app) -> dict[str, tuple[type | None, type | None]]:
    """Every endpoint of `app` with the (form_class, query_class) its view declares."""
    return {endpoint: (getattr(view, "form_class", None), getattr(view, "query_class", None))
            for endpoint, view in app.view_functions.items()}


# --- choices ---------------------------------------------------------------------------------------------

def choices(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def optional_int(value):
    """Coerce a select value to an id, the empty choice to None; anything else is not a valid choice."""
    if value in (None, "", "None"):
        return None
    if isinstance(value, int):
        return value
    number = parse_id(value)
    if number is None:
        raise ValueError(BAD_ID)
    return number

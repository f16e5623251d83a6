"""Building blocks shared by the domain models."""

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from types import UnionType
from typing import Annotated, Any, Self, Union, get_args, get_origin

from annotated_types import GroupedMetadata
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic import Field as Constrained
from pydantic_core import PydanticCustomError
from sqlmodel import Field, SQLModel

from app.core.ids import uuid7
from app.db import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


def id_field() -> Any:
    return Field(default_factory=uuid7, primary_key=True)


def created_at_field() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class PublicModel(BaseModel):
    """Answers: plain pydantic models, read from ORM rows or Core row mappings. (SQLModel's own
    validation is several times slower, which shows on lists.)"""

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def build(cls, source: Any, update: dict[str, Any]) -> Self:
        """From an ORM object or a row of columns, with some fields computed by the caller."""
        fields = getattr(source, "_fields", None)
        if fields is not None:  # a row: its columns by name, no attribute look-ups that fail
            row = dict(zip(fields, source, strict=True))
            data = {name: row[name] for name in cls.model_fields if name in row}
        else:
            data = {
                name: getattr(source, name) for name in cls.model_fields if hasattr(source, name)
            }
        data.update(update)
        return cls.model_validate(data)


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_MOMENT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}")
# The UTC offset that ends an ISO 8601 moment: Z, +02:00, -0500 or +02.
_UTC_OFFSET = re.compile(r"(?:[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)$")

# Dates and moments given to the API fall within these years: the procedure's dates are from
# 2020 on, and a deadline computed from a year-9999 date would overflow the calendar.
FIRST_YEAR, LAST_YEAR = 2000, 2100
_RANGE = f"between {FIRST_YEAR}-01-01 and {LAST_YEAR}-12-31"
_DAY_SCHEMA: dict[str, Any] = {
    "formatMinimum": f"{FIRST_YEAR}-01-01",
    "formatMaximum": f"{LAST_YEAR}-12-31",
}
_MOMENT_SCHEMA: dict[str, Any] = {
    "formatMinimum": f"{FIRST_YEAR}-01-01T00:00:00Z",
    "formatMaximum": f"{LAST_YEAR}-12-31T23:59:59Z",
    "examples": ["2020-04-01T09:30:00+02:00"],
}


def _within_years(year: int, kind: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PydanticCustomError(f"{kind}_out_of_range", f"a {kind} is {_RANGE}")


def _iso_day(value: Any) -> Any:
    """Dates as ISO text only: pydantic alone would read `0` or `"0"` as 1970-01-01."""
    if isinstance(value, date) and not isinstance(value, datetime):
        _within_years(value.year, "date")
        return value
    if not (isinstance(value, str) and _ISO_DAY.fullmatch(value)):
        raise PydanticCustomError("date_format", "a date is written YYYY-MM-DD")
    _within_years(int(value[:4]), "date")
    return value


def _iso_moment(value: Any) -> Any:
    """Moments as ISO 8601 text with their UTC offset: a moment without one (10:00 where?)
    cannot be placed in time, nor compared with one that has it."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise PydanticCustomError("datetime_timezone_required", _OFFSET_REQUIRED)
        _within_years(value.year, "datetime")
        return value
    if not (isinstance(value, str) and _ISO_MOMENT.match(value)):
        raise PydanticCustomError("datetime_format", f"a date and time is written {_MOMENT}")
    if not _UTC_OFFSET.search(value, 16):
        raise PydanticCustomError("datetime_timezone_required", _OFFSET_REQUIRED)
    _within_years(int(value[:4]), "datetime")
    return value


_MOMENT = "YYYY-MM-DDTHH:MM[:SS]±HH:MM (or Z for UTC)"
_OFFSET_REQUIRED = f"a date and time needs its UTC offset: {_MOMENT}"

Day = Annotated[
    date,
    BeforeValidator(_iso_day),
    Constrained(description=f"YYYY-MM-DD, {_RANGE}", json_schema_extra=_DAY_SCHEMA),
]
"""A date given as YYYY-MM-DD, within FIRST_YEAR..LAST_YEAR."""

Moment = Annotated[
    datetime,
    BeforeValidator(_iso_moment),
    Constrained(
        description=f"ISO 8601 date and time with its UTC offset: {_MOMENT}, {_RANGE}",
        json_schema_extra=_MOMENT_SCHEMA,
    ),
]
"""A moment given as ISO 8601 text with its UTC offset (a naive one is refused)."""


_KINDS = (bool, datetime, date, int)  # bool before int, datetime before date
# C0 control characters but tab, line feed and carriage return, and DEL: never meaningful in
# a name or a text, and PostgreSQL refuses NUL in text outright.
CONTROL_CHARACTERS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")
# The white space Python strips (str.strip, `\s`) less those control characters, spelt out for
# the document's patterns: JSON Schema's `\s` (ECMA-262) is another set.
SPACE = r"[\t\n\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
# Patterns of the document: a text without control characters; one that is not blank too.
PLAIN_TEXT = f"^[^{CONTROL_CHARACTERS}]*$"
NOT_BLANK = (
    f"^[^{CONTROL_CHARACTERS}]*[^{SPACE[1:-1]}{CONTROL_CHARACTERS}][^{CONTROL_CHARACTERS}]*$"
)


def control_character(value: str) -> str | None:
    """The first control character of `value` as U+XXXX, or None when there is none."""
    found = _CONTROL.search(value)
    return f"U+{ord(found.group()):04X}" if found else None


def _plain_text(value: Any) -> Any:
    texts = value if isinstance(value, list) else (value,)
    for text in texts:
        if isinstance(text, str) and (char := control_character(text)):
            raise PydanticCustomError(
                "control_character",
                "contains the control character {char}: only tab and line breaks are allowed",
                {"char": char},
            )
    return value


def json_kind(annotation: Any) -> str | None:
    """`int`, `bool`, `date` or `datetime` when a field holds one such value (optional or
    annotated: `Annotated[int, Field(ge=0)] | None` is `int`); None otherwise, containers
    included (a `list[int]` is checked by its own items' types, not here)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return json_kind(get_args(annotation)[0])
    if origin in (Union, UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return json_kind(args[0]) if len(args) == 1 else None
    return next((k.__name__ for k in _KINDS if annotation is k), None)


@cache
def _json_kinds(model: type[BaseModel]) -> dict[str, str]:
    """The fields of an input model whose JSON type pydantic would otherwise convert."""
    kinds = {name: json_kind(field.annotation) for name, field in model.model_fields.items()}
    return {name: kind for name, kind in kinds.items() if kind is not None}


class InputModel(SQLModel):
    """Request bodies: unknown fields are refused (no mass assignment), and each value must
    have its field's JSON type: pydantic alone would take `true` or `"12"` for an integer,
    `0` for a boolean, and `0` for 1970-01-01. Texts carry no control character, dates and
    moments fall within FIRST_YEAR..LAST_YEAR and moments carry their UTC offset, whatever
    the field's own annotation says."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    @field_validator("*", mode="before")
    @classmethod
    def _json_types(cls, value: Any, info: ValidationInfo) -> Any:
        kind = _json_kinds(cls).get(info.field_name or "")
        if type(value) is str:
            if _CONTROL.search(value) is not None:
                _plain_text(value)
        elif isinstance(value, str | list):
            _plain_text(value)
        if kind is None or value is None:
            return value
        if kind == "bool" and not isinstance(value, bool):
            raise PydanticCustomError("bool_type", "Input should be true or false")
        if kind == "int" and isinstance(value, float) and value.is_integer():
            return int(value)  # 12.0 is an integer in JSON
        if kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
            raise PydanticCustomError("int_type", "Input should be an integer")
        if kind == "date":
            return _iso_day(value)
        if kind == "datetime":
            return _iso_moment(value)
        return value


@dataclass(frozen=True)
class Rules(GroupedMetadata):
    """Several annotations as one, which pydantic unfolds: `Annotated[str, trimmed(200)]`."""

    rules: tuple[Any, ...]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rules)


def trimmed(max_length: int) -> Rules:
    """A text stripped of its surrounding spaces, not blank, of at most `max_length` characters
    as sent: the document's `maxLength` counts the spaces too, so the server does as well."""

    def as_sent(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if len(value) > max_length:
            raise PydanticCustomError(
                "string_too_long",
                "String should have at most {max_length} characters",
                {"max_length": max_length},
            )
        if not (stripped := value.strip()):
            raise PydanticCustomError(
                "string_too_short", "String should have at least 1 character", {"min_length": 1}
            )
        return stripped

    # not only spaces, which are stripped
    limits = Constrained(
        min_length=1, max_length=max_length, json_schema_extra={"pattern": NOT_BLANK}
    )
    return Rules((BeforeValidator(as_sent), limits))


Email = Annotated[EmailStr, AfterValidator(lambda v: v.lower())]
Name = Annotated[str, trimmed(200)]
Password = Annotated[str, StringConstraints(min_length=12, max_length=128)]

__all__ = [
    "CONTROL_CHARACTERS",
    "FIRST_YEAR",
    "LAST_YEAR",
    "NOT_BLANK",
    "PLAIN_TEXT",
    "SPACE",
    "Day",
    "Email",
    "InputModel",
    "Moment",
    "Name",
    "Password",
    "PublicModel",
    "Rules",
    "control_character",
    "created_at_field",
    "id_field",
    "quantized",
    "trimmed",
    "utcnow",
    "uuid",
]


def quantized(places: int) -> AfterValidator:
    """Decimals keep a fixed number of places, so every answer and database agree ("80.00")."""
    exponent = Decimal(10) ** -places
    return AfterValidator(lambda v: v.quantize(exponent) if isinstance(v, Decimal) else v)

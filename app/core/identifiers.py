"""French company identifiers (R1): validated with python-stdnum, refused with a precise reason."""

import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from app.core.models import SPACE

_WS = re.compile(r"\s+")


def _strip_spaces(value: object) -> object:
    return _WS.sub("", value) if isinstance(value, str) else value


def _degenerate(digits: str) -> bool:
    # All-zero numbers pass the Luhn check but are never assigned.
    return len(set(digits)) == 1 or digits[:9] == "0" * 9


def ascii_digits(value: str) -> bool:
    """0-9 only: `str.isdigit` also takes other scripts' digits (fullwidth ７, Arabic-Indic ٧),
    which would make one number several (R1, R4)."""
    return value.isascii() and value.isdigit()


def check_siret(value: str) -> str:
    if not ascii_digits(value) or len(value) != 14:
        raise PydanticCustomError("siret_format", "SIRET must be 14 digits (R1)")
    if _degenerate(value):
        raise PydanticCustomError("siret_degenerate", "SIRET is not an assignable number (R1)")
    if not stdnum_siret.is_valid(value):
        raise PydanticCustomError("siret_checksum", "SIRET checksum is invalid (R1)")
    return value


def check_siren(value: str) -> str:
    if not ascii_digits(value) or len(value) != 9:
        raise PydanticCustomError("siren_format", "SIREN must be 9 digits (R1)")
    if _degenerate(value):
        raise PydanticCustomError("siren_degenerate", "SIREN is not an assignable number (R1)")
    if not stdnum_siren.is_valid(value):
        raise PydanticCustomError("siren_checksum", "SIREN checksum is invalid (R1)")
    return value


Siret = Annotated[
    str,
    BeforeValidator(_strip_spaces),
    AfterValidator(check_siret),
    Field(
        description="14 digits; spaces are ignored",
        examples=["73282932000074"],
        json_schema_extra={"pattern": f"^{SPACE}*(?:[0-9]{SPACE}*){{14}}$"},
    ),
]
Siren = Annotated[
    str,
    BeforeValidator(_strip_spaces),
    AfterValidator(check_siren),
    Field(
        description="9 digits; spaces are ignored",
        examples=["732829320"],
        json_schema_extra={"pattern": f"^{SPACE}*(?:[0-9]{SPACE}*){{9}}$"},
    ),
]

"""Building blocks shared by the domain models."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, EmailStr, StringConstraints
from sqlmodel import Field, SQLModel

from app.core.ids import uuid7
from app.db import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


def id_field() -> Any:
    return Field(default_factory=uuid7, primary_key=True)


def created_at_field() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class InputModel(SQLModel):
    """Request bodies: unknown fields are refused (no mass assignment)."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]


Email = Annotated[EmailStr, AfterValidator(lambda v: v.lower())]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Password = Annotated[str, StringConstraints(min_length=12, max_length=128)]

__all__ = [
    "Email",
    "InputModel",
    "Name",
    "Password",
    "created_at_field",
    "id_field",
    "quantized",
    "utcnow",
    "uuid",
]


def quantized(places: int) -> AfterValidator:
    """Decimals keep a fixed number of places, so every answer and database agree ("80.00")."""
    exponent = Decimal(10) ** -places
    return AfterValidator(lambda v: v.quantize(exponent) if isinstance(v, Decimal) else v)

"""Building blocks shared by the domain models."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, StringConstraints
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
        """From an ORM row, with some fields computed by the caller."""
        data = {name: getattr(source, name) for name in cls.model_fields if hasattr(source, name)}
        data.update(update)
        return cls.model_validate(data)


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
    "PublicModel",
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

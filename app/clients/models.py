import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, StringConstraints
from pydantic import Field as Constrained
from pydantic_core import PydanticCustomError
from sqlalchemy import Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.identifiers import Siren, Siret
from app.core.models import (
    Day,
    Email,
    InputModel,
    Name,
    PublicModel,
    created_at_field,
    id_field,
    trimmed,
)
from app.core.preconditions import Versioned
from app.db import UTCDateTime
from app.legal.table import Regime

PostalCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{5}$")]
Text = Annotated[str, trimmed(300)]


# --- clients (companies) -------------------------------------------------------------------


class Client(Versioned, table=True):
    __tablename__ = "client"
    __table_args__ = (UniqueConstraint("firm_account_id", "siren"),)

    id: uuid.UUID = id_field()
    firm_account_id: uuid.UUID = Field(foreign_key="firm_account.id", index=True)
    siren: str = Field(max_length=9)
    legal_name: str = Field(max_length=200)
    headcount: int
    contact_email: str | None = Field(default=None, max_length=320)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class ClientCreate(InputModel):
    siren: Siren
    legal_name: Name
    headcount: int = Field(ge=0, le=1_000_000, description="Employees of the company (R15)")
    contact_email: Email | None = None
    regime: Regime = Field(
        default=Regime.general,
        description="Partial-activity regime (R23); later changes: POST /v1/clients/{id}/regimes",
    )


# Before the first month of partial activity: the regime given at creation applies throughout.
INITIAL_REGIME_FROM = date(2020, 1, 1)


class ClientRegime(SQLModel, table=True):
    """The client's regime for partial activity from a date on (R23)."""

    __tablename__ = "client_regime"
    __table_args__ = (UniqueConstraint("client_id", "effective_from"),)

    id: uuid.UUID = id_field()
    firm_account_id: uuid.UUID = Field(foreign_key="firm_account.id", index=True)
    client_id: uuid.UUID = Field(foreign_key="client.id", index=True)
    regime: Regime = Field(sa_type=String(16))
    effective_from: date


def _first_of_month(value: date) -> date:
    if value.day != 1:
        raise PydanticCustomError(
            "first_of_month",
            "must be the first day of a month: a regime applies to whole months (R23)",
        )
    return value


class RegimeChange(InputModel):
    regime: Regime
    effective_from: Annotated[
        Day,
        AfterValidator(_first_of_month),
        # What _first_of_month accepts, said in the document too.
        Constrained(json_schema_extra={"pattern": "^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-01$"}),
    ] = Field(description="The first day of the first month the regime applies to")


class RegimePublic(PublicModel):
    regime: Regime
    effective_from: date


class ClientUpdate(InputModel):
    siren: Siren | None = Field(
        default=None, description="Only while the client has no establishment"
    )
    legal_name: Name | None = None
    headcount: int | None = Field(default=None, ge=0, le=1_000_000)
    contact_email: Email | None = None


class ClientPublic(PublicModel):
    id: uuid.UUID
    siren: str
    legal_name: str
    headcount: int
    contact_email: str | None
    regime: Regime = Field(description="The regime in force today")
    created_at: datetime
    updated_at: datetime


# --- establishments ------------------------------------------------------------------------


class EstablishmentStatus(StrEnum):
    active = "active"
    archived = "archived"


class Establishment(Versioned, table=True):
    __tablename__ = "establishment"
    __table_args__ = (
        UniqueConstraint("firm_account_id", "siret"),
        Index("ix_establishment_firm_account_id_id", "firm_account_id", "id"),
    )

    id: uuid.UUID = id_field()
    firm_account_id: uuid.UUID = Field(foreign_key="firm_account.id")
    client_id: uuid.UUID = Field(foreign_key="client.id", index=True)
    siret: str = Field(max_length=14)
    siren: str = Field(max_length=9)
    name: str = Field(max_length=200)
    address: str = Field(max_length=300)
    postal_code: str = Field(max_length=5)
    city: str = Field(max_length=200)
    status: EstablishmentStatus = Field(default=EstablishmentStatus.active, sa_type=String(16))
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class EstablishmentCreate(InputModel):
    client_id: uuid.UUID
    siret: Siret
    name: Name
    address: Text
    postal_code: PostalCode
    city: Name


class EstablishmentUpdate(InputModel):
    """The SIRET and the client are fixed at creation."""

    name: Name | None = None
    address: Text | None = None
    postal_code: PostalCode | None = None
    city: Name | None = None


class EstablishmentPublic(PublicModel):
    id: uuid.UUID
    client_id: uuid.UUID
    siret: str
    siren: str
    name: str
    address: str
    postal_code: str
    city: str
    status: EstablishmentStatus
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime

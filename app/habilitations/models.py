import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import String
from sqlmodel import Field

from app.core.models import Day, InputModel, PublicModel, created_at_field, id_field
from app.core.preconditions import Versioned


class HabilitationStatus(StrEnum):
    not_requested = "not_requested"
    requested = "requested"
    credentials_sent = "credentials_sent"
    habilitated = "habilitated"


class Habilitation(Versioned, table=True):
    """R8: the establishment's APART account steps. R5: no APART identifier or password here."""

    __tablename__ = "habilitation"

    id: uuid.UUID = id_field()
    firm_account_id: uuid.UUID = Field(foreign_key="firm_account.id", index=True)
    establishment_id: uuid.UUID = Field(foreign_key="establishment.id", unique=True)
    status: HabilitationStatus = Field(sa_type=String(20))
    requested_on: date | None = None
    credentials_sent_on: date | None = None
    habilitated_on: date | None = None
    contract_id: uuid.UUID | None = Field(default=None, foreign_key="contract.id")
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class HabilitationPublic(PublicModel):
    establishment_id: uuid.UUID
    status: HabilitationStatus
    requested_on: date | None = None
    credentials_sent_on: date | None = None
    habilitated_on: date | None = None


class HabilitationStep(InputModel):
    on: Day | None = Field(default=None, description="Default: today (Europe/Paris)")

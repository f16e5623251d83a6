import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from sqlalchemy import Index, String, Text
from sqlmodel import Field

from app.core.decimals import decimal_text
from app.core.models import (
    Day,
    InputModel,
    Moment,
    PublicModel,
    created_at_field,
    id_field,
    trimmed,
)
from app.core.preconditions import Versioned
from app.db import DecimalType, UTCDateTime

Hours = Annotated[Decimal, decimal_text(digits=10, places=2, positive=True, example="1200.00")]
HoursOrZero = Annotated[Decimal, decimal_text(digits=10, places=2, example="120.00")]
# The legal working week's ceiling (R11): written into the pattern, not only checked.
WeeklyHours = Annotated[
    Decimal, decimal_text(digits=10, places=2, positive=True, maximum=48, example="35.00")
]
LongText = Annotated[str, trimmed(20000)]


class Motive(StrEnum):
    """R11, in the order of the APART form (1 to 5)."""

    economic_downturn = "economic_downturn"
    supply_difficulties = "supply_difficulties"
    disaster_or_weather = "disaster_or_weather"
    restructuring = "restructuring"
    exceptional_circumstances = "exceptional_circumstances"


class SubMotive(StrEnum):
    coronavirus = "coronavirus"
    other = "other"


class ActivityScope(StrEnum):
    reduction_whole = "reduction_whole"
    reduction_partial = "reduction_partial"
    closure_whole = "closure_whole"
    closure_partial = "closure_partial"


class RequestStatus(StrEnum):
    draft = "draft"
    filed = "filed"
    accepted = "accepted"
    accepted_implicitly = "accepted_implicitly"  # derived when read (R16), never stored
    refused = "refused"
    invalidated = "invalidated"


class CseStatus(StrEnum):
    given = "given"
    deferred = "deferred"
    not_required = "not_required"


class CseOpinion(StrEnum):
    favourable = "favourable"
    unfavourable = "unfavourable"


class Outcome(StrEnum):
    accepted = "accepted"
    refused = "refused"
    invalidated = "invalidated"


class AuthorizationRequest(Versioned, table=True):
    __tablename__ = "authorization_request"
    __table_args__ = (
        Index("ix_authorization_request_firm_account_id_id", "firm_account_id", "id"),
        Index("ix_authorization_request_establishment", "establishment_id", "start_on"),
    )

    id: uuid.UUID = id_field()
    firm_account_id: uuid.UUID = Field(foreign_key="firm_account.id")
    establishment_id: uuid.UUID = Field(foreign_key="establishment.id")
    client_id: uuid.UUID = Field(foreign_key="client.id", index=True)
    status: RequestStatus = Field(default=RequestStatus.draft, sa_type=String(20))
    motive: Motive | None = Field(default=None, sa_type=String(40))
    sub_motive: SubMotive | None = Field(default=None, sa_type=String(40))
    scope: ActivityScope | None = Field(default=None, sa_type=String(40))
    start_on: date | None = None
    end_on: date | None = None
    employees_concerned: int | None = None
    weekly_hours: Decimal | None = Field(default=None, sa_type=DecimalType(10, 2))
    forecast_hours: Decimal | None = Field(default=None, sa_type=DecimalType(12, 2))
    justification: str | None = Field(default=None, sa_type=Text)
    previous_use: bool | None = None
    commitments: str | None = Field(default=None, sa_type=Text)
    cse_status: CseStatus | None = Field(default=None, sa_type=String(20))
    cse_consulted_on: date | None = None
    cse_opinion: CseOpinion | None = Field(default=None, sa_type=String(20))
    cse_due_on: date | None = None
    cse_minutes_document_id: uuid.UUID | None = Field(default=None, foreign_key="document.id")
    filed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    implicit_acceptance_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    contract_id: uuid.UUID | None = Field(default=None, foreign_key="contract.id")
    decided_on: date | None = None
    decision_number: str | None = Field(default=None, max_length=100)
    authorized_hours: Decimal | None = Field(default=None, sa_type=DecimalType(12, 2))
    authorized_employees: int | None = None
    decision_reason: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class CseInput(InputModel):
    status: CseStatus
    consulted_on: Day | None = None
    opinion: CseOpinion | None = None


class RequestFields(InputModel):
    """Every field may be left out of a draft; filing lists what is missing (R11)."""

    motive: Motive | None = None
    sub_motive: SubMotive | None = None
    scope: ActivityScope | None = None
    start_on: Day | None = None
    end_on: Day | None = None
    employees_concerned: int | None = Field(default=None, ge=1, le=1_000_000)
    weekly_hours: WeeklyHours | None = None
    forecast_hours: Hours | None = None
    justification: LongText | None = None
    previous_use: bool | None = Field(
        default=None, description="Partial activity used in the previous 36 months"
    )
    commitments: LongText | None = Field(
        default=None, description="Required when previous_use is true"
    )
    cse: CseInput | None = None


class RequestCreate(RequestFields):
    pass


class RequestUpdate(RequestFields):
    pass


class AuthorizedTerms(PublicModel):
    start_on: date
    end_on: date
    hours: Decimal
    employees: int


class RequestPublic(PublicModel):
    id: uuid.UUID
    establishment_id: uuid.UUID
    client_id: uuid.UUID
    status: RequestStatus
    motive: Motive | None
    sub_motive: SubMotive | None
    scope: ActivityScope | None
    start_on: date | None
    end_on: date | None
    employees_concerned: int | None
    weekly_hours: Decimal | None
    forecast_hours: Decimal | None
    justification: str | None
    previous_use: bool | None
    commitments: str | None
    cse: CseInput | None
    cse_due_on: date | None
    cse_minutes_sha256: str | None = Field(
        default=None, description="SHA-256 of the CSE minutes, once uploaded"
    )
    filing_deadline: date | None = Field(description="Last day to file this draft (R12)")
    filed_at: datetime | None
    implicit_acceptance_at: datetime | None
    decided_on: date | None
    decision_number: str | None
    decision_reason: str | None
    appeal_until: date | None
    authorized: AuthorizedTerms | None
    created_at: datetime
    updated_at: datetime


class FileRequest(InputModel):
    filed_at: Moment | None = Field(
        default=None, description="Default: now. With its UTC offset: 2020-04-01T09:30:00+02:00"
    )


class Decision(InputModel):
    outcome: Outcome
    decided_on: Day | None = Field(default=None, description="Default: today (Europe/Paris)")
    decision_number: Annotated[str, trimmed(100)] | None = None
    authorized_hours: HoursOrZero | None = None
    authorized_employees: int | None = Field(default=None, ge=0, le=1_000_000)
    reason: LongText | None = None


class CseOpinionInput(InputModel):
    consulted_on: Day
    opinion: CseOpinion


class AmendmentStatus(StrEnum):
    draft = "draft"
    filed = "filed"
    accepted = "accepted"
    accepted_implicitly = "accepted_implicitly"
    refused = "refused"
    invalidated = "invalidated"


class Amendment(Versioned, table=True):
    """R18: a longer period, more hours or more employees for an accepted request."""

    __tablename__ = "amendment"

    id: uuid.UUID = id_field()
    firm_account_id: uuid.UUID = Field(foreign_key="firm_account.id", index=True)
    request_id: uuid.UUID = Field(foreign_key="authorization_request.id", index=True)
    establishment_id: uuid.UUID = Field(foreign_key="establishment.id")
    status: AmendmentStatus = Field(default=AmendmentStatus.draft, sa_type=String(20))
    end_on: date | None = None
    additional_hours: Decimal = Field(default=Decimal(0), sa_type=DecimalType(12, 2))
    additional_employees: int = Field(default=0)
    filed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    implicit_acceptance_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    contract_id: uuid.UUID | None = Field(default=None, foreign_key="contract.id")
    decided_on: date | None = None
    decision_number: str | None = Field(default=None, max_length=100)
    authorized_hours: Decimal | None = Field(default=None, sa_type=DecimalType(12, 2))
    authorized_employees: int | None = None
    decision_reason: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class AmendmentCreate(InputModel):
    end_on: Day | None = Field(default=None, description="New end of the period")
    additional_hours: HoursOrZero = Decimal("0.00")
    additional_employees: int = Field(default=0, ge=0, le=1_000_000)


class AmendmentPublic(PublicModel):
    id: uuid.UUID
    request_id: uuid.UUID
    establishment_id: uuid.UUID
    status: AmendmentStatus
    end_on: date | None
    additional_hours: Decimal
    additional_employees: int
    filed_at: datetime | None
    implicit_acceptance_at: datetime | None
    decided_on: date | None
    decision_number: str | None
    decision_reason: str | None
    authorized_hours: Decimal | None
    authorized_employees: int | None
    created_at: datetime

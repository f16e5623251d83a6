import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from sqlalchemy import Index, String, Text
from sqlmodel import Field, SQLModel

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

LongText = Annotated[str, trimmed(20000)]
# R35: the maximum reduction of working time, in % (40, up to 50 when granted).
Reduction = Annotated[
    Decimal, decimal_text(digits=5, places=2, positive=True, maximum=50, example="40.00")
]


class AgreementType(StrEnum):
    agreement = "agreement"  # collective agreement: validated (R36)
    unilateral_document = "unilateral_document"  # applies a branch agreement: homologated


class AgreementStatus(StrEnum):
    draft = "draft"
    filed = "filed"
    validated = "validated"
    homologated = "homologated"
    validated_implicitly = "validated_implicitly"  # derived when read (R36), never stored
    homologated_implicitly = "homologated_implicitly"  # derived when read (R36), never stored
    refused = "refused"


class AgreementOutcome(StrEnum):
    validated = "validated"
    homologated = "homologated"
    refused = "refused"


class DocumentKind(StrEnum):
    agreement = "agreement"  # the agreement or unilateral document itself
    cse_opinion = "cse_opinion"


class NeutralisationBasis(StrEnum):
    """R38: what brings an agreement decided before the automatic date into the neutralisation."""

    amendment = "amendment"
    activity_stopped = "activity_stopped"


class ApldAgreement(Versioned, table=True):
    __tablename__ = "apld_agreement"
    __table_args__ = (
        Index("ix_apld_agreement_firm_account_id_id", "firm_account_id", "id"),
        Index("ix_apld_agreement_client_id", "client_id"),
    )

    id: uuid.UUID = id_field()
    firm_account_id: uuid.UUID = Field(foreign_key="firm_account.id")
    client_id: uuid.UUID = Field(foreign_key="client.id")
    status: AgreementStatus = Field(default=AgreementStatus.draft, sa_type=String(30))
    type: AgreementType | None = Field(default=None, sa_type=String(30))
    start_on: date | None = None
    duration_months: int | None = None
    max_reduction: Decimal | None = Field(default=None, sa_type=DecimalType(5, 2))
    activities: str | None = Field(default=None, sa_type=Text)
    employees_covered: str | None = Field(default=None, sa_type=Text)
    diagnostic: str | None = Field(default=None, sa_type=Text)
    commitments: str | None = Field(default=None, sa_type=Text)
    information: str | None = Field(default=None, sa_type=Text)
    has_cse: bool | None = None
    document_id: uuid.UUID | None = Field(default=None, foreign_key="document.id")
    cse_opinion_document_id: uuid.UUID | None = Field(default=None, foreign_key="document.id")
    filed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    tacit_decision_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    contract_id: uuid.UUID | None = Field(default=None, foreign_key="contract.id")
    decided_on: date | None = None
    decision_reason: str | None = Field(default=None, sa_type=Text)
    reduction_granted: bool | None = None
    neutralisation_basis: NeutralisationBasis | None = Field(default=None, sa_type=String(30))
    neutralisation_recorded_on: date | None = None
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class ApldCoveredEstablishment(SQLModel, table=True):
    """The establishments an agreement covers (R35), all of its client."""

    __tablename__ = "apld_covered_establishment"

    agreement_id: uuid.UUID = Field(foreign_key="apld_agreement.id", primary_key=True)
    establishment_id: uuid.UUID = Field(
        foreign_key="establishment.id", primary_key=True, index=True
    )
    firm_account_id: uuid.UUID = Field(foreign_key="firm_account.id")


class RenewalStatus(StrEnum):
    filed = "filed"
    granted = "granted"
    refused = "refused"


class RenewalOutcome(StrEnum):
    granted = "granted"
    refused = "refused"


class ApldRenewal(Versioned, table=True):
    """R37: a bilan filed before the current authorization ends, asking for the next 6 months."""

    __tablename__ = "apld_renewal"
    __table_args__ = (Index("ix_apld_renewal_agreement_id", "agreement_id", "start_on"),)

    id: uuid.UUID = id_field()
    firm_account_id: uuid.UUID = Field(foreign_key="firm_account.id", index=True)
    agreement_id: uuid.UUID = Field(foreign_key="apld_agreement.id")
    client_id: uuid.UUID = Field(foreign_key="client.id")
    status: RenewalStatus = Field(default=RenewalStatus.filed, sa_type=String(20))
    bilan_on: date
    bilan_document_id: uuid.UUID = Field(foreign_key="document.id")
    start_on: date
    end_on: date
    # R38: the cap in force on the filing date, kept with the renewal
    cap_months: int
    cap_window_months: int
    decided_on: date | None = None
    decision_reason: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class AgreementFields(InputModel):
    """Every field may be left out of a draft; filing lists what is missing (R35)."""

    type: AgreementType | None = None
    establishment_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=200, description="Covered establishments, all of the client"
    )
    start_on: Day | None = None
    duration_months: int | None = Field(default=None, ge=1, le=60)
    max_reduction: Reduction | None = Field(
        default=None, description="Maximum reduction of working time, % (40; up to 50)"
    )
    activities: LongText | None = None
    employees_covered: LongText | None = Field(
        default=None, description="The employees covered (a bare staff percentage is not enough)"
    )
    diagnostic: LongText | None = Field(default=None, description="Economic diagnostic")
    commitments: LongText | None = Field(default=None, description="Job and training commitments")
    information: LongText | None = Field(
        default=None, description="How unions and the CSE are informed (at least quarterly)"
    )
    has_cse: bool | None = Field(
        default=None, description="Whether the company has a CSE (a document needs its opinion)"
    )


class AgreementCreate(AgreementFields):
    pass


class AgreementUpdate(AgreementFields):
    pass


class Neutralisation(PublicModel):
    applies: bool
    automatic: bool
    basis: NeutralisationBasis | None
    recorded_on: date | None
    first_month: str
    last_month: str


class AuthorizationPeriod(PublicModel):
    sequence: int
    start_on: date
    end_on: date
    renewal_id: uuid.UUID | None = Field(description="Null for the first authorization")


class Usage(PublicModel):
    """R38: authorized calendar months, neutralised ones left out."""

    months_used: int
    months_left: int
    cap_months: int
    window_months: int
    window_end_on: date
    agreement_end_on: date


class AgreementPublic(PublicModel):
    id: uuid.UUID
    client_id: uuid.UUID
    status: AgreementStatus
    type: AgreementType | None
    establishment_ids: list[uuid.UUID]
    start_on: date | None
    duration_months: int | None
    max_reduction: Decimal | None
    activities: str | None
    employees_covered: str | None
    diagnostic: str | None
    commitments: str | None
    information: str | None
    has_cse: bool | None
    document_sha256: str | None
    cse_opinion_sha256: str | None
    entry_deadline: date | None = Field(description="Last day to file this draft (R35)")
    filed_at: datetime | None
    tacit_decision_at: datetime | None = Field(
        description="When silence validates or homologates it (R36)"
    )
    decided_on: date | None
    decision_reason: str | None
    max_reduction_granted: Decimal | None
    neutralisation: Neutralisation | None
    authorizations: list[AuthorizationPeriod]
    usage: Usage | None
    created_at: datetime
    updated_at: datetime


class FileAgreement(InputModel):
    filed_at: Moment | None = Field(
        default=None, description="Default: now. With its UTC offset: 2021-01-04T09:30:00+01:00"
    )


class AgreementDecision(InputModel):
    outcome: AgreementOutcome
    decided_on: Day | None = Field(default=None, description="Default: today (Europe/Paris)")
    reason: LongText | None = Field(default=None, description="Required for a refusal")
    reduction_granted: bool | None = Field(
        default=None, description="Whether a maximum reduction above 40 % is granted"
    )


class NeutralisationInput(InputModel):
    basis: NeutralisationBasis
    on: Day | None = Field(default=None, description="Default: today (Europe/Paris)")


class RenewalPublic(PublicModel):
    id: uuid.UUID
    agreement_id: uuid.UUID
    client_id: uuid.UUID
    status: RenewalStatus
    bilan_on: date
    bilan_sha256: str | None
    start_on: date
    end_on: date
    cap_months: int
    cap_window_months: int
    decided_on: date | None
    decision_reason: str | None
    created_at: datetime
    updated_at: datetime


class RenewalDecision(InputModel):
    outcome: RenewalOutcome
    decided_on: Day | None = Field(default=None, description="Default: today (Europe/Paris)")
    reason: LongText | None = Field(default=None, description="Required for a refusal")

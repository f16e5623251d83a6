import uuid
from decimal import Decimal

from pydantic import Field

from app.claims.models import ClaimCreate
from app.core.models import PublicModel


class ApldClaimCreate(ClaimCreate):
    establishment_id: uuid.UUID = Field(description="One of the agreement's establishments")


class MeterEntry(PublicModel):
    """R39, one employee: hours not worked under APLD over the agreement's duration."""

    employee_ref: str
    employee_name: str
    nir: str | None = Field(description="Masked")
    used: Decimal = Field(description="Hours not worked of the filed, validated and paid claims")
    allowed: Decimal = Field(description="Maximum reduction × 151.67 h × counted months")
    left: Decimal

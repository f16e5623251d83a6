"""Machine clients (OAuth2 client credentials, RFC 6749 §4.4): payroll software calling the API
with a client id and secret instead of a person's e-mail and password."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field as PydanticField
from sqlalchemy import Index
from sqlmodel import Field

from app.core.models import InputModel, Moment, Name, PublicModel, created_at_field, id_field
from app.core.preconditions import Versioned
from app.db import UTCDateTime
from app.firms.scopes import SCOPES


class ApiClient(Versioned, table=True):
    """An API client of a firm. Its secret is stored only as a SHA-256 digest (it is 256
    random bits, see `core.security.new_client_secret`); after a rotation the previous one is
    kept, as its digest, until `previous_secret_valid_until`."""

    __tablename__ = "api_client"
    __table_args__ = (Index("ix_api_client_firm_account_id_id", "firm_account_id", "id"),)

    id: uuid.UUID = id_field()
    firm_account_id: uuid.UUID = Field(foreign_key="firm_account.id")
    name: str = Field(max_length=200)
    # The role it acts with: its creator's at its creation (the scopes are within it).
    role: str = Field(max_length=20)
    scope: str = Field(max_length=1000)
    secret_hash: str = Field(max_length=64)
    previous_secret_hash: str | None = Field(default=None, max_length=64)
    previous_secret_valid_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Written into its access tokens, like a user's (the revocation refuses them anyway).
    token_generation: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = created_at_field()


# Only people manage API clients: a client can never mint or rotate others.
MANAGEMENT_SCOPES = frozenset({"api_clients:read", "api_clients:write"})
ScopeName = Annotated[
    str, PydanticField(json_schema_extra={"enum": sorted(set(SCOPES) - MANAGEMENT_SCOPES)})
]


class ApiClientCreate(InputModel):
    name: Name
    scopes: list[ScopeName] = Field(
        min_length=1,
        max_length=len(SCOPES) - len(MANAGEMENT_SCOPES),
        description="What its tokens may do: within the creator's own scopes; never "
        "`api_clients:read` or `api_clients:write` (only people manage API clients)",
    )
    expires_at: Moment | None = Field(
        default=None, description="When it stops working; none: until it is revoked"
    )


class ApiClientPublic(PublicModel):
    id: uuid.UUID
    client_id: str = PydanticField(description="The `client_id` of the token request")
    name: str
    role: str
    scopes: list[str]
    expires_at: datetime | None
    last_used_at: datetime | None = PydanticField(
        description="When it last obtained a token (not each request it made)"
    )
    revoked_at: datetime | None
    previous_secret_valid_until: datetime | None = PydanticField(
        description="After a rotation: until when the previous secret still works"
    )
    created_by: uuid.UUID | None
    created_at: datetime

    @classmethod
    def of(cls, row: ApiClient) -> "ApiClientPublic":
        return cls.build(row, {"client_id": str(row.id), "scopes": row.scope.split()})


class ApiClientWithSecret(ApiClientPublic):
    client_secret: str = PydanticField(
        description="Shown this once: only its digest is kept. Store it now"
    )

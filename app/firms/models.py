import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, String
from sqlmodel import Field, SQLModel

from app.core.identifiers import Siret
from app.core.models import (
    Email,
    InputModel,
    Name,
    Password,
    PublicModel,
    created_at_field,
    id_field,
)
from app.core.preconditions import Versioned
from app.firms.rules import ESTABLISHMENT_LIMIT


class Role(StrEnum):
    owner = "owner"
    admin = "admin"
    member = "member"


class FirmAccount(SQLModel, table=True):
    __tablename__ = "firm_account"
    __table_args__ = (
        # R3 backstop: the guarded update is the mechanism, this makes a bug fail loudly.
        CheckConstraint(
            f"establishments_active >= 0 AND establishments_active <= {ESTABLISHMENT_LIMIT}",
            name="establishments_active_range",
        ),
    )

    id: uuid.UUID = id_field()
    name: str = Field(max_length=200)
    siret: str = Field(max_length=14)
    email: str = Field(max_length=320, unique=True)
    establishments_active: int = Field(default=0)
    # The position of the firm's last audit event in its change feed. Bumped by each
    # transaction that records events, whose row lock then lasts until its commit: a firm's
    # events are numbered in the order their transactions commit (R26, the change feed).
    event_seq: int = Field(default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = created_at_field()


class FirmPublic(PublicModel):
    id: uuid.UUID
    name: str
    siret: str
    email: str
    establishments_active: int
    establishments_limit: int = ESTABLISHMENT_LIMIT
    created_at: datetime


class FirmUpdate(InputModel):
    name: Name | None = None
    email: Email | None = None


class User(Versioned, table=True):
    __tablename__ = "user_account"

    id: uuid.UUID = id_field()
    firm_account_id: uuid.UUID = Field(foreign_key="firm_account.id", index=True)
    email: str = Field(max_length=320, unique=True)
    full_name: str = Field(max_length=200)
    password_hash: str = Field(max_length=255)
    role: Role = Field(sa_type=String(16))
    active: bool = Field(default=True)
    # Carried by each access token (`gen`) and bumped by a deactivation or a role change (and a
    # password change, once there is one): a token of an older generation is refused. A counter,
    # not a time, so a token issued in the same second as the change is not ambiguous.
    token_generation: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = created_at_field()


class UserCreate(InputModel):
    email: Email
    full_name: Name
    password: Password
    role: Role = Role.member


class OwnerCreate(InputModel):
    email: Email
    full_name: Name
    password: Password


class FirmCreate(InputModel):
    name: Name
    siret: Siret
    email: Email = Field(description="The firm's APART account e-mail")
    owner: OwnerCreate


class UserUpdate(InputModel):
    role: Role | None = None
    active: bool | None = None


class UserPublic(PublicModel):
    id: uuid.UUID
    email: str
    full_name: str
    role: Role
    active: bool
    created_at: datetime


class Me(PublicModel):
    user: UserPublic
    firm: FirmPublic
    scopes: list[str]

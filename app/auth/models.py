import uuid
from datetime import datetime
from typing import Annotated

from pydantic import StringConstraints
from sqlmodel import Field, SQLModel

from app.core.models import InputModel, PublicModel, created_at_field, id_field
from app.db import UTCDateTime


class RefreshToken(SQLModel, table=True):
    """One link of a rotation chain (family). Only the SHA-256 of the token is stored."""

    __tablename__ = "refresh_token"

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True)
    family_id: uuid.UUID = Field(index=True)
    token_hash: str = Field(max_length=64, unique=True)
    scope: str = Field(max_length=1000)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = created_at_field()


class LoginThrottle(SQLModel, table=True):
    """Login attempts counted per key (`account:<email>` or `address:<ip>`) in the current
    window: each is counted before its password is checked; a success gives its own back."""

    __tablename__ = "login_throttle"

    key: str = Field(primary_key=True, max_length=400)
    failures: int = Field(default=0)
    window_started_at: datetime = Field(sa_type=UTCDateTime)


class TokenPair(PublicModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    refresh_token: str
    scope: str


class ClientToken(PublicModel):
    """The answer to a client credentials request: an access token, no refresh token (RFC 6749
    §4.4.3); the client asks for a new one with its secret."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int
    scope: str


class RefreshRequest(InputModel):
    # what `core.security.new_refresh_token` makes: URL-safe base64 text
    refresh_token: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,128}$")]

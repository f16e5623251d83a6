"""The textbook async stack, as a yardstick for the service's GET /v1/establishments/{id}.

FastAPI + SQLAlchemy asyncio (`create_async_engine`, `async_sessionmaker`, one `AsyncSession`
per request from a yield dependency) + psycopg 3 async, on the service's own database (migrated
by its Alembic migrations). It does the same work as the service's route: verify the bearer token
with the service's own `app.core.security.decode_access_token`, read the user's (active, role,
firm_account_id) and the establishment scoped to the user's firm in one joined query, check the
scope, and answer the same JSON fields as the service's EstablishmentPublic.

Settings come from the service's `app.config.Settings` (the same environment variables:
`DATABASE_URL`, `JWT_SECRET`, `DB_POOL_SIZE`, `DB_MAX_OVERFLOW`...). Run it from the service's
source directory, so that `app` is the code under test:

    cd <service source> && uvicorn --app-dir <this folder> reference_app:app --workers 2

bench/deployed.py does it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel, field_serializer
from sqlalchemy import String, and_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import DateTime

from app.config import Settings
from app.core.security import AccessClaims, InvalidToken, decode_access_token

SCOPE = "establishments:read"
ROLES = {"owner", "admin", "member"}  # every role may read establishments


class Base(DeclarativeBase):
    pass


class UserAccount(Base):
    __tablename__ = "user_account"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    firm_account_id: Mapped[uuid.UUID]
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool]


class Establishment(Base):
    __tablename__ = "establishment"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    firm_account_id: Mapped[uuid.UUID]
    client_id: Mapped[uuid.UUID]
    siret: Mapped[str] = mapped_column(String(14))
    siren: Mapped[str] = mapped_column(String(9))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    postal_code: Mapped[str] = mapped_column(String(5))
    city: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EstablishmentOut(BaseModel):
    model_config = {"from_attributes": True}

    id: uuid.UUID
    client_id: uuid.UUID
    siret: str
    siren: str
    name: str
    address: str
    postal_code: str
    city: str
    status: str
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @field_serializer("archived_at", "created_at", "updated_at")
    def _utc(self, value: datetime | None) -> datetime | None:
        # The service answers its timestamps in UTC, whatever the server's TimeZone.
        return None if value is None else value.astimezone(UTC)


def async_url(url: str) -> str:
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    raise ValueError("the reference app runs on PostgreSQL only (postgresql+psycopg://...)")


settings = Settings()
engine = create_async_engine(
    async_url(settings.database_url),
    pool_size=settings.db_pool_size,
    max_overflow=settings.db_max_overflow,
    pool_pre_ping=False,
)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    yield
    await engine.dispose()


app = FastAPI(title="reference app", lifespan=lifespan, docs_url=None, redoc_url=None)


async def get_session() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session:
        yield session


def unauthorized() -> HTTPException:
    return HTTPException(401, "Invalid or expired token", headers={"WWW-Authenticate": "Bearer"})


async def get_claims(request: Request) -> AccessClaims:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise unauthorized()
    try:
        return decode_access_token(settings, token)
    except InvalidToken as exc:
        raise unauthorized() from exc


@app.get("/v1/establishments/{establishment_id}", response_model=EstablishmentOut)
async def get_establishment(
    establishment_id: uuid.UUID,
    claims: Annotated[AccessClaims, Depends(get_claims)],
    session: Annotated[AsyncSession, Depends(get_session)],
) -> EstablishmentOut:
    in_firm = and_(
        Establishment.id == establishment_id,
        Establishment.firm_account_id == UserAccount.firm_account_id,
    )
    stmt = (
        select(UserAccount.active, UserAccount.role, UserAccount.firm_account_id, Establishment)
        .outerjoin(Establishment, in_firm)
        .where(UserAccount.id == claims.subject)
    )
    row = (await session.execute(stmt)).first()
    if row is None or not row.active or row.firm_account_id != claims.firm_account_id:
        raise unauthorized()
    if row.role not in ROLES or SCOPE not in claims.scopes:
        raise HTTPException(403, f"This token lacks the scope(s): {SCOPE}")
    if row.Establishment is None:
        raise HTTPException(404, "Establishment not found")
    return EstablishmentOut.model_validate(row.Establishment)


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}

"""Keyset pagination on time-ordered UUID primary keys."""

import base64
import binascii
import re
import uuid
from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select
from sqlalchemy import select as sa_select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.models import Moment
from app.errors import FieldError, InvalidInput

T = TypeVar("T")
P = TypeVar("P", bound=BaseModel)
DEFAULT_LIMIT = 50
MAX_LIMIT = 100


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


class PageParams(BaseModel):
    limit: int
    cursor: uuid.UUID | None


# 16 bytes in URL-safe base64 without padding; base64 alone would skip other characters.
CURSOR_PATTERN = "^[A-Za-z0-9_-]{22}$"
_CURSOR = re.compile(CURSOR_PATTERN)


def _decode_cursor(cursor: str | None) -> uuid.UUID | None:
    if cursor is None:
        return None
    try:
        if not _CURSOR.match(cursor):
            raise ValueError(cursor)
        return uuid.UUID(bytes=base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(
            "cursor", "not a cursor returned by this list", location="query"
        ) from exc


def encode_cursor(value: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(value.bytes).rstrip(b"=").decode()


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(
            description="`next_cursor` of the previous page",
            json_schema_extra={"pattern": CURSOR_PATTERN},
        ),
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=_decode_cursor(cursor))


PageDep = Annotated[PageParams, Depends(page_params)]

UpdatedSince = Annotated[
    Moment | None,
    Query(
        description="Only the items changed (or created) at or after this moment. Timestamps "
        "are not gap-free: a change committed late can carry an earlier time, so overlap your "
        "windows; `GET /v1/events?after=` is the exact way to follow changes"
    ),
]


async def paginate(
    session: AsyncSession, stmt: Select[Any], key: ColumnElement[uuid.UUID], params: PageParams
) -> tuple[Sequence[Any], str | None]:
    if params.cursor is not None:
        stmt = stmt.where(key > params.cursor)
    rows = (await session.exec(stmt.order_by(key).limit(params.limit + 1))).all()  # type: ignore[call-overload]
    if len(rows) > params.limit:
        rows = rows[: params.limit]
        last = rows[-1]
        return rows, encode_cursor(last.id)
    return rows, None


async def paginate_public(
    session: AsyncSession,
    stmt: Select[Any],
    key: ColumnElement[uuid.UUID],
    params: PageParams,
    public: type[P],
) -> tuple[list[P], str | None]:
    """`paginate` for read-only lists: the selected columns straight into the public model,
    without making ORM instances."""
    if params.cursor is not None:
        stmt = stmt.where(key > params.cursor)
    table = stmt.column_descriptions[0]["entity"].__table__
    columns = sa_select(*table.c)
    if stmt.whereclause is not None:
        columns = columns.where(stmt.whereclause)
    rows = (await session.exec(columns.order_by(key).limit(params.limit + 1))).mappings().all()  # type: ignore[call-overload]
    items = [public.model_validate(dict(row)) for row in rows]
    if len(items) > params.limit:
        items = items[: params.limit]
        return items, encode_cursor(items[-1].id)  # type: ignore[attr-defined]
    return items, None


__all__ = [
    "FieldError",
    "Page",
    "PageDep",
    "PageParams",
    "UpdatedSince",
    "encode_cursor",
    "page_params",
    "paginate",
    "paginate_public",
]

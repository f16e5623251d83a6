"""Optimistic concurrency (RFC 9110 §8.8.3, §13.1.1): every mutable row carries a version,
bumped by each flush that changes it; its answers carry it as a strong `ETag`, and a write
that names the version it was based on (`If-Match`) is refused with 412 when the row moved on.

The check is made on the row as the service locks it for its write (`check_version`, called
by `tenancy.get_scoped(..., for_update=True)`), so it holds until the commit: two writers with
the same `If-Match` take turns on the lock, and the second finds a newer version."""

import re
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

from fastapi import Header, Request, Response
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import WriteSession
from app.errors import InvalidInput, PreconditionFailed

_EXPECTED = "app.if_match"
# One entity-tag of a list (RFC 9110 §8.8.3): optional weakness, a quoted string of etagc.
_ENTITY_TAG = re.compile(r'[ \t]*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"[ \t]*(?:,|$)')
# The whole header as `parse_if_match` reads it, for the OpenAPI document: `*`, or entity-tags
# separated by commas (one may end the list).
_TAG = r'(?:W/)?"[\x21\x23-\x7e\x80-\xff]*"[ \t]*'
IF_MATCH_PATTERN = rf"^(?:[ \t]*\*[ \t]*|[ \t]*{_TAG}(?:,[ \t]*{_TAG})*,?)$"

IF_MATCH_DESCRIPTION = (
    "The `ETag` of the version this change is based on (or `*`). When the resource has changed "
    "since, the answer is 412 `precondition_failed` and nothing is written. Clients SHOULD "
    "send it; without it, the last writer wins."
)


class Versioned(SQLModel):
    """The version of a mutable row: 1 when created, one more for each change."""

    row_version: int = Field(default=1, nullable=False, sa_column_kwargs={"server_default": "1"})


_BUMPED = "app.bumped_rows"


@event.listens_for(Session, "before_flush")
def _bump_versions(session: Session, _context: Any, _instances: Any) -> None:
    """One more per transaction that changes the row, however many flushes it takes."""
    bumped: set[int] = session.info.setdefault(_BUMPED, set())
    for row in session.dirty:
        if (
            isinstance(row, Versioned)
            and id(row) not in bumped
            and session.is_modified(row, include_collections=False)
        ):
            row.row_version += 1
            bumped.add(id(row))


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _transaction_over(session: Session) -> None:
    session.info.pop(_BUMPED, None)


# The versioned rows a session loaded or wrote, kept for `tag` (the session's identity map
# holds clean rows weakly: a service that answers a public model lets its row go).
_SEEN = "app.versioned_rows"


@event.listens_for(Session, "loaded_as_persistent")
@event.listens_for(Session, "pending_to_persistent")
def _keep(session: Session, row: Any) -> None:
    if isinstance(row, Versioned):
        session.info.setdefault(_SEEN, []).append(row)


class Headers(Protocol):
    """An answer's headers (Starlette's `MutableHeaders`), as services may set them."""

    def __setitem__(self, key: str, value: str, /) -> None: ...


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(value: str) -> frozenset[str] | None:
    """The strong tags listed, or None for `*`. Weak tags are valid but never match (If-Match
    compares strongly)."""
    if value.strip(" \t") == "*":
        return None
    tags: set[str] = set()
    pos = 0
    while pos < len(value) or pos == 0:
        match = _ENTITY_TAG.match(value, pos)
        if match is None:
            raise InvalidInput(
                "If-Match",
                'must be `*` or a comma-separated list of entity tags such as `"3"`',
                type="if_match_format",
                location="header",
            )
        if not match[1]:
            tags.add(match[2])
        pos = match.end()
    return frozenset(tags)


@dataclass(slots=True)
class Expected:
    model: type[Any]
    value: uuid.UUID
    tags: frozenset[str] | None  # None: `*`, any existing version
    checked: bool = False


def expects(session: AsyncSession, model: type[Any]) -> bool:
    """Whether a check for this model's rows is pending in this transaction."""
    expected: Expected | None = session.info.get(_EXPECTED)
    return expected is not None and not expected.checked and expected.model is model


def check_version(
    session: AsyncSession, model: type[Any], value: uuid.UUID, version: int | None
) -> None:
    """Compare the `If-Match` of the request, if any, with the version of the row of `model`
    whose key is `value` (None: no such row), read under the row's lock. Checked once: later
    reads of the same row in the transaction see this transaction's own changes."""
    expected: Expected | None = session.info.get(_EXPECTED)
    if expected is None or expected.checked or expected.model is not model:
        return
    if expected.value != value:
        return
    expected.checked = True
    if version is None:
        raise PreconditionFailed("If-Match names a version, and the resource does not exist")
    if expected.tags is not None and str(version) not in expected.tags:
        raise PreconditionFailed(
            f"The resource changed since the version in If-Match: it is now {etag(version)}; "
            "read it again, then retry with its new ETag"
        )


def check_row(session: AsyncSession, row: Any) -> None:
    check_version(session, type(row), row.id, row.row_version)


class IfMatch:
    """Dependency of a write on one resource, named by a path parameter: records the request's
    `If-Match` for `check_version`. Declare it after the caller's dependency, so that a caller
    who may not write hears 401/403 first."""

    def __init__(self, model: type[Any], path_param: str) -> None:
        self.model, self.path_param = model, path_param

    async def __call__(
        self,
        request: Request,
        session: WriteSession,
        if_match: Annotated[
            str | None,
            Header(
                alias="If-Match",
                description=IF_MATCH_DESCRIPTION,
                json_schema_extra={"pattern": IF_MATCH_PATTERN},
            ),
        ] = None,
    ) -> None:
        if if_match is None:
            return
        tags = parse_if_match(if_match)
        try:
            value = uuid.UUID(request.path_params[self.path_param])
        except ValueError:
            return  # the route's own validation refuses the path
        session.info[_EXPECTED] = Expected(self.model, value, tags)


async def tag(
    session: AsyncSession,
    response: Response,
    model: type[Any],
    value: Any,
    *,
    key: str = "id",
    missing: int | None = None,
) -> None:
    """Set the `ETag` of the row of `model` whose `key` is `value`, as this transaction leaves
    it (flushed first, so that the version counts every change); `missing`: the version of a
    resource that has no row yet."""
    expected: Expected | None = session.info.get(_EXPECTED)
    if expected is not None and not expected.checked:  # a write that locked no row of it
        raise RuntimeError(f"If-Match on {expected.model.__name__} was never compared")
    await session.flush()
    for row in reversed(session.info.get(_SEEN, ())):
        if type(row) is model and getattr(row, key) == value:
            response.headers["ETag"] = etag(row.row_version)
            return
    if missing is None:
        raise LookupError(f"no {model.__name__} {value} in the session")  # a bug of the route
    response.headers["ETag"] = etag(missing)

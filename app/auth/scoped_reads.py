"""GET by id in one round trip: the caller's status and the row in the same query."""

import uuid
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import Select, and_, bindparam
from sqlalchemy import select as sa_select

from app.api_clients.models import ApiClient
from app.auth.deps import CLIENT_STATUS, USER_STATUS, Bearer
from app.core.preconditions import Headers, etag
from app.db import read_session
from app.errors import InvalidInput, NotFound
from app.firms.models import User

P = TypeVar("P", bound=BaseModel)


@cache
def _by_id_with_user(model: type[Any], client: bool) -> tuple[Select[Any], tuple[str, ...]]:
    """The user's row always (the API client's, for a client's token), the resource's columns
    null when it does not exist in the caller's firm."""
    table = model.__table__
    callers = (ApiClient if client else User).__table__  # type: ignore[union-attr]
    in_firm = and_(
        table.c.id == bindparam("id"), table.c.firm_account_id == callers.c.firm_account_id
    )
    stmt = (
        sa_select(*(CLIENT_STATUS if client else USER_STATUS), *table.c)
        .select_from(callers.outerjoin(table, in_firm))
        .where(callers.c.id == bindparam("user_id"))
    )
    return stmt, tuple(table.c.keys())


_UUID = TypeAdapter(uuid.UUID)


async def read_scoped(
    bearer: Bearer,
    model: type[Any],
    public: type[P],
    resource_id: str,
    *,
    label: str,
    id_param: str,
    headers: Headers | None = None,
) -> P:
    """`get_scoped` for read-only answers, authorizing the caller on the way: one query reads
    the user's status with the row (see `Bearer`) straight into the public model; `headers`
    (the answer's) get the row's `ETag`.

    The id comes as the path's text and is checked here, after `authorize`, so that a malformed
    id answers 401 or 403 to a caller who may not read, as the principal dependency does."""
    try:
        parsed: uuid.UUID | None = _UUID.validate_python(resource_id)
        invalid = None
    except ValidationError as exc:
        parsed, invalid = None, exc.errors()[0]
    stmt, keys = _by_id_with_user(model, bearer.is_client)  # type: ignore[arg-type]
    session = read_session(bearer.request)
    row = (await session.exec(stmt, params={"id": parsed, "user_id": bearer.subject})).first()  # type: ignore[call-overload]
    bearer.authorize(None if row is None else row[: len(USER_STATUS)])
    if invalid is not None:
        raise InvalidInput(id_param, invalid["msg"], type=invalid["type"], location="path")
    assert row is not None  # authorize refuses a missing user
    values = dict(zip(keys, row[len(USER_STATUS) :], strict=True))
    if values["id"] is None:  # the outer join found no such row in the user's firm
        raise NotFound(label)
    if headers is not None:  # the row's validator, from the row read: no other query
        headers["ETag"] = etag(values["row_version"])
    return public.model_validate(values)

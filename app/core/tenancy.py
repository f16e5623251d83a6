"""The one place that scopes tenant data to the caller's firm account (R4)."""

import uuid
from functools import cache
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import and_, bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from app.auth.deps import USER_STATUS, Bearer, authorize
from app.db import PreparedRead
from app.errors import NotFound
from app.firms.models import User


class HasTenant(Protocol):
    id: Any
    firm_account_id: Any


class TenantPrincipal(Protocol):
    @property
    def firm_account_id(self) -> uuid.UUID: ...


M = TypeVar("M", bound=HasTenant)


def scoped(model: type[M], principal: TenantPrincipal) -> SelectOfScalar[M]:
    return select(model).where(model.firm_account_id == principal.firm_account_id)


def get_scoped(
    session: Session,
    model: type[M],
    resource_id: uuid.UUID,
    principal: TenantPrincipal,
    *,
    label: str,
    for_update: bool = False,
) -> M:
    """Another firm's row answers exactly like a missing one."""
    stmt = scoped(model, principal).where(model.id == resource_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = session.exec(stmt).first()
    if row is None:
        raise NotFound(label)
    return row


P = TypeVar("P", bound=BaseModel)


@cache
def _by_id_with_user(model: type[Any]) -> tuple[PreparedRead, tuple[str, ...]]:
    """The user's status and the row in one query: the user's row always, the resource's
    columns null when it does not exist in the user's firm."""
    table = model.__table__
    users = User.__table__  # type: ignore[attr-defined]
    in_firm = and_(
        table.c.id == bindparam("id"), table.c.firm_account_id == users.c.firm_account_id
    )
    stmt = (
        sa_select(*USER_STATUS, *table.c)
        .select_from(users.outerjoin(table, in_firm))
        .where(users.c.id == bindparam("user_id"))
    )
    return PreparedRead(stmt), tuple(table.c.keys())


def read_scoped(
    bearer: Bearer,
    model: type[Any],
    public: type[P],
    resource_id: uuid.UUID,
    *,
    label: str,
) -> P:
    """`get_scoped` for read-only answers, authorizing the caller on the way: one Core query
    reads the user's status with the row (see `Bearer`) straight into the public model, without
    the ORM's identity map and instance loading (the hot GET-by-id path)."""
    stmt, keys = _by_id_with_user(model)  # type: ignore[arg-type]
    params = {"id": resource_id, "user_id": bearer.claims.user_id}
    row = stmt.first(bearer.bind, params)
    status = None if row is None else row[: len(USER_STATUS)]
    authorize(bearer.claims, status, bearer.required_scopes)
    assert row is not None  # authorize refuses a missing user
    values = row[len(USER_STATUS) :]
    if values[0] is None:
        raise NotFound(label)
    return public.model_validate(dict(zip(keys, values, strict=True)))

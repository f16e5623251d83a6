"""The one place that scopes tenant data to the caller's firm account (R4)."""

import uuid
from functools import cache
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, bindparam
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from app.db import read_connection
from app.errors import NotFound


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
def _by_id(model: type[Any]) -> Select[Any]:
    table = model.__table__
    return select(table).where(
        table.c.id == bindparam("id"), table.c.firm_account_id == bindparam("firm_account_id")
    )


def read_scoped(
    session: Session,
    model: type[Any],
    public: type[P],
    resource_id: uuid.UUID,
    principal: TenantPrincipal,
    *,
    label: str,
) -> P:
    """`get_scoped` for read-only answers: a Core query straight into the public model, without
    the ORM's identity map and instance loading (the hot GET-by-id path)."""
    params = {"id": resource_id, "firm_account_id": principal.firm_account_id}
    stmt = _by_id(model)  # type: ignore[arg-type]
    with read_connection(session) as connection:
        row = connection.execute(stmt, params).mappings().first()
    if row is None:
        raise NotFound(label)
    return public.model_validate(dict(row))

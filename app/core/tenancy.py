"""The one place that scopes tenant data to the caller's firm account (R4)."""

import uuid
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, FromClause, bindparam
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from app.core.preconditions import check_row, expects
from app.core.principal import Principal
from app.errors import NotFound


class HasTenant(Protocol):
    id: Any
    firm_account_id: Any


M = TypeVar("M", bound=HasTenant)


def scoped(model: type[M], principal: Principal) -> SelectOfScalar[M]:
    return select(model).where(model.firm_account_id == principal.firm_account_id)


_FIRM = "tenant_firm_account_id"


def in_firm(table: FromClause) -> ColumnElement[bool]:
    """The tenant filter of a statement built once and executed many times: execute it with
    `firm_params(principal)` among its parameters."""
    return table.c.firm_account_id == bindparam(_FIRM)


def firm_params(principal: Principal) -> dict[str, Any]:
    return {_FIRM: principal.firm_account_id}


async def get_scoped(
    session: AsyncSession,
    model: type[M],
    resource_id: uuid.UUID,
    principal: Principal,
    *,
    label: str,
    for_update: bool = False,
    key_share: bool = False,
) -> M:
    """Another firm's row answers exactly like a missing one. `for_update` locks the row until
    the transaction ends; `key_share` (PostgreSQL's `FOR NO KEY UPDATE`) leaves the rows that
    merely refer to it free to be written."""
    stmt = scoped(model, principal).where(model.id == resource_id)
    if for_update:
        stmt = stmt.with_for_update(key_share=key_share)
        if key_share or expects(session, model):
            # the row as locked, not as read before in this session
            stmt = stmt.execution_options(populate_existing=True)
    row = (await session.exec(stmt)).first()
    if row is None:
        raise NotFound(label)
    if for_update:
        check_row(session, row)
    return row

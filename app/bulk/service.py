"""Batches of creates: each item goes through the single create's own use case, in a savepoint
of its own, so that an item refused leaves the others as they were. All or nothing (the
default): any item refused refuses the batch, every item's outcome in the problem. Partial:
the accepted items are kept.

Locks: a batch first takes, in id order, the rows its items refer to (clients, requests), then
the firm's row, and only then writes; a single create takes them in the same order, so batches
and single creates never wait for each other in a circle. The firm's row makes the firm's
batches take turns; R3's slot is still the guarded UPDATE of each establishment's create."""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.bulk.errors import BatchRejected
from app.bulk.models import (
    ClaimBatchEntry,
    ClaimBatchResult,
    ClaimOutcome,
    ClientBatchResult,
    ClientOutcome,
    EstablishmentBatchResult,
    EstablishmentOutcome,
)
from app.claims import drafts
from app.claims import service as claims
from app.claims.models import ClaimSummary
from app.clients import service as clients
from app.clients.models import ClientCreate, EstablishmentCreate, EstablishmentPublic
from app.core.principal import Principal
from app.errors import DomainError, ItemOutcome
from app.firms import service as firms
from app.problems import invalid_fields, item_problem

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")


class Outcome(Generic[R]):
    __slots__ = ("index", "problem", "resource")

    def __init__(self, index: int, resource: R | None, problem: DomainError | None) -> None:
        self.index, self.resource, self.problem = index, resource, problem

    @property
    def status(self) -> int:
        return 201 if self.problem is None else self.problem.status

    def summary(self, line: int | None = None) -> ItemOutcome:
        problem = None if self.problem is None else item_problem(self.problem)
        return ItemOutcome(index=self.index, line=line, status=self.status, problem=problem)


def parse_items(raw: Sequence[Any], model: type[M]) -> list[M | DomainError]:
    """Each item checked against its schema on its own: the model, or the 422 it would get."""
    parsed: list[M | DomainError] = []
    for item in raw:
        try:
            parsed.append(model.model_validate(item))
        except ValidationError as exc:
            parsed.append(invalid_fields(exc.errors(include_url=False, include_input=False)))
    return parsed


async def run_items(
    session: AsyncSession,
    items: Sequence[M | DomainError],
    create: Callable[[M], Awaitable[R]],
    *,
    partial: bool,
) -> list[Outcome[R]]:
    """Each valid item created in a savepoint; raises `BatchRejected` (the request rolls back)
    when not `partial` and any item was refused."""
    outcomes: list[Outcome[R]] = []
    for index, item in enumerate(items):
        if isinstance(item, DomainError):
            outcomes.append(Outcome(index, None, item))
            continue
        try:
            async with session.begin_nested():
                resource = await create(item)
        except DomainError as exc:
            outcomes.append(Outcome(index, None, exc))
            continue
        outcomes.append(Outcome(index, resource, None))
        # Its rows are written (the savepoint's release flushed them) and answered: out of the
        # session, so that each flush of the next items does not look at every row made before.
        session.expunge_all()
    if not partial and any(o.problem is not None for o in outcomes):
        raise BatchRejected([o.summary() for o in outcomes])
    return outcomes


def _counts(outcomes: Sequence[Outcome[Any]]) -> dict[str, int]:
    failed = sum(o.problem is not None for o in outcomes)
    return {"created": len(outcomes) - failed, "failed": failed}


def _problem(o: Outcome[Any]) -> Any:
    return None if o.problem is None else item_problem(o.problem)


async def create_clients(
    session: AsyncSession, principal: Principal, *, raw: Sequence[Any], partial: bool, today: date
) -> ClientBatchResult:
    items = parse_items(raw, ClientCreate)
    # Two batches sharing SIRENs in another order would otherwise wait for each other's rows.
    await firms.lock_firm(session, firm_account_id=principal.firm_account_id)

    async def create(data: ClientCreate) -> Any:
        return await clients.create_client(session, principal, data=data, today=today)

    outcomes = await run_items(session, items, create, partial=partial)
    return ClientBatchResult(
        partial=partial,
        **_counts(outcomes),
        items=[
            ClientOutcome(index=o.index, status=o.status, resource=o.resource, problem=_problem(o))
            for o in outcomes
        ],
    )


async def create_establishments(
    session: AsyncSession, principal: Principal, *, raw: Sequence[Any], partial: bool
) -> EstablishmentBatchResult:
    items = parse_items(raw, EstablishmentCreate)
    client_ids = {i.client_id for i in items if isinstance(i, EstablishmentCreate)}
    await clients.hold_clients(session, principal, sorted(client_ids))
    await firms.lock_firm(session, firm_account_id=principal.firm_account_id)

    async def create(data: EstablishmentCreate) -> EstablishmentPublic:
        row = await clients.create_establishment(session, principal, data=data)
        return EstablishmentPublic.model_validate(row)

    outcomes = await run_items(session, items, create, partial=partial)
    return EstablishmentBatchResult(
        partial=partial,
        **_counts(outcomes),
        items=[
            EstablishmentOutcome(
                index=o.index, status=o.status, resource=o.resource, problem=_problem(o)
            )
            for o in outcomes
        ],
    )


async def create_claims(
    session: AsyncSession,
    principal: Principal,
    *,
    raw: Sequence[Any],
    partial: bool,
    now: datetime,
    today: date,
) -> ClaimBatchResult:
    items = parse_items(raw, ClaimBatchEntry)
    request_ids: set[uuid.UUID] = {i.request_id for i in items if isinstance(i, ClaimBatchEntry)}
    await claims.hold_scopes(session, principal, sorted(request_ids))
    await firms.lock_firm(session, firm_account_id=principal.firm_account_id)

    async def create(entry: ClaimBatchEntry) -> ClaimSummary:
        public = await drafts.create_claim(
            session, principal, request_id=entry.request_id, data=entry, now=now, today=today
        )
        return ClaimSummary.model_validate(public, from_attributes=True)

    outcomes = await run_items(session, items, create, partial=partial)
    return ClaimBatchResult(
        partial=partial,
        **_counts(outcomes),
        items=[
            ClaimOutcome(index=o.index, status=o.status, resource=o.resource, problem=_problem(o))
            for o in outcomes
        ],
    )

"""Use cases of the monthly indemnity claim (DI): reading it (amounts: R23), its lists and
the establishment summary, and what the writing use cases share (R22 limits, locks, events).

Drafts are written in `drafts`, the lifecycle after them (R20, R21, R24) is in `filing`, what
is read from the database in `queries` and the rules themselves in `rules`.
"""

import operator
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import anyio
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.apld import service as agreements
from app.audit import service as audit
from app.authorizations import rules as auth_rules
from app.authorizations import service as requests
from app.authorizations.models import AuthorizationRequest, AuthorizedTerms
from app.claims import queries, rules
from app.claims.models import (
    AuthorizationSummary,
    Claim,
    ClaimLine,
    ClaimPublic,
    ClaimScheme,
    ClaimStatus,
    ClaimSummary,
    EstablishmentSummary,
    LineInput,
    LinePublic,
    mask_nir,
)
from app.clients import service as clients
from app.clients.models import Client
from app.core.pagination import PageParams, paginate
from app.core.principal import Principal
from app.core.tenancy import get_scoped, scoped
from app.core.turns import next_turn, taking_turns
from app.legal.table import Regime

ZERO = rules.ZERO


# --- presenting (amounts: R23) -------------------------------------------------------------


def _totals_view(claim: Any, totals: rules.Totals) -> dict[str, Any]:
    """The totals fields of a claim's answer; `claim` is a Claim or a row of its columns."""
    return {
        "scheme": ClaimScheme.ordinary if claim.apld_agreement_id is None else ClaimScheme.apld,
        "month": claim.month_on.strftime("%Y-%m"),
        **totals.as_columns(),
        "employer_cost": totals.employer_cost,
        "expected_allocation": (
            claim.expected_allocation
            if claim.expected_allocation is not None
            else totals.total_allocation
        ),
        # R42: what the state paid, less what it clawed back since
        "net_amount_received": (
            None if claim.paid_amount is None else claim.paid_amount - claim.clawed_back
        ),
    }


# What a line's answer takes from the line as it is, stored or input (the amounts are
# computed, or read from their stored columns).
_LINE_FIELDS = tuple(name for name in LinePublic.model_fields if name in LineInput.model_fields)
_line_values = operator.attrgetter(*_LINE_FIELDS)


# A line as written (its input) or as stored: the amounts read the same fields of both.
AnyLine = ClaimLine | LineInput


def _details(
    claim: Claim, lines: Sequence[AnyLine], client_regime: Regime, *, recompute: bool
) -> list[dict[str, Any]]:
    """The lines' amounts: as stored when the claim is no longer a draft (R24: a filed claim
    keeps the amounts it was filed with), computed now otherwise."""
    if not recompute and claim.status != ClaimStatus.draft:
        stored = [rules.stored_details(line) for line in lines if isinstance(line, ClaimLine)]
        if len(stored) == len(lines) and all(d is not None for d in stored):
            return stored  # type: ignore[return-value]
    return rules.line_details(claim.month_on, lines, client_regime, apld=_apld(claim))


def _apld(claim: Claim) -> bool:
    return claim.apld_agreement_id is not None


def _priced(
    claim: Claim, lines: Sequence[AnyLine], details: Sequence[dict[str, Any]]
) -> tuple[ClaimPublic, rules.Totals]:
    totals = rules.totals_of(lines, details)
    # Plain dicts, validated once with the claim (one pass in pydantic-core, not a model per line)
    public_lines = [
        {**dict(zip(_LINE_FIELDS, _line_values(line), strict=True)), **amounts}
        | {"nir": mask_nir(line.nir)}
        for line, amounts in zip(lines, details, strict=True)
    ]
    return ClaimPublic.build(claim, {**_totals_view(claim, totals), "lines": public_lines}), totals


def to_public(claim: Claim, lines: Sequence[AnyLine], client_regime: Regime) -> ClaimPublic:
    """The claim with its lines' amounts (R23): stored, or computed now for a draft."""
    return _priced(claim, lines, _details(claim, lines, client_regime, recompute=False))[0]


def stored_and_public(
    claim: Claim, lines: Sequence[AnyLine], client_regime: Regime
) -> tuple[ClaimPublic, list[dict[str, Any]]]:
    """The lines' amounts computed now, for the caller to store with the lines, and the totals
    written on the claim (saved with it) for lists and summaries to read instead of
    recomputing the lines: whenever its lines are written."""
    details = rules.line_details(claim.month_on, lines, client_regime, apld=_apld(claim))
    public, totals = _priced(claim, lines, details)
    claim.sqlmodel_update(totals.as_columns())
    claim.totals_regime = client_regime
    return public, details


async def client_regime(session: AsyncSession, claim: Claim) -> Regime:
    """The client's regime of the claim's month (R23), for the lines without their own."""
    regimes = (await clients.regimes_of(session, [claim.client_id]))[claim.client_id]
    return clients.regime_on(regimes, claim.month_on)


# Past this many lines, a claim's amounts are computed in a worker thread: the event loop goes
# on serving other requests meanwhile (a 2,000-line claim takes tens of milliseconds).
LINES_PRICED_INLINE = 100


async def present(session: AsyncSession, claim: Claim) -> ClaimPublic:
    lines = (await queries.lines_of(session, [claim.id]))[claim.id]
    regime = await client_regime(session, claim)
    if len(lines) > LINES_PRICED_INLINE:
        # Loaded rows only: nothing in to_public touches the database.
        return await anyio.to_thread.run_sync(to_public, claim, lines, regime)
    return to_public(claim, lines, regime)


async def get_claim(
    session: AsyncSession, principal: Principal, claim_id: uuid.UUID, *, lock: bool = False
) -> Claim:
    return await get_scoped(session, Claim, claim_id, principal, label="Claim", for_update=lock)


async def get_public(
    session: AsyncSession, principal: Principal, claim_id: uuid.UUID
) -> ClaimPublic:
    return await present(session, await get_claim(session, principal, claim_id))


async def list_claims(
    session: AsyncSession,
    principal: Principal,
    *,
    page: PageParams,
    request_id: uuid.UUID | None = None,
    apld_agreement_id: uuid.UUID | None = None,
    establishment_id: uuid.UUID | None = None,
    status: ClaimStatus | None = None,
    month: str | None = None,
    discrepancy: bool | None = None,
    updated_since: datetime | None = None,
) -> tuple[list[ClaimSummary], str | None]:
    """A page of claims with their stored totals: one statement, plus one for the lines of the
    drafts (if any) whose client changed regime since their totals were computed."""
    columns: list[Any] = [*Claim.__table__.c, queries.stale_draft_regime().label("regime_now")]  # type: ignore[attr-defined]
    stmt = select(*columns).where(scoped(Claim, principal).whereclause)
    if request_id is not None:
        await requests.get_request(session, principal, request_id)
        stmt = stmt.where(col(Claim.request_id) == request_id)
    if apld_agreement_id is not None:
        await agreements.get_agreement(session, principal, apld_agreement_id)
        stmt = stmt.where(col(Claim.apld_agreement_id) == apld_agreement_id)
    if establishment_id is not None:
        stmt = stmt.where(col(Claim.establishment_id) == establishment_id)
    if status is not None:
        stmt = stmt.where(col(Claim.status) == status)
    if month is not None:
        stmt = stmt.where(col(Claim.month_on) == date.fromisoformat(f"{month}-01"))
    if discrepancy is True:
        stmt = stmt.where(col(Claim.discrepancy).is_not(None), col(Claim.discrepancy) != 0)
    elif discrepancy is False:
        stmt = stmt.where(col(Claim.discrepancy) == 0)
    if updated_since is not None:
        stmt = stmt.where(col(Claim.updated_at) >= updated_since)
    rows, cursor = await paginate(session, stmt, Claim.id, page)  # type: ignore[arg-type]
    stale = [r for r in rows if r.regime_now is not None and r.regime_now != r.totals_regime]
    recomputed: dict[uuid.UUID, rules.Totals] = {}
    if stale:
        lines = await queries.lines_of(session, [r.id for r in stale])
        for r in stale:
            recomputed[r.id] = rules.claim_totals(
                r.month_on,
                lines[r.id],
                Regime(r.regime_now),
                apld=r.apld_agreement_id is not None,
            )
    items = []
    async for r in taking_turns(rows, every=25):
        totals = recomputed.get(r.id) or rules.Totals(
            r.employee_count, r.total_hours, r.total_indemnity, r.total_allocation
        )
        items.append(ClaimSummary.build(r, _totals_view(r, totals)))
    await next_turn()  # the answer's serialisation is a slice of its own
    return items, cursor


async def count_unpaid(session: AsyncSession, *, establishment_id: uuid.UUID) -> int:
    """Filed or validated claims not yet paid (R3: they keep the establishment active); a
    withdrawn one no longer does (R24)."""
    stmt = select(func.count()).where(
        Claim.establishment_id == establishment_id,
        col(Claim.status).in_([ClaimStatus.filed, ClaimStatus.validated]),
    )
    return (await session.exec(stmt)).one()


async def establishment_summary(
    session: AsyncSession, principal: Principal, *, establishment_id: uuid.UUID, now: datetime
) -> EstablishmentSummary:
    """Per authorization: hours authorized, claimed and remaining; amounts expected, paid,
    clawed back and received net (R42). Four statements, whatever the number of requests and
    claims."""
    establishment = await clients.get_establishment(session, principal, establishment_id)
    found = list(
        await session.exec(
            scoped(AuthorizationRequest, principal)
            .where(AuthorizationRequest.establishment_id == establishment.id)
            .order_by(col(AuthorizationRequest.id))
        )
    )
    amendments = await requests.amendments_of(session, [r.id for r in found])
    sums = await queries.totals_per_request(session, establishment.id)
    items = []
    for request in found:
        hours, expected, paid, clawed, claims = sums.get(request.id, (ZERO, ZERO, ZERO, ZERO, 0))
        terms = auth_rules.authorized_terms(request, amendments[request.id], now)
        items.append(
            AuthorizationSummary(
                request_id=request.id,
                status=auth_rules.effective_status(
                    request.status, request.implicit_acceptance_at, now
                ),
                start_on=terms.start_on if terms else request.start_on,
                end_on=terms.end_on if terms else request.end_on,
                authorized_hours=terms.hours if terms else None,
                hours_claimed=hours,
                hours_remaining=terms.hours - hours if terms else None,
                expected_allocation=expected,
                paid_amount=paid,
                clawed_back=clawed,
                net_amount_received=paid - clawed,
                claims=claims,
            )
        )
    return EstablishmentSummary(
        establishment_id=establishment.id,
        authorizations=items,
        expected_allocation=sum((i.expected_allocation for i in items), ZERO),
        paid_amount=sum((i.paid_amount for i in items), ZERO),
        clawed_back=sum((i.clawed_back for i in items), ZERO),
        net_amount_received=sum((i.net_amount_received for i in items), ZERO),
    )


# --- R22 -----------------------------------------------------------------------------------


async def check_limits(
    session: AsyncSession,
    claim: Claim,
    lines: Sequence[rules.HoursLine],
    terms: AuthorizedTerms,
) -> None:
    """R22: employees per claim, hours over the request, and each employee's annual quota;
    what the other counted claims use is summed by the database."""
    rules.check_employees(len(lines), terms.employees)
    assert claim.request_id is not None  # an ordinary claim's (R41: APLD has no such limits)
    claiming = (claim.request_id, claim.month_on)
    used = await queries.hours_used(session, claiming)
    rules.check_hours(rules.asked_hours(lines), used, terms.hours)
    year = claim.month_on.year
    taken = await queries.hours_taken_in_year(
        session,
        client_id=claim.client_id,
        year=year,
        employee_refs=[line.employee_ref for line in lines],
        claiming=claiming,
    )
    rules.check_annual_quota(lines, taken, year, auth_rules.annual_quota(year))


# --- shared by the use cases that write ---------------------------------------------------


async def lock_scope(
    session: AsyncSession, principal: Principal, request_id: uuid.UUID, now: datetime
) -> tuple[AuthorizationRequest, AuthorizedTerms]:
    """Lock the request (hours) and its client (annual quota) so that concurrent claims are
    checked one after the other."""
    request, terms = await requests.require_accepted(session, principal, request_id, now, lock=True)
    (
        await session.exec(
            select(Client.id).where(Client.id == request.client_id).with_for_update()
        )
    ).first()
    return request, terms


async def hold_scopes(
    session: AsyncSession, principal: Principal, request_ids: list[uuid.UUID]
) -> None:
    """`lock_scope`'s rows for many requests at once (a batch of claims), the requests then
    their clients, each in id order: batches and single claims never wait in a circle."""
    if not request_ids:
        return
    held = await session.exec(
        select(AuthorizationRequest.client_id)
        .where(
            AuthorizationRequest.firm_account_id == principal.firm_account_id,
            col(AuthorizationRequest.id).in_(request_ids),
        )
        .order_by(col(AuthorizationRequest.id))
        .with_for_update()
    )
    client_ids = sorted(set(held.all()))
    if client_ids:
        await session.exec(
            select(Client.id)
            .where(col(Client.id).in_(client_ids))
            .order_by(col(Client.id))
            .with_for_update()
        )


async def record(
    session: AsyncSession,
    principal: Principal,
    claim: Claim,
    verb: str,
    before: str | None,
    now: datetime,
) -> None:
    await audit.record(
        session,
        principal,
        action=f"claim.{verb}",
        resource_type="claim",
        resource_id=claim.id,
        establishment_id=claim.establishment_id,
        before=before,
        after=claim.status,
        at=now,
    )


def expected_allocation(claim: Claim) -> Decimal:
    """What the state should pay for the claim: its lines' allocations as filed (R24)."""
    return claim.total_allocation

"""R25: what is due next, computed from the data on every read, never stored."""

import base64
import json
import uuid
from datetime import date, datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.authorizations import rules
from app.authorizations import service as requests
from app.authorizations.models import Amendment, AuthorizationRequest, CseStatus, RequestStatus
from app.claims.models import Claim, ClaimStatus
from app.core.dates import add_months, month_end, paris_date
from app.core.pagination import PageParams
from app.core.principal import Principal
from app.core.tenancy import scoped
from app.deadlines.models import Deadline, DeadlineKind
from app.errors import InvalidInput


def _key(item: Deadline) -> tuple[str, str, str, str]:
    return (item.due_on.isoformat(), item.kind.value, str(item.resource_id), item.month or "")


def _encode(key: tuple[str, str, str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[str, ...]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)
        if not (isinstance(value, list) and len(value) == 4):
            raise ValueError(cursor)
        return tuple(str(v) for v in value)
    except ValueError as exc:
        raise InvalidInput(
            "cursor", "not a cursor returned by this list", location="query"
        ) from exc


def _months(start: date, end: date) -> list[date]:
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = add_months(current, 1)
    return months


def _for_request(
    request: AuthorizationRequest,
    amendments: list[Amendment],
    claims: dict[date, ClaimStatus],
    today: date,
    now: datetime,
) -> list[Deadline]:
    status = rules.effective_status(request.status, request.implicit_acceptance_at, now)
    base: dict[str, Any] = {
        "establishment_id": request.establishment_id,
        "client_id": request.client_id,
        "resource_type": "authorization_request",
        "resource_id": request.id,
    }
    items: list[Deadline] = []

    def add(
        kind: DeadlineKind,
        due: date,
        description: str,
        month: str | None = None,
        can_be_overdue: bool = True,
    ) -> None:
        items.append(
            Deadline(
                kind=kind,
                due_on=due,
                overdue=can_be_overdue and due < today,
                description=description,
                month=month,
                **base,
            )
        )

    if status == RequestStatus.draft and request.start_on:
        due = rules.filing_deadline(request.motive, request.start_on)
        add(DeadlineKind.filing_window, due, f"File the request starting {request.start_on} (R12)")
    if status == RequestStatus.filed and request.implicit_acceptance_at:
        add(
            DeadlineKind.implicit_acceptance,
            paris_date(request.implicit_acceptance_at),
            "Without a decision, the request is accepted on this date (R16)",
            can_be_overdue=False,
        )
    if (
        request.cse_status == CseStatus.deferred
        and request.cse_due_on
        and status not in (RequestStatus.refused, RequestStatus.invalidated)
    ):
        add(DeadlineKind.cse_opinion, request.cse_due_on, "Send the deferred CSE opinion (R15)")
    if status == RequestStatus.refused and request.decided_on:
        due = rules.appeal_until(request.decided_on)
        if due >= today:
            add(DeadlineKind.appeal, due, "Last day to appeal the refusal (R17)")
    terms = requests.authorized_terms(request, amendments, now)
    if terms is not None:
        bar = rules.claim_time_bar(terms.end_on)
        for month in _months(terms.start_on, terms.end_on):
            claim = claims.get(month)
            if month_end(month) < today and claim in (None, ClaimStatus.draft):
                # A draft is not a claim yet: the month stays due until one is filed.
                ready = "; its draft is ready" if claim == ClaimStatus.draft else ""
                add(
                    DeadlineKind.claim,
                    bar,
                    f"File the claim for {month:%Y-%m} (R19, R21){ready}",
                    month=f"{month:%Y-%m}",
                )
        if terms.end_on >= today:
            add(
                DeadlineKind.authorization_end,
                terms.end_on,
                "The authorization ends: renew or amend it if needed (R18)",
                can_be_overdue=False,
            )
    return items


async def list_deadlines(
    session: AsyncSession,
    principal: Principal,
    *,
    page: PageParams,
    cursor: str | None,
    today: date,
    now: datetime,
    client_id: uuid.UUID | None = None,
    establishment_id: uuid.UUID | None = None,
    kind: DeadlineKind | None = None,
    overdue: bool | None = None,
    due_before: date | None = None,
) -> tuple[list[Deadline], str | None]:
    stmt = scoped(AuthorizationRequest, principal).where(
        col(AuthorizationRequest.status) != RequestStatus.invalidated
    )
    if client_id is not None:
        stmt = stmt.where(AuthorizationRequest.client_id == client_id)
    if establishment_id is not None:
        stmt = stmt.where(AuthorizationRequest.establishment_id == establishment_id)
    found = list(await session.exec(stmt))
    ids = [r.id for r in found]
    by_request = await requests.amendments_of(session, ids)
    # Per request and month, the most advanced claim: a filed one (or further) wins over a draft
    # (a correction of a paid claim is a draft beside it); a rejected one leaves the month due.
    claims: dict[uuid.UUID, dict[date, ClaimStatus]] = {i: {} for i in ids}
    if ids:
        by_month = select(col(Claim.request_id), col(Claim.month_on), col(Claim.status)).where(
            col(Claim.request_id).in_(ids), Claim.status != ClaimStatus.rejected
        )
        for request_id, month_on, status in await session.exec(by_month):
            months = claims[request_id]
            if months.get(month_on) in (None, ClaimStatus.draft):
                months[month_on] = ClaimStatus(status)
    items = [
        item
        for r in found
        for item in _for_request(r, by_request[r.id], claims[r.id], today, now)
        if (kind is None or item.kind == kind)
        and (overdue is None or item.overdue == overdue)
        and (due_before is None or item.due_on < due_before)
    ]
    items.sort(key=_key)
    if cursor is not None:
        after = _decode(cursor)
        items = [i for i in items if _key(i) > after]
    if len(items) > page.limit:
        items = items[: page.limit]
        return items, _encode(_key(items[-1]))
    return items, None

"""R25: what is due next, computed from the data on every read, never stored.

The work follows the answer: the database picks the requests that owe something and counts
the months each still owes a claim for (`queries`); the months themselves are read only for
the requests whose claim deadlines reach the page asked for. The claw-backs still standing
(R42) are listed too."""

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.authorizations import rules
from app.authorizations.models import CseStatus, RequestStatus
from app.claims.claw_backs.models import ClawBackStatus
from app.core.dates import paris_date
from app.core.pagination import PageParams
from app.core.principal import Principal
from app.core.turns import next_turn, taking_turns
from app.deadlines import queries
from app.deadlines.apld import APLD_KINDS, apld_deadlines
from app.deadlines.models import Deadline, DeadlineKind
from app.errors import InvalidInput


def _key(item: Deadline) -> tuple[str, str, str, str]:
    return (item.due_on.isoformat(), item.kind.value, str(item.resource_id), item.month or "")


# A position in the list's order (due date, kind, resource, month: empty but for claims),
# written as it is: every text of this pattern is a position, so the pattern is the whole rule.
CURSOR_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\.(?:" + "|".join(DeadlineKind) + r")\."
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.(?:[0-9]{4}-[0-9]{2})?$"
)
_CURSOR = re.compile(CURSOR_PATTERN)


def _encode(key: tuple[str, str, str, str]) -> str:
    return ".".join(key)


def _decode(cursor: str) -> tuple[str, ...]:
    if not _CURSOR.fullmatch(cursor):
        raise InvalidInput("cursor", "not a cursor returned by this list", location="query")
    return tuple(cursor.split("."))


def _claim_months(start_on: date, end_on: date, before: date) -> list[date]:
    """The authorized months (from the start's to the end's) before `before`, a 1st."""
    first = queries.index_of(start_on)
    last = min(queries.index_of(end_on), queries.index_of(before) - 1)
    return [date((i - 1) // 12, (i - 1) % 12 + 1, 1) for i in range(first, last + 1)]


@dataclass
class _Claims:
    """The claim deadlines of one request: one per elapsed month without a filed claim, all
    due by the time bar (R21), so they follow one another in the view's order. Their months
    are read only when they reach the page asked for."""

    row: Any
    due: date
    count: int
    inside: bool = False  # the cursor stands among them

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.due.isoformat(), DeadlineKind.claim.value, str(self.row.id), "")


def _deadline(
    row: Any,
    kind: DeadlineKind,
    due: date,
    description: str,
    today: date,
    *,
    can_be_overdue: bool = True,
    month: str | None = None,
) -> Deadline:
    return Deadline(
        kind=kind,
        due_on=due,
        overdue=can_be_overdue and due < today,
        description=description,
        month=month,
        establishment_id=row.establishment_id,
        client_id=row.client_id,
        resource_type="authorization_request",
        resource_id=row.id,
    )


def _own_deadlines(row: Any, today: date, now: datetime) -> list[Deadline]:
    """Every deadline of a request but its claims'."""
    status = rules.effective_status(row.status, row.implicit_acceptance_at, now)
    items: list[Deadline] = []
    if status == RequestStatus.draft and row.start_on:
        due = rules.filing_deadline(row.motive, row.start_on)
        items.append(
            _deadline(
                row,
                DeadlineKind.filing_window,
                due,
                f"File the request starting {row.start_on} (R12)",
                today,
            )
        )
    if status == RequestStatus.filed and row.implicit_acceptance_at:
        items.append(
            _deadline(
                row,
                DeadlineKind.implicit_acceptance,
                paris_date(row.implicit_acceptance_at),
                "Without a decision, the request is accepted on this date (R16)",
                today,
                can_be_overdue=False,
            )
        )
    if (
        row.cse_status == CseStatus.deferred
        and row.cse_due_on
        and status not in (RequestStatus.refused, RequestStatus.invalidated)
    ):
        items.append(
            _deadline(
                row,
                DeadlineKind.cse_opinion,
                row.cse_due_on,
                "Send the deferred CSE opinion (R15)",
                today,
            )
        )
    if status == RequestStatus.refused and row.decided_on:
        due = rules.appeal_until(row.decided_on)
        if due >= today:
            items.append(
                _deadline(
                    row, DeadlineKind.appeal, due, "Last day to appeal the refusal (R17)", today
                )
            )
    if row.end_on is not None and row.end_on >= today:
        items.append(
            _deadline(
                row,
                DeadlineKind.authorization_end,
                row.end_on,
                "The authorization ends: renew or amend it if needed (R18)",
                today,
                can_be_overdue=False,
            )
        )
    return items


def _claim_deadlines(
    block: _Claims, filed: set[date], drafts: set[date], today: date
) -> list[Deadline]:
    items = []
    # R21: APART itself stops 6 months after the end, even where the time bar is 12 months
    apart_closed = rules.apart_claims_close(block.row.end_on)
    blocked = apart_closed < today <= block.due  # past the bar the claim is time-barred
    for month in _claim_months(block.row.start_on, block.row.end_on, today.replace(day=1)):
        if month in filed:
            continue
        # A draft is not a claim yet: the month stays due until one is filed.
        ready = "; its draft is ready" if month in drafts else ""
        item = _deadline(
            block.row,
            DeadlineKind.claim,
            block.due,
            f"File the claim for {month:%Y-%m} (R19, R21){ready}",
            today,
            month=f"{month:%Y-%m}",
        )
        if blocked:
            item.description += (
                f"; APART stopped taking it on {apart_closed}: have it unblocked through the "
                "ASP hotline (R21)"
            )
            item.warnings = ["apart_unblock_needed"]
        items.append(item)
    return items


def _claw_back_deadline(row: Any) -> Deadline:
    """R42: a claw-back to issue or issued weighs on its claim until it is cancelled. The
    domain gives it no due date: the item is dated by the ASP's latest step (the notice, then
    the issue) and is never overdue."""
    month = f"{row.month_on:%Y-%m}"
    if row.status == ClawBackStatus.issued:
        due = row.issued_on
        text = f"Claw-back (OR) of {row.amount} € on the claim for {month} issued: repay it (R42)"
    else:
        due = row.noticed_on
        text = (
            f"Claw-back (OR) of {row.amount} € on the claim for {month} announced: record its "
            "issue or its cancellation (R42)"
        )
    return Deadline(
        kind=DeadlineKind.claw_back,
        due_on=due,
        overdue=False,
        description=text,
        month=month,
        establishment_id=row.establishment_id,
        client_id=row.client_id,
        resource_type="claw_back",
        resource_id=row.id,
    )


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
    """Soonest first (due date, kind, resource, month), `page.limit` at a time. Three
    statements: the requests that owe something (with their count of months due), the open
    claw-backs, then the claims of the months of those requests whose claim deadlines reach
    this page."""
    rows = await queries.candidates(
        session,
        principal,
        kinds=[kind] if kind is not None else list(DeadlineKind),
        today=today,
        now=now,
        client_id=client_id,
        establishment_id=establishment_id,
    )
    after = _decode(cursor) if cursor is not None else None

    def wanted(kind_: DeadlineKind, due: date, is_overdue: bool) -> bool:
        return (
            (kind is None or kind_ == kind)
            and (overdue is None or is_overdue == overdue)
            and (due_before is None or due < due_before)
        )

    entries: list[Deadline | _Claims] = []
    async for row in taking_turns(rows):
        entries += [
            item
            for item in _own_deadlines(row, today, now)
            if wanted(item.kind, item.due_on, item.overdue)
            and (after is None or _key(item) > after)
        ]
        if row.end_on is None or not row.months_due or row.months_due <= 0:
            continue
        block = _Claims(row, rules.claim_time_bar(row.end_on), row.months_due)
        if not wanted(DeadlineKind.claim, block.due, block.due < today):
            continue
        if after is not None:
            if block.key[:3] < after[:3]:
                continue
            block.inside = block.key[:3] == after[:3]
        entries.append(block)
    if kind in (None, DeadlineKind.claw_back):
        for found in await queries.open_claw_backs(
            session, principal, client_id=client_id, establishment_id=establishment_id
        ):
            item = _claw_back_deadline(found)
            if wanted(item.kind, item.due_on, item.overdue) and (
                after is None or _key(item) > after
            ):
                entries.append(item)
    if kind is None or kind in APLD_KINDS:
        for item in await apld_deadlines(
            session,
            principal,
            today=today,
            now=now,
            client_id=client_id,
            establishment_id=establishment_id,
        ):
            if wanted(item.kind, item.due_on, item.overdue) and (
                after is None or _key(item) > after
            ):
                entries.append(item)
    entries.sort(key=lambda e: _key(e) if isinstance(e, Deadline) else e.key)

    # The entries that hold the first `limit + 1` deadlines: enough to fill the page and to
    # know whether another follows. Where the cursor stands among a request's claims, how many
    # remain is not known yet: counted as none, so that enough entries are taken anyway.
    taken: list[Deadline | _Claims] = []
    count = 0
    for entry in entries:
        if count > page.limit:
            break
        taken.append(entry)
        count += 1 if isinstance(entry, Deadline) else (0 if entry.inside else entry.count)
    blocks = [e for e in taken if isinstance(e, _Claims)]
    await next_turn()
    months = await queries.claimed_months(session, [b.row.id for b in blocks], today.replace(day=1))
    items = [e for e in taken if isinstance(e, Deadline)]
    for block in blocks:
        items += [
            item
            for item in _claim_deadlines(block, *months[block.row.id], today)
            if after is None or _key(item) > after
        ]
    items.sort(key=_key)
    await next_turn()  # the answer's serialisation is a slice of its own
    if len(items) > page.limit:
        items = items[: page.limit]
        return items, _encode(_key(items[-1]))
    return items, None

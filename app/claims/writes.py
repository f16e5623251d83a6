"""How a claim's lines are written: set-based, whatever their number, with the amounts
computed for them (R23, R24) stored beside their input."""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, delete, func, insert
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.claims import rules
from app.claims.models import Claim, ClaimLine, LineInput
from app.core.ids import uuid7
from app.legal.table import Regime

_LINES = ClaimLine.__table__  # type: ignore[attr-defined]
_COLUMNS = tuple(_LINES.c.keys())


def line_rows(
    claim: Claim, lines: Sequence[LineInput], details: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The rows of a claim's new lines, straight from their validated input and amounts."""
    return [
        {
            **line.model_dump(),
            **rules.detail_columns(detail),
            "id": uuid7(),
            "claim_id": claim.id,
            "firm_account_id": claim.firm_account_id,
            "position": position,
        }
        for position, (line, detail) in enumerate(zip(lines, details, strict=True))
    ]


# PostgreSQL: every column's values as one array, the rows unnested from them in one INSERT; a
# short statement of one parameter per column whatever the number of lines (a VALUES list of
# 300 lines has thousands of placeholders for the driver to parse on every claim).
_UNNEST_LINES = insert(_LINES).from_select(
    list(_COLUMNS),
    sa_select(
        func.unnest(*(bindparam(c.key, type_=ARRAY(c.type)) for c in _LINES.c))
        .table_valued(*_COLUMNS)
        .render_derived(name="new_line")
    ),
)


async def insert_lines(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """The lines in one statement on the wire (per 1,000 lines on SQLite), not one per line."""
    if not rows:
        return
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        columns = {key: [row.get(key) for row in rows] for key in _COLUMNS}
        await session.exec(_UNNEST_LINES, params=columns)
    else:
        # an executemany of one cached statement, which SQLAlchemy sends as multi-row INSERTs
        # ("insertmanyvalues", RETURNING the ids)
        full = [{key: row.get(key) for key in _COLUMNS} for row in rows]
        await session.exec(insert(_LINES).returning(_LINES.c.id), params=full)


async def delete_lines(session: AsyncSession, claim: Claim) -> None:
    """One statement, whatever the number of lines."""
    await session.exec(delete(ClaimLine).where(col(ClaimLine.claim_id) == claim.id))


async def rewrite_lines(
    session: AsyncSession,
    claim: Claim,
    lines: Sequence[ClaimLine],
    details: Sequence[Mapping[str, Any]],
    client_regime: Regime,
) -> None:
    """The stored lines again, each with its regime frozen (its own, or the client's now) and
    the amounts computed now: what filing a claim keeps (R24). Two statements."""
    rows = [
        {key: getattr(line, key) for key in _COLUMNS}
        | {"regime": line.regime or client_regime}
        | rules.detail_columns(detail)
        for line, detail in zip(lines, details, strict=True)
    ]
    await delete_lines(session, claim)
    await insert_lines(session, rows)

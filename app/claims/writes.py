"""How a claim's lines are written: set-based, whatever their number, with the amounts
computed for them (R23, R24) stored beside their input."""

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import delete, insert, text
from sqlalchemy.engine import Dialect
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.claims import rules
from app.claims.models import Claim, ClaimLine, LineInput
from app.core.ids import uuid7
from app.db import DecimalType
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


# PostgreSQL: the rows as one JSON document that the server unpacks into the table's row type,
# one parameter whatever the number of lines. Binding one array per column instead costs more
# than the rest of the request: the driver inspects every element of every array to pick its
# dumper, and SQLAlchemy runs each element through the column's processor again.
_QUOTED = ", ".join(f'"{key}"' for key in _COLUMNS)
_RECORDSET_LINES = text(
    f"INSERT INTO claim_line ({_QUOTED}) SELECT {_QUOTED} "
    "FROM json_populate_recordset(NULL::claim_line, CAST(:rows AS json))"
)


@cache
def _processors(dialect: Dialect) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    """The columns whose type turns a value into what is stored (encryption, UTC), with the
    dialect's processor of each. Not the decimals: they reach this point at their column's
    places already (inputs are quantized as they are read, amounts rounded to the cent by
    app/legal/amounts.py), and JSON carries their text exactly."""
    found = (
        (column.key, column.type.bind_processor(dialect))
        for column in _LINES.c
        if not isinstance(column.type, DecimalType)
    )
    return tuple((key, process) for key, process in found if process is not None)


def _json_value(value: Any) -> str:
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, date):  # and datetime
        return value.isoformat()
    raise TypeError(f"no JSON form for {type(value).__name__}")


def _recordset(rows: Sequence[dict[str, Any]], dialect: Dialect) -> str:
    # the server fills a missing key with NULL and ignores a key that names no column
    processors = _processors(dialect)
    stored = []
    for row in rows:
        values = dict(row)
        for key, process in processors:
            if (value := values.get(key)) is not None:
                values[key] = process(value)
        stored.append(values)
    return json.dumps(stored, default=_json_value, separators=(",", ":"))


async def insert_lines(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """The lines in one statement on the wire (per 1,000 lines on SQLite), not one per line."""
    if not rows:
        return
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await connection.execute(_RECORDSET_LINES, {"rows": _recordset(rows, connection.dialect)})
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

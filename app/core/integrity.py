"""Turn the database's refusals (unique constraints) into domain errors."""

import re
from collections.abc import Callable, Mapping

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import DomainError

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)")


def constraint_name(exc: IntegrityError) -> str | None:
    diag = getattr(exc.orig, "diag", None)
    if diag is not None:  # psycopg
        return getattr(diag, "constraint_name", None)
    match = _SQLITE_UNIQUE.search(str(exc.orig))
    if match is None:
        return None
    columns = [c.strip().split(".") for c in match.group(1).split(",")]
    # Rebuild the name the metadata naming convention gives: uq_<table>_<col>_<col>…
    return "uq_" + columns[0][0] + "_" + "_".join(c[1] for c in columns)


async def flush_or_raise(
    session: AsyncSession, errors: Mapping[str, Callable[[], DomainError]]
) -> None:
    """Flush; a known unique violation becomes its domain error (the request then rolls back)."""
    try:
        await session.flush()
    except IntegrityError as exc:
        name = constraint_name(exc)
        if name is not None and name in errors:
            raise errors[name]() from exc
        raise

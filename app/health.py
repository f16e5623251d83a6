from functools import cache
from pathlib import Path

from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from app.core.routing import CheckedRoute
from app.errors import DomainError
from app.openapi import problem_responses

router = APIRouter(route_class=CheckedRoute, tags=["health"])
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class Status(BaseModel):
    status: str


class NotReady(DomainError):
    status, code, title = 503, "not_ready", "Service not ready"


@cache  # the scripts do not change while the process runs
def migration_heads() -> set[str]:
    return set(ScriptDirectory(str(MIGRATIONS)).get_heads())


def _current_heads(conn: Connection) -> tuple[str, ...]:
    # Alembic's version table read directly: a MigrationContext would log two INFO lines on
    # every probe.
    if not inspect(conn).has_table("alembic_version"):
        return ()
    return tuple(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


@router.get("/healthz", operation_id="health-live")
async def healthz() -> Status:
    """The process is alive."""
    return Status(status="ok")


@router.get("/readyz", operation_id="health-ready", responses=problem_responses(503))
async def readyz(request: Request) -> Status:
    """The database is reachable and its schema is at the latest migration."""
    try:
        async with request.app.state.engine.connect() as conn:
            current = set(await conn.run_sync(_current_heads))
    except (SQLAlchemyError, OSError) as exc:
        raise NotReady("The database is unreachable") from exc
    if current != migration_heads():
        raise NotReady("The database schema is not at the latest migration")
    return Status(status="ok")

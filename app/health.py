from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.errors import DomainError, problem_responses

router = APIRouter(tags=["health"])
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class Status(BaseModel):
    status: str


class NotReady(DomainError):
    status, code, title = 503, "not_ready", "Service not ready"


def migration_heads() -> set[str]:
    return set(ScriptDirectory(str(MIGRATIONS)).get_heads())


@router.get("/healthz", operation_id="health-live")
async def healthz() -> Status:
    """The process is alive."""
    return Status(status="ok")


@router.get("/readyz", operation_id="health-ready", responses=problem_responses(503))
def readyz(request: Request) -> Status:
    """The database is reachable and its schema is at the latest migration."""
    try:
        with request.app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(conn).get_current_heads())
    except SQLAlchemyError as exc:
        raise NotReady("The database is unreachable") from exc
    if current != migration_heads():
        raise NotReady("The database schema is not at the latest migration")
    return Status(status="ok")

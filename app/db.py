"""Engines, sessions and the transaction boundary: one async data path.

Every query goes through SQLModel's `AsyncSession` (SQLAlchemy asyncio; psycopg 3 in async mode
on PostgreSQL, aiosqlite on SQLite), so nothing waits for the database on the event loop and
every statement is seen by SQLAlchemy's events (echo, tracing, counting).

* ``ReadSession`` (GET routes): made on the request's first read, on the read engine, whose
  connections run in autocommit: a read costs one round trip, no BEGIN/ROLLBACK. Closed by
  ``CloseReadSessions`` once the request is answered. The caller's status is read through it
  on every authenticated request.
* ``WriteSession`` (all other routes): one transaction per use case, committed in the
  dependency's teardown, which runs before the response is sent (``scope="function"``): a failed
  commit becomes an error response, never a lost 201. On SQLite it takes the write lock up front
  (``BEGIN IMMEDIATE``). A POST sent with an ``Idempotency-Key`` hands its transaction, once the
  use case succeeded, to the middleware that keeps its answer (``DEFERRED_COMMIT``): the answer
  is written in the same transaction, which is committed before the answer is sent.

Overload: each worker admits at most as many write transactions as its write pool has
connections; a request that cannot be admitted within ``DB_ADMISSION_TIMEOUT_SECONDS``, or that
finds the pool or SQLite's write lock busy past their short timeouts, answers 503 with
``Retry-After`` instead of queueing until everything times out.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from sqlalchemy import DateTime, MetaData, Numeric, String, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel, create_engine
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.types import ASGIApp, Receive, Scope, Send

from app.config import Settings
from app.errors import DomainError, Overloaded

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class DecimalType(TypeDecorator[Decimal]):
    """Exact decimals everywhere: NUMERIC on PostgreSQL, text on SQLite (whose NUMERIC is a
    float), always returned as Decimal."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 12, scale: int = 2) -> None:
        super().__init__()
        self.precision = precision
        self.scale = scale

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(self.precision + 2))
        return dialect.type_descriptor(Numeric(self.precision, self.scale))

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> Any:
        if value is None:
            return None
        value = Decimal(value).quantize(Decimal(10) ** -self.scale)
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(Decimal(10) ** -self.scale)


def async_url(url: str) -> str:
    """The asyncio driver of a configured URL: aiosqlite for SQLite; `postgresql+psycopg`
    already names psycopg 3, whose async mode SQLAlchemy's asyncio engine picks."""
    if url.startswith("sqlite:"):
        return "sqlite+aiosqlite:" + url.removeprefix("sqlite:")
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def make_engine(settings: Settings, *, for_reads: bool = False, **options: Any) -> AsyncEngine:
    """The write engine, or (`for_reads`) the read engine, in autocommit: each read statement
    sees committed data and costs no BEGIN/ROLLBACK round trip (reads never write).

    Every engine hides the statements' parameters from its errors and logs: they carry
    personal data (employees' names, social security numbers)."""
    url = async_url(settings.database_url)
    # Reads keep every connection they open: an overflow connection is closed when it comes
    # back, and opening one costs PostgreSQL milliseconds of work, so under steady load a pool
    # that overflows opens and closes connections all the time (the tail of every read).
    size = settings.db_pool_size + (settings.db_max_overflow if for_reads else 0)
    pool: dict[str, Any] = {
        "pool_size": size,
        "max_overflow": 0 if for_reads else settings.db_max_overflow,
        "pool_timeout": settings.db_pool_timeout_seconds,
    }
    if for_reads:
        # A read connection runs in autocommit and never writes: nothing to roll back when its
        # session closes, nor to reset when it goes back to the pool (on SQLite each rollback
        # is a trip through aiosqlite's thread). Not for writes: SQLite's write connections are
        # in the driver's autocommit too, their transactions begun by `_on_begin`.
        pool["pool_reset_on_return"] = None
        pool["skip_autocommit_rollback"] = True
    if url.startswith("sqlite"):
        # aiosqlite logs every call with its parameters at DEBUG: never that far down.
        driver_log = logging.getLogger("aiosqlite")
        if driver_log.level < logging.INFO:
            driver_log.setLevel(logging.INFO)
        engine = create_async_engine(url, **pool, hide_parameters=True, **options)
        _configure_sqlite(engine.sync_engine, settings, transactions=not for_reads)
        return engine
    return create_async_engine(
        url,
        **pool,
        pool_recycle=1800,
        pool_pre_ping=False,
        isolation_level="AUTOCOMMIT" if for_reads else "READ COMMITTED",
        hide_parameters=True,
        **options,
    )


def make_sync_engine(settings: Settings) -> Engine:
    """For Alembic and the command line only (migrations run before the service starts)."""
    if settings.is_sqlite:
        engine = create_engine(settings.database_url, hide_parameters=True)
        _configure_sqlite(engine, settings, transactions=True)
        return engine
    return create_engine(settings.database_url, hide_parameters=True)


def _configure_sqlite(engine: Engine, settings: Settings, *, transactions: bool) -> None:
    busy_ms = int(settings.db_lock_timeout_seconds * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy (not the driver) decide when transactions begin, so BEGIN IMMEDIATE
        # works.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.close()

    if not transactions:
        return

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A write transaction takes SQLite's write lock up front: a deferred one that reads and
        # then writes can fail at once with SQLITE_BUSY instead of waiting its turn.
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class SessionSource(Protocol):
    """What `create_app` takes as `session_factory`: the sessions of a request."""

    def __call__(self, *, write: bool) -> AsyncSession: ...


class SessionFactory:
    """Makes the sessions of a request. Tests swap it for one bound to a rolled-back connection."""

    def __init__(self, *, read_engine: AsyncEngine, write_engine: AsyncEngine) -> None:
        self.read_engine = read_engine
        # The transaction begins at the first statement (after the caller is authenticated, on
        # the read session); on SQLite it then takes the write lock at once (`_on_begin`).
        self.write_engine = write_engine.execution_options(sqlite_immediate=True)

    def __call__(self, *, write: bool) -> AsyncSession:
        engine = self.write_engine if write else self.read_engine
        return AsyncSession(engine, expire_on_commit=False)


def write_concurrency(settings: Settings) -> int:
    if settings.db_max_writes_in_flight is not None:
        return settings.db_max_writes_in_flight
    if settings.is_sqlite:
        return 1
    return settings.db_pool_size + settings.db_max_overflow


class Gate:
    """How many requests of a kind a worker runs at once; the others wait their turn here, up
    to `timeout`, then answer 503 overloaded.

    Writes: no more than the write pool can serve, so a burst waits here, briefly, instead of
    inside the pool or on SQLite's lock. Heavy reads (firm-wide views, exports): a few at once,
    so that requests which need milliseconds never queue on the event loop behind several
    requests that need tens of them."""

    def __init__(self, limit: int, timeout: float) -> None:
        self.limit = limit
        self.timeout = timeout
        self._semaphore: asyncio.Semaphore | None = None

    async def __aenter__(self) -> None:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.limit)
        try:
            async with asyncio.timeout(self.timeout):
                await self._semaphore.acquire()
        except TimeoutError:
            raise Overloaded() from None

    async def __aexit__(self, *_: object) -> None:
        assert self._semaphore is not None
        self._semaphore.release()


async def _finish(session: AsyncSession, exc: BaseException | None) -> None:
    if exc is None:
        await session.commit()
    elif isinstance(exc, DomainError) and exc.keep_changes:
        # e.g. a failed login must count even though the request fails
        await session.commit()
    else:
        await session.rollback()


_READ_SESSIONS = "app.read_sessions"


def read_session(request: Request) -> AsyncSession:
    """The request's read session, made on first use. Not a generator dependency: its teardown
    would run for every GET; CloseReadSessions closes it once the request is answered."""
    sessions = request.scope.setdefault(_READ_SESSIONS, [])
    if not sessions:
        factory: SessionSource = request.app.state.session_factory
        sessions.append(factory(write=False))
    session: AsyncSession = sessions[0]
    return session


async def _read_session(request: Request) -> AsyncSession:
    return read_session(request)


class CloseReadSessions:
    """ASGI middleware: gives the read sessions of a request back once it is answered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            for session in scope.pop(_READ_SESSIONS, ()):
                await session.close()


# Set in the request's scope by the middleware that keeps answers for `Idempotency-Key` retries:
# a use case that succeeds hands it its transaction, still open, so that the answer is written
# in the same transaction as the use case's own rows and committed with them.
DEFERRED_COMMIT = "app.deferred_commit"


class CommitTaker(Protocol):
    def take(self, session: AsyncSession, gate: Gate) -> None:
        """Owns `session` (to commit or roll back, then close) and the `gate` slot it holds."""


async def _write_session(request: Request) -> AsyncIterator[AsyncSession]:
    factory: SessionSource = request.app.state.session_factory
    gate: Gate = request.app.state.write_gate
    taker: CommitTaker | None = request.scope.get(DEFERRED_COMMIT)
    await gate.__aenter__()
    session = factory(write=True)
    handed = False
    try:
        yield session
    except BaseException as exc:
        await _finish(session, exc)
        raise
    else:
        if taker is not None:
            taker.take(session, gate)
            handed = True
        else:
            await _finish(session, None)
    finally:
        if not handed:
            try:
                await session.close()
            finally:
                await gate.__aexit__()


async def _heavy_read(request: Request) -> AsyncIterator[None]:
    gate: Gate = request.app.state.heavy_read_gate
    async with gate:
        yield


ReadSession = Annotated[AsyncSession, Depends(_read_session)]
# A read whose work grows with the firm (the deadlines view, claim lists, summaries, exports).
HeavyRead = Annotated[None, Depends(_heavy_read, scope="function")]
WriteSession = Annotated[AsyncSession, Depends(_write_session, scope="function")]

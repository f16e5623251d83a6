"""Engine, sessions and the transaction boundary.

Two kinds of session, on purpose:

* ``ReadSession`` (GET routes, ``async def``): queries run inline on the event loop. They are
  short indexed reads that take no locks, and a thread-pool hand-off costs several times the
  query itself.
* ``WriteSession`` (all other routes, plain ``def``): the route and the commit run in the thread
  pool, so a transaction that waits on a lock (a PostgreSQL row lock, SQLite's write lock) never
  blocks the event loop, and a waiting request can never stall the one it waits for.

Each kind has its own connection pool. The read pool never makes a caller wait (it opens an extra
connection instead): a request waiting for a connection on the event loop would stall the very
requests that are about to give one back. Waits for the write pool happen in worker threads.

Either way the commit happens once, in the dependency's teardown, which runs before the response
is sent (``scope="function"``): a failed commit becomes an error response, never a lost 201.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, MetaData, Numeric, String, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel, create_engine
from starlette.types import ASGIApp, Receive, Scope, Send

from app.config import Settings
from app.errors import DomainError

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


def make_engine(settings: Settings, *, for_reads: bool = False) -> Engine:
    """The write engine, or (`for_reads`) the read engine: its pool never makes a caller wait
    (no overflow limit) and it runs in autocommit, so a read costs no BEGIN/ROLLBACK round trip
    (each statement sees committed data; reads never write)."""
    url = settings.database_url
    overflow = -1 if for_reads else settings.db_max_overflow
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=settings.db_pool_size,
            max_overflow=overflow,
        )
        _configure_sqlite(engine, transactions=not for_reads)
        return engine
    return create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=overflow,
        pool_recycle=1800,
        isolation_level="AUTOCOMMIT" if for_reads else "READ COMMITTED",
    )


def _configure_sqlite(engine: Engine, *, transactions: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy (not pysqlite) decide when transactions begin, so BEGIN IMMEDIATE works.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    if not transactions:
        return

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A write transaction takes SQLite's write lock up front: a deferred one that reads and
        # then writes can fail at once with SQLITE_BUSY instead of waiting its turn.
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class SessionFactory:
    """Makes the sessions of a request. Tests swap it for one bound to a rolled-back connection."""

    def __init__(self, *, read_engine: Engine, write_engine: Engine) -> None:
        self.read_engine = read_engine
        self.write_engine = write_engine

    def __call__(self, *, write: bool) -> Session:
        if not write:
            return Session(self.read_engine, expire_on_commit=False)
        session = Session(self.write_engine, expire_on_commit=False)
        session.connection(execution_options={"sqlite_immediate": True})
        return session


def _finish(session: Session, exc: BaseException | None) -> None:
    if exc is None:
        session.commit()
    elif isinstance(exc, DomainError) and exc.keep_changes:
        # e.g. a failed login must count even though the request fails
        session.commit()
    else:
        session.rollback()


_READ_SESSIONS = "app.read_sessions"


def read_session(request: Request) -> Session:
    """The request's read session, made on first use. Not a generator dependency: FastAPI's
    teardown machinery for those costs more than a read on the hot path; CloseReadSessions
    closes it once the request is answered."""
    sessions = request.scope.setdefault(_READ_SESSIONS, [])
    if not sessions:
        factory: Callable[..., Session] = request.app.state.session_factory
        sessions.append(factory(write=False))
    session: Session = sessions[0]
    return session


async def _read_session(request: Request) -> Session:
    return read_session(request)


def _close_read_session(session: Session) -> None:
    session.close()


class CloseReadSessions:
    """ASGI middleware: gives the read sessions of a request back once it is answered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            for session in scope.pop(_READ_SESSIONS, ()):
                _close_read_session(session)


@contextmanager
def read_connection(session: Session) -> Iterator[Connection]:
    """A connection for one Core query of a read session, skipping the ORM's bookkeeping. It is
    held only for that query: a request that then waits (sending its answer, say) keeps no
    connection, so the pool does not grow with the number of requests in flight. Only for
    reads: in a write session, use the ORM so that everything is one transaction."""
    bind = session.get_bind()
    if isinstance(bind, Connection):  # tests: the session joins the test's connection
        yield bind
        return
    with bind.connect() as connection:
        yield connection


def _write_session(request: Request) -> Iterator[Session]:
    factory: Callable[..., Session] = request.app.state.session_factory
    session = factory(write=True)
    try:
        yield session
    except BaseException as exc:
        _finish(session, exc)
        raise
    else:
        _finish(session, None)
    finally:
        session.close()


ReadSession = Annotated[Session, Depends(_read_session)]
WriteSession = Annotated[Session, Depends(_write_session, scope="function")]

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
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from sqlalchemy import DateTime, MetaData, Numeric, Select, String, event
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.pool import PoolProxiedConnection
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


class SessionSource(Protocol):
    """What `create_app` takes as `session_factory`: the sessions of a request, and where its
    prepared reads run (`PreparedRead`)."""

    read_bind: Engine | Connection

    def __call__(self, *, write: bool) -> Session: ...


class SessionFactory:
    """Makes the sessions of a request. Tests swap it for one bound to a rolled-back connection."""

    def __init__(self, *, read_engine: Engine, write_engine: Engine) -> None:
        self.read_engine = read_engine
        self.write_engine = write_engine
        self.read_bind: Engine | Connection = read_engine

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


def read_bind(request: Request) -> Engine | Connection:
    """Where the request's prepared reads run: the read engine (tests: their connection)."""
    bind: Engine | Connection = request.app.state.session_factory.read_bind
    return bind


class _Prepared:
    """A statement compiled for one kind of database connection."""

    def __init__(self, stmt: Select[*tuple[Any, ...]], dialect: Dialect) -> None:
        compiled = stmt.compile(dialect=dialect)
        if (
            compiled.post_compile_params
            or compiled.literal_execute_params
            or compiled.escaped_bind_names
        ):
            raise ValueError("PreparedRead takes plain bound parameters only (no IN lists)")
        self.sql = compiled.string
        # Parameter names in order, for positional paramstyles (SQLite's `?`).
        self.order = tuple(compiled.positiontup or ()) if dialect.positional else None
        self.bind: dict[str, Callable[[Any], Any] | None] = {
            name: param.type.dialect_impl(dialect).bind_processor(dialect)
            for name, param in compiled.binds.items()
        }
        # Values written in the statement itself (`status == "active"`, a LIMIT).
        self.defaults = {
            name: param.effective_value
            for name, param in compiled.binds.items()
            if not param.required
        }
        self.results: list[Callable[[Any], Any] | None] | None = None  # from the first cursor


class PreparedRead:
    """A SELECT of the hottest read paths (the caller's status, GET by id), run straight on the
    DBAPI cursor of a read connection.

    SQLAlchemy still writes the SQL (compiled once per kind of connection) and its column types
    still convert the parameters and the row, so UUIDs, UTC datetimes and the rest come out
    exactly as from a Core query. What is skipped is Core's per-execution machinery (execution
    context, result objects, events and `echo` logging): about 60 µs of CPU per query here,
    against about 12 µs for the cursor itself (`bench/RESULTS.md`). A lost server connection
    is handled as Core does: the pool drops every connection made before it.

    Read engine only: its connections are in autocommit. Plain bound parameters only."""

    def __init__(self, stmt: Select[*tuple[Any, ...]]) -> None:
        self.stmt = stmt
        self._types = [c.type for c in stmt.selected_columns]
        # Keyed by what the SQL and the conversions depend on, not by engine: tests make many
        # engines, a service one or two.
        self._prepared: dict[tuple[Any, ...], _Prepared] = {}

    def first(self, bind: Engine | Connection, params: dict[str, Any]) -> tuple[Any, ...] | None:
        """The first row, converted by the columns' types, or None."""
        dialect = bind.dialect
        with _dbapi_connection(bind) as connection:  # connect first: it sets the server version
            key = (type(dialect), dialect.paramstyle, dialect.server_version_info)
            prepared = self._prepared.get(key)
            if prepared is None:
                prepared = self._prepared[key] = _Prepared(self.stmt, dialect)
            if prepared.defaults:
                params = {**prepared.defaults, **params}
            values = {
                name: value if (process := prepared.bind[name]) is None else process(value)
                for name, value in params.items()
            }
            args: Any = values if prepared.order is None else [values[n] for n in prepared.order]
            cursor = connection.cursor()
            try:
                cursor.execute(prepared.sql, args)
                row = cursor.fetchone()
                results = prepared.results
                if results is None:
                    results = prepared.results = [
                        type_.dialect_impl(dialect).result_processor(dialect, column[1])
                        for type_, column in zip(self._types, cursor.description, strict=True)
                    ]
            finally:
                cursor.close()
        if row is None:
            return None
        return tuple(v if p is None else p(v) for p, v in zip(results, row, strict=True))


@contextmanager
def _dbapi_connection(bind: Engine | Connection) -> Iterator[PoolProxiedConnection]:
    if isinstance(bind, Connection):  # tests: inside the test's transaction
        yield bind.connection
        return
    connection = bind.raw_connection()
    try:
        yield connection
    except bind.dialect.loaded_dbapi.Error as exc:
        if bind.dialect.is_disconnect(exc, connection.dbapi_connection, None):
            # What Core does on a lost connection: a restart or failover has closed every
            # connection made before now, so the pool replaces them all on their next checkout,
            # and not one failed request at a time. (`_invalidate` is the pool's own method for
            # it; tests/test_prepared_read.py checks it still behaves so.)
            bind.pool._invalidate(connection, exc)
        raise
    finally:
        connection.close()


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

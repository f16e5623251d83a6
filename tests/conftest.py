"""Test harness: one migrated database per run (and per xdist worker); every test runs inside a
transaction that is rolled back, so tests never see each other's rows.

TEST_DATABASE_URL picks the server: unset means a SQLite file; a PostgreSQL URL means a scratch
database created on that server for the run and dropped afterwards.
"""

import base64
import os
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from unittest import mock

import anyio.from_thread
import pytest
from alembic import command
from alembic.config import Config
from anyio.from_thread import BlockingPortal
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.core import crypto
from app.core.clock import Clock
from app.db import make_engine, make_sync_engine
from app.main import create_app

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent
TEST_SECRET = "test-secret-" + "x" * 40
# Encryption keys of social security numbers (kid:base64 of 32 bytes), as NIR_ENCRYPTION_KEYS.
TEST_NIR_KEY = "test1:" + base64.b64encode(b"t" * 32).decode()


def alembic_config(connection: Connection) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["connection"] = connection
    config.attributes["configure_logging"] = False
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


class ScratchDatabase:
    """A database of its own on the configured server, created empty and dropped at the end."""

    def __init__(self, tmp: Path, label: str) -> None:
        base = os.environ.get("TEST_DATABASE_URL", "")
        self.admin_url = None
        if base.startswith("postgresql"):
            name = f"apart_{label}_{uuid.uuid4().hex[:8]}"
            url = make_url(base)
            self.admin_url = url
            self.name = name
            admin = create_engine(url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text("SET statement_timeout = '60s'"))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            self.url = url.set(database=name).render_as_string(hide_password=False)
        else:
            self.url = f"sqlite:///{tmp / (label + '.db')}"

    def drop(self) -> None:
        if self.admin_url is None:
            return
        # WITH (FORCE) ends the sessions still connected; the timeouts keep a stuck drop from
        # hanging the run.
        admin = create_engine(
            self.admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 10}
        )
        with admin.connect() as conn:
            conn.execute(text("SET lock_timeout = '30s'"))
            conn.execute(text("SET statement_timeout = '60s'"))
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        admin.dispose()


def test_settings(database_url: str, data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "jwt_secret": TEST_SECRET,
        "nir_encryption_keys": [TEST_NIR_KEY],
        "data_dir": data_dir,
        "environment": "development",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


test_settings.__test__ = False  # type: ignore[attr-defined]


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """Argon2id with its smallest cost in tests: every test signs up and logs in, and the
    production cost (about 50 ms a hash) would dominate the run. Same algorithm, same code
    paths; the production parameters are checked in tests/core/test_security.py."""
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    from app.core import security

    production = security._hasher, security._DUMMY_HASH
    security._hasher = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    security._DUMMY_HASH = security._hasher.hash("dummy password for timing")
    yield
    security._hasher, security._DUMMY_HASH = production


@pytest.fixture(scope="session", autouse=True)
def nir_keys() -> None:
    """The process's keys for tests that read lines without making an app (which installs
    its settings' keys, the same unless a test says otherwise)."""
    crypto.install(crypto.FieldCipher(Settings(nir_encryption_keys=[TEST_NIR_KEY]).nir_keys))


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[ScratchDatabase]:
    db = ScratchDatabase(tmp_path_factory.mktemp("db"), f"suite_{worker_id}")
    yield db
    db.drop()


@pytest.fixture(scope="session")
def portal() -> Iterator[BlockingPortal]:
    """One event loop for the whole run: the app, its test client and the test's connection
    all live on it (asyncio connections belong to the loop that opened them)."""
    with anyio.from_thread.start_blocking_portal() as p:
        yield p


def run(portal: BlockingPortal, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
    return portal.call(fn, *args)


@pytest.fixture(scope="session")
def engine(
    database: ScratchDatabase, tmp_path_factory: pytest.TempPathFactory, portal: BlockingPortal
) -> Iterator[AsyncEngine]:
    settings = test_settings(database.url, tmp_path_factory.mktemp("data"))
    sync = make_sync_engine(settings)
    migrate(sync)
    sync.dispose()
    eng = make_engine(settings)
    yield eng
    portal.call(eng.dispose)


@pytest.fixture
def connection(engine: AsyncEngine, portal: BlockingPortal) -> Iterator[AsyncConnection]:
    async def begin() -> AsyncConnection:
        conn = await engine.connect()
        await conn.begin()
        return conn

    conn = portal.call(begin)
    yield conn

    async def end() -> None:
        await conn.rollback()
        await conn.close()

    portal.call(end)


class RolledBackSessions:
    """Every session of the app joins the test's outer transaction through savepoints."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    def __call__(self, *, write: bool) -> AsyncSession:
        # A read session makes no savepoint: its close, after the response, could otherwise
        # roll back to a savepoint that a write session of the same request has released.
        return AsyncSession(
            bind=self.connection,
            join_transaction_mode="create_savepoint" if write else "rollback_only",
            expire_on_commit=False,
        )


class PortalClient(TestClient):
    """A test client that runs the app on the run's event loop instead of a new one."""

    def __init__(self, app: FastAPI, portal: BlockingPortal, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._shared_portal = portal

    def __enter__(self) -> "PortalClient":
        shared = self._shared_portal
        with mock.patch.object(
            anyio.from_thread, "start_blocking_portal", lambda **_: nullcontext(shared)
        ):
            super().__enter__()
        return self


@contextmanager
def portal_client(app: FastAPI, portal: BlockingPortal, **kwargs: Any) -> Iterator[TestClient]:
    with PortalClient(app, portal, **kwargs) as c:
        yield c


class FixedClock(Clock):
    """Frozen at the real time of its creation (JWT expiry is checked against the real clock);
    tests move it by assigning `current`."""

    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime.now(UTC).replace(microsecond=0)
        super().__init__(lambda: self.current)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def settings(database: ScratchDatabase, tmp_path: Path) -> Settings:
    return test_settings(database.url, tmp_path)


@pytest.fixture
def app(settings: Settings, connection: AsyncConnection, clock: FixedClock) -> FastAPI:
    return create_app(settings, clock=clock, session_factory=RolledBackSessions(connection))


@pytest.fixture
def client(app: FastAPI, portal: BlockingPortal) -> Iterator[TestClient]:
    with portal_client(app, portal) as c:
        yield c


class SyncSession:
    """The test's view of the database, from synchronous test code: each call runs on the
    run's event loop, inside the test's transaction."""

    def __init__(self, session: AsyncSession, portal: BlockingPortal) -> None:
        self._session = session
        self._portal = portal

    def exec(self, stmt: Any) -> Any:
        return self._portal.call(self._session.exec, stmt)

    def get(self, model: type[T], ident: Any) -> T | None:
        return self._portal.call(self._session.get, model, ident)

    def add(self, row: Any) -> None:
        self._session.add(row)

    def commit(self) -> None:
        self._portal.call(self._session.commit)

    def expire_all(self) -> None:
        self._session.expire_all()


@pytest.fixture
def session(connection: AsyncConnection, portal: BlockingPortal) -> Iterator[SyncSession]:
    s = RolledBackSessions(connection)(write=True)
    yield SyncSession(s, portal)
    portal.call(s.close)

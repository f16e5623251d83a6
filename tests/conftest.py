"""Test harness: one migrated database per run (and per xdist worker); every test runs inside a
transaction that is rolled back, so tests never see each other's rows.

TEST_DATABASE_URL picks the server: unset means a SQLite file; a PostgreSQL URL means a scratch
database created on that server for the run and dropped afterwards.
"""

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from app.config import Settings
from app.core.clock import Clock
from app.db import make_engine
from app.main import create_app

ROOT = Path(__file__).resolve().parent.parent
TEST_SECRET = "test-secret-" + "x" * 40


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
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            self.url = url.set(database=name).render_as_string(hide_password=False)
        else:
            self.url = f"sqlite:///{tmp / (label + '.db')}"

    def drop(self) -> None:
        if self.admin_url is None:
            return
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        admin.dispose()


def test_settings(database_url: str, data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "jwt_secret": TEST_SECRET,
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
    paths; the production parameters are checked in test_security_parameters."""
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    from app.core import security

    production = security._hasher, security._DUMMY_HASH
    security._hasher = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    security._DUMMY_HASH = security._hasher.hash("dummy password for timing")
    yield
    security._hasher, security._DUMMY_HASH = production


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[ScratchDatabase]:
    db = ScratchDatabase(tmp_path_factory.mktemp("db"), f"suite_{worker_id}")
    yield db
    db.drop()


@pytest.fixture(scope="session")
def engine(database: ScratchDatabase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    eng = make_engine(test_settings(database.url, tmp_path_factory.mktemp("data")))
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


class RolledBackSessions:
    """Every session of the app joins the test's outer transaction through savepoints."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.read_bind = connection

    def __call__(self, *, write: bool) -> Session:
        return Session(
            bind=self.connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )


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
def app(settings: Settings, connection: Connection, clock: FixedClock) -> FastAPI:
    return create_app(settings, clock=clock, session_factory=RolledBackSessions(connection))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    with RolledBackSessions(connection)(write=True) as s:
        yield s

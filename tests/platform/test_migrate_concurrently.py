"""Replicas that start together each run `migrate`: on PostgreSQL an advisory lock makes them take
turns, so every one exits 0 and the schema is migrated once."""

import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import Connection, create_engine, inspect, text

from app.health import migration_heads
from tests.conftest import ROOT, TEST_SECRET, ScratchDatabase

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="the advisory lock is PostgreSQL's; SQLite's migrations are unchanged",
)
MIGRATION_LOCK_KEY = 0x61_70_61_72_74_6D_69_67  # migrations/env.py


def start_migrate(db: ScratchDatabase, tmp_path) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": db.url, "JWT_SECRET": TEST_SECRET}
    env["DATA_DIR"] = str(tmp_path)
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "migrate"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def versions(db: ScratchDatabase) -> list[str]:
    engine = create_engine(db.url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return []
            return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    finally:
        engine.dispose()


def waiting_for_the_lock(conn: Connection) -> bool:
    waiting = text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    return bool(conn.execute(waiting).scalar_one())


def test_two_migrates_started_together_both_succeed_and_migrate_once(tmp_path):
    db = ScratchDatabase(tmp_path, "migrate_race")
    try:
        procs = [start_migrate(db, tmp_path) for _ in range(2)]
        outputs = [p.communicate(timeout=120)[0] for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outputs
        assert set(versions(db)) == migration_heads()
        # One of them ran the migrations, the other found the schema at head.
        ran = [out.count("Running upgrade") for out in outputs]
        assert sorted(ran)[0] == 0 and sorted(ran)[1] > 0, outputs
    finally:
        db.drop()


def test_migrate_waits_for_the_migration_lock_held_by_another_replica(tmp_path):
    db = ScratchDatabase(tmp_path, "migrate_lock")
    holder = create_engine(db.url)
    try:
        with holder.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            conn.commit()
            proc = start_migrate(db, tmp_path)
            # It starts, then waits for the lock (without the lock it would migrate and exit).
            deadline = time.monotonic() + 90
            while not waiting_for_the_lock(conn):
                assert proc.poll() is None, proc.communicate()[0]
                assert time.monotonic() < deadline
                time.sleep(0.1)
            assert versions(db) == []
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
            conn.commit()
            output = proc.communicate(timeout=120)[0]
        assert proc.returncode == 0, output
        assert set(versions(db)) == migration_heads()
    finally:
        holder.dispose()
        db.drop()

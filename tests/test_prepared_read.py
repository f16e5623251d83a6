"""`app.db.PreparedRead`: the hot read path's queries, run on the DBAPI cursor, must give exactly
what the same Core query gives, and never keep or reuse a broken pooled connection."""

import time
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, literal_column, select, table, text
from sqlalchemy.engine import Connection

from app.clients.models import Establishment
from app.db import PreparedRead, make_engine
from tests.builders import firm_headers, make_client, make_establishment
from tests.conftest import ScratchDatabase, test_settings

EST = Establishment.__table__  # type: ignore[attr-defined]
BY_ID = select(EST).where(EST.c.id == bindparam("id"))


def core_row(connection: Connection, establishment_id: uuid.UUID) -> tuple[object, ...]:
    row = connection.execute(BY_ID, {"id": establishment_id}).first()
    assert row is not None
    return tuple(row)


def test_prepared_read_gives_what_the_core_query_gives_types_included(client, connection):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    est = make_establishment(client, headers, company)
    archived = make_establishment(client, headers, company, n=2)
    response = client.post(f"/v1/establishments/{archived['id']}/archive", headers=headers)
    assert response.status_code == 200, response.text

    prepared = PreparedRead(BY_ID)
    for row_id in (uuid.UUID(est["id"]), uuid.UUID(archived["id"])):
        row = prepared.first(connection, {"id": row_id})
        assert row == core_row(connection, row_id)
        assert row is not None
        assert isinstance(row[0], uuid.UUID) and row[0] == row_id
        created_at = row[EST.c.keys().index("created_at")]
        assert isinstance(created_at, datetime) and created_at.tzinfo == UTC
    archived_row = prepared.first(connection, {"id": uuid.UUID(archived["id"])})
    assert archived_row is not None
    assert archived_row[EST.c.keys().index("archived_at")] is not None
    plain_row = prepared.first(connection, {"id": uuid.UUID(est["id"])})
    assert plain_row is not None
    assert plain_row[EST.c.keys().index("archived_at")] is None


def test_prepared_read_of_no_row_is_none(connection):
    assert PreparedRead(BY_ID).first(connection, {"id": uuid.uuid4()}) is None


@pytest.fixture
def read_engine(database: ScratchDatabase, tmp_path, engine):  # `engine`: the schema exists
    settings = test_settings(database.url, tmp_path, db_pool_size=1)
    eng = make_engine(settings, for_reads=True)
    yield eng
    eng.dispose()


def test_prepared_read_gives_its_connection_back_to_the_pool_on_success_and_error(read_engine):
    assert PreparedRead(BY_ID).first(read_engine, {"id": uuid.uuid4()}) is None
    assert read_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    broken = PreparedRead(select(literal_column("1")).select_from(table("no_such_table")))
    with pytest.raises(read_engine.dialect.loaded_dbapi.Error):
        broken.first(read_engine, {})
    assert read_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    assert PreparedRead(BY_ID).first(read_engine, {"id": uuid.uuid4()}) is None


def test_prepared_read_after_the_server_closed_every_connection_fails_once_postgresql(
    database, tmp_path, engine
):
    """A restart or failover closes every pooled connection: one request fails, as with Core,
    and the pool replaces the other connections instead of failing one request for each."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server that can close a connection")
    reads = make_engine(test_settings(database.url, tmp_path, db_pool_size=3), for_reads=True)
    try:
        held = [reads.raw_connection() for _ in range(3)]
        pids = [c.dbapi_connection.info.backend_pid for c in held]  # type: ignore[union-attr]
        for c in held:
            c.close()
        with engine.connect() as admin:
            for pid in pids:
                admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            for _ in range(50):  # until the backends have gone
                alive = admin.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                    {"pids": pids},
                ).scalar_one()
                if not alive:
                    break
                time.sleep(0.1)
            admin.commit()

        backend = PreparedRead(select(literal_column("pg_backend_pid()")))
        outcomes = []
        for _ in range(4):
            try:
                row = backend.first(reads, {})
                assert row is not None and row[0] not in pids
                outcomes.append("ok")
            except reads.dialect.loaded_dbapi.Error:
                outcomes.append("failed")
        assert outcomes == ["failed", "ok", "ok", "ok"]
        assert reads.pool.checkedout() == 0  # type: ignore[attr-defined]
    finally:
        reads.dispose()


def test_prepared_read_takes_values_written_in_the_statement(client, connection):
    _, headers = firm_headers(client)
    est = make_establishment(client, headers, make_client(client, headers))
    stmt = select(EST).where(EST.c.id == bindparam("id"), EST.c.status == "active").limit(1)
    row_id = uuid.UUID(est["id"])
    row = PreparedRead(stmt).first(connection, {"id": row_id})
    assert row is not None and row == tuple(connection.execute(stmt, {"id": row_id}).one())
    archived = select(EST).where(EST.c.id == bindparam("id"), EST.c.status == "archived")
    assert PreparedRead(archived).first(connection, {"id": row_id}) is None


def test_prepared_read_refuses_a_statement_with_an_in_list(connection):
    stmt = select(EST).where(EST.c.id.in_([uuid.uuid4(), uuid.uuid4()]))
    with pytest.raises(ValueError, match="plain bound parameters"):
        PreparedRead(stmt).first(connection, {})

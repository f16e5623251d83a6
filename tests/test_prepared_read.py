"""`app.db.PreparedRead`: the hot read path's queries, run on the DBAPI cursor, must give exactly
what the same Core query gives, and never keep or reuse a broken pooled connection."""

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


def test_prepared_read_drops_a_connection_the_server_closed_postgresql(read_engine, engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server that can close a connection")
    backend = PreparedRead(select(literal_column("pg_backend_pid()")))
    row = backend.first(read_engine, {})
    assert row is not None
    with engine.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": row[0]})
        admin.commit()
    # The pool's only connection is dead: the read fails once, and the pool forgets it.
    with pytest.raises(read_engine.dialect.loaded_dbapi.Error):
        backend.first(read_engine, {})
    again = backend.first(read_engine, {})
    assert again is not None and again[0] != row[0]

"""One data path: every statement of a request goes through SQLAlchemy's engine, so its events
(echo, tracing, counting) see them all, and the hot reads take one round trip."""

from collections.abc import Iterator

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.support.builders import firm_headers, make_client, make_establishment


@pytest.fixture
def statements(connection: AsyncConnection) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:
        seen.append(statement)

    target = connection.sync_connection
    assert target is not None
    event.listen(target, "before_cursor_execute", record)
    yield seen
    event.remove(target, "before_cursor_execute", record)


def data_statements(seen: list[str]) -> list[str]:
    """Leaves out the test harness's savepoints."""
    return [s for s in seen if "SAVEPOINT" not in s.upper()]


def test_get_establishment_by_id_is_one_statement_with_the_callers_status(client, statements):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    est = make_establishment(client, headers, company)
    statements.clear()
    response = client.get(f"/v1/establishments/{est['id']}", headers=headers)
    assert response.status_code == 200
    [only] = data_statements(statements)
    assert "establishment" in only and "user" in only


def test_every_authenticated_request_reads_the_callers_status_through_the_engine(
    client, statements
):
    _, headers = firm_headers(client)
    statements.clear()
    assert client.get("/v1/firm", headers=headers).status_code == 200
    seen = data_statements(statements)
    assert any('"user"' in s or " user" in s for s in seen), seen
    statements.clear()
    assert client.get("/v1/establishments?limit=5", headers=headers).status_code == 200
    assert len(data_statements(statements)) == 2  # the caller's status, then the page


def test_a_write_is_seen_by_the_engine_events_too(client, statements):
    _, headers = firm_headers(client)
    statements.clear()
    make_client(client, headers)
    inserts = [s for s in data_statements(statements) if s.lstrip().upper().startswith("INSERT")]
    assert any("client" in s for s in inserts), statements


def test_a_gate_lets_its_limit_through_and_refuses_past_its_timeout_with_503(portal):
    from app.db import Gate
    from app.errors import Overloaded

    async def scenario() -> list[str]:
        gate = Gate(limit=1, timeout=0.05)
        outcomes = []
        async with gate:
            try:
                async with gate:
                    outcomes.append("second admitted")
            except Overloaded as exc:
                outcomes.append(f"{exc.status} {exc.code} {exc.headers}")
        async with gate:  # released: the next one goes through
            outcomes.append("third admitted")
        return outcomes

    assert portal.call(scenario) == [
        "503 overloaded {'Retry-After': '1'}",
        "third admitted",
    ]


def test_the_reads_that_grow_with_the_firm_pass_the_heavy_read_gate(app):
    from app.db import _heavy_read

    def gated(route) -> bool:
        pending = list(route.dependant.dependencies)
        while pending:
            dependant = pending.pop()
            if dependant.call is _heavy_read:
                return True
            pending.extend(dependant.dependencies)
        return False

    heavy = {
        (method, route.path)
        for route in app.routes
        if hasattr(route, "dependant") and gated(route)
        for method in route.methods
    }
    assert heavy == {
        ("GET", "/v1/deadlines"),
        ("GET", "/v1/claims"),
        ("GET", "/v1/claims/{claim_id}/export"),
        ("GET", "/v1/establishments/{establishment_id}/summary"),
    }


def test_a_read_session_gives_its_connection_back_without_a_rollback(settings, portal):
    """Reads run in autocommit and never write: their connections are given back as they are,
    without the two rollbacks a write connection gets (its own as its session closes, then the
    pool's reset; on SQLite each one a trip through aiosqlite's thread)."""
    from sqlalchemy import text

    from app.db import SessionFactory, make_engine

    async def scenario() -> dict[str, int]:
        engines = {"read": make_engine(settings, for_reads=True), "write": make_engine(settings)}
        factory = SessionFactory(read_engine=engines["read"], write_engine=engines["write"])
        rollbacks = {"read": 0, "write": 0}
        try:
            for kind in rollbacks:
                session = factory(write=kind == "write")
                assert (await session.exec(text("SELECT 1"))).scalar() == 1  # type: ignore[call-overload]
                # the driver's own connection (psycopg's or aiosqlite's), under SQLAlchemy's
                driver = (await (await session.connection()).get_raw_connection()).driver_connection
                rollback = driver.rollback

                async def counted(kind=kind, rollback=rollback) -> None:
                    rollbacks[kind] += 1
                    await rollback()

                driver.rollback = counted
                try:
                    await session.close()
                finally:
                    del driver.rollback
        finally:
            for engine in engines.values():
                await engine.dispose()
        return rollbacks

    assert portal.call(scenario) == {"read": 0, "write": 2}

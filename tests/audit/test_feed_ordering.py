"""The change feed's order, with the interleaving forced: transaction A records an event, then B
does, then A commits. B's event cannot be numbered before A commits (it waits on the firm's
row, or on SQLite's write lock), so a poller never sees B's event without A's before it."""

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.audit import service as audit
from app.core.principal import Principal
from app.db import SessionFactory, make_engine, make_sync_engine
from app.firms.models import FirmAccount
from tests.conftest import ScratchDatabase, migrate, test_settings

NOW = datetime(2020, 4, 1, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def factory_settings(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ordering")
    db = ScratchDatabase(tmp, "ordering")
    settings = test_settings(db.url, tmp, db_lock_timeout_seconds=30)
    sync = make_sync_engine(settings)
    migrate(sync)
    sync.dispose()
    yield settings
    db.drop()


# Four registered actions, to tell the transactions apart.
A, B, C, D = (
    "establishment.created",
    "establishment.updated",
    "establishment.archived",
    "establishment.restored",
)


async def record(session: AsyncSession, actor: Principal, action: str) -> None:
    await audit.record(
        session,
        actor,
        action=action,
        resource_type="establishment",
        resource_id=uuid.uuid4(),
        at=NOW,
    )


async def feed(reads: AsyncSession, actor: Principal, after: int) -> list[str]:
    rows, _ = await audit.follow_events(reads, actor, after=after, limit=100)
    return [e.action for e in rows]


async def interleave(settings) -> None:
    sessions = SessionFactory(
        read_engine=make_engine(settings, for_reads=True), write_engine=make_engine(settings)
    )
    try:
        async with sessions(write=True) as setup:
            firm = FirmAccount(name="Cabinet", siret="73282932000074", email="a@example.fr")
            setup.add(firm)
            await setup.commit()
        actor = Principal(uuid.uuid4(), firm.id, "owner", frozenset())
        reads = sessions(write=False)
        a, b = sessions(write=True), sessions(write=True)

        async def b_records_and_commits() -> None:
            await record(b, actor, B)
            await b.commit()

        await record(a, actor, A)
        b_done = asyncio.create_task(b_records_and_commits())
        await asyncio.sleep(1)
        assert not b_done.done(), "B numbered its event while A, holding an earlier one, was open"
        assert await feed(reads, actor, 0) == []
        await a.commit()
        await asyncio.wait_for(b_done, 30)
        assert await feed(reads, actor, 0) == [A, B]

        # A rolled-back transaction gives its number back: the next event takes it.
        c = sessions(write=True)
        await record(c, actor, C)
        await c.rollback()
        d = sessions(write=True)
        await record(d, actor, D)
        await d.commit()
        rows, position = await audit.follow_events(reads, actor, after=2, limit=100)
        assert [(e.seq, e.action) for e in rows] == [(3, D)] and position == 3
        for session in (reads, a, b, c, d):
            await session.close()
    finally:
        await sessions.read_engine.dispose()
        await sessions.write_engine.dispose()


def test_an_event_recorded_later_waits_for_the_earlier_transaction_to_commit(factory_settings):
    asyncio.run(interleave(factory_settings))

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal
from sqlalchemy.ext.asyncio import AsyncConnection

from app.config import Settings
from app.webhooks.delivery import Sender
from tests.conftest import FixedClock, RolledBackSessions, ScratchDatabase, test_settings

# Short, so that tests walk the whole schedule by moving the clock.
SCHEDULE = [5, 60, 600]


@pytest.fixture
def settings(database: ScratchDatabase, tmp_path: Path) -> Settings:
    """The receiver listens on 127.0.0.1: private addresses allowed, as in development."""
    return test_settings(
        database.url,
        tmp_path,
        webhook_allow_private_addresses=True,
        webhook_retry_seconds=SCHEDULE,
    )


@pytest.fixture
def sender(connection: AsyncConnection, clock: FixedClock, settings: Settings) -> Sender:
    """The worker, on the test's rolled-back transaction and the app's clock."""
    sessions = RolledBackSessions(connection)
    return Sender(
        sessions=lambda: sessions(write=True),
        schedule=settings.webhook_retry_seconds,
        allow_private=settings.webhook_allow_private_addresses,
        timeout=5,
        lease=timedelta(seconds=60),
        clock=clock,
        rand=lambda: 0.5,  # no jitter: the delays are the schedule's
    )


@pytest.fixture
def deliver(sender: Sender, portal: BlockingPortal) -> Any:
    """Run the worker until nothing is due; how many deliveries it claimed."""

    def run() -> int:
        async def until_idle() -> int:
            total = 0
            async with httpx.AsyncClient(trust_env=False) as http:
                while claimed := await sender.run_once(http):
                    total += claimed
            return total

        return portal.call(until_idle)

    return run

"""The delivery loop: `python -m app.cli worker` (several in parallel on PostgreSQL), or a task
of the app's own process (`WEBHOOK_WORKER_IN_PROCESS`, for the SQLite default)."""

import asyncio
import contextlib
import logging
from datetime import timedelta

import httpx
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.core.clock import Clock
from app.webhooks.delivery import Sender
from app.webhooks.scan import scan

log = logging.getLogger("app.webhooks")


def sender(engine: AsyncEngine, settings: Settings, clock: Clock | None = None) -> Sender:
    write_engine = engine.execution_options(sqlite_immediate=True)
    return Sender(
        sessions=lambda: AsyncSession(write_engine, expire_on_commit=False),
        schedule=settings.webhook_retry_seconds,
        allow_private=settings.webhook_allow_private_addresses,
        timeout=settings.webhook_timeout_seconds,
        lease=timedelta(seconds=settings.webhook_lease_seconds),
        clock=clock or Clock(),
    )


async def run_scan(worker: Sender) -> int:
    async with worker.sessions() as session:
        try:
            sent = await scan(session, today=worker.clock.today(), now=worker.clock.now())
            await session.commit()
        except IntegrityError:  # another worker's scan made the same announcements first
            await session.rollback()
            return 0
    return sent


async def run(
    worker: Sender,
    *,
    poll_seconds: float,
    scan_seconds: float,
    stop: asyncio.Event,
    once: bool = False,
    max_seconds: float | None = None,
) -> None:
    """Deliver until `stop` is set (between two batches: an attempt under way is finished and
    recorded), `max_seconds` have passed, or (`once`) nothing is due any more."""
    loop = asyncio.get_running_loop()
    deadline = None if max_seconds is None else loop.time() + max_seconds
    next_scan = loop.time()
    async with httpx.AsyncClient(trust_env=False) as http:
        while not stop.is_set():
            if loop.time() >= next_scan:
                try:
                    await run_scan(worker)
                except Exception:  # a failed scan must not stop the deliveries
                    log.exception("webhook scan failed")
                next_scan = loop.time() + scan_seconds
            try:
                claimed = await worker.run_once(http)
            except Exception:
                log.exception("webhook delivery batch failed")
                claimed = 0
            if deadline is not None and loop.time() >= deadline:
                break
            if claimed:
                continue
            if once:
                break
            wait = poll_seconds if deadline is None else min(poll_seconds, deadline - loop.time())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=max(wait, 0))

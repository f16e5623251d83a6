"""Two workers on one database, each with its own engine (its own connections), committing for
real: every message is sent once, each attempt recorded once. On PostgreSQL they claim with
`FOR UPDATE SKIP LOCKED`; on SQLite the claims take turns. Then the lease: a worker that
lost its lease (it took too long) cannot record its attempt over another's."""

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import make_engine, make_sync_engine
from app.main import create_app
from app.webhooks.delivery import Sender
from app.webhooks.models import WebhookAttempt, WebhookDelivery
from app.webhooks.worker import sender
from tests.conftest import (
    ROOT,
    TEST_NIR_KEY,
    TEST_SECRET,
    FixedClock,
    ScratchDatabase,
    migrate,
    portal_client,
    test_settings,
)
from tests.support.builders import firm_headers
from tests.webhooks.receiver import receiving

MESSAGES = 40
ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


@pytest.fixture(scope="module")
def race_settings(tmp_path_factory):
    db = ScratchDatabase(tmp_path_factory.mktemp("race"), "webhooks_race")
    settings = test_settings(
        db.url,
        tmp_path_factory.mktemp("race-data"),
        webhook_allow_private_addresses=True,
        webhook_retry_seconds=[5],
    )
    sync = make_sync_engine(settings)
    migrate(sync)
    sync.dispose()
    yield settings
    db.drop()


def test_two_workers_never_send_the_same_attempt(race_settings, portal):
    clock = FixedClock()
    app = create_app(race_settings, clock=clock)  # its own sessions: real commits
    with receiving(delay=0.02) as receiver, portal_client(app, portal) as client:
        _, headers = firm_headers(client)
        created = client.post(
            "/v1/webhook-endpoints",
            headers=headers,
            json={"url": receiver.url, "event_types": ["claim.paid"]},
        ).json()
        receiver.secret = created["secret"]
        for _ in range(MESSAGES):
            response = client.post(f"/v1/webhook-endpoints/{created['id']}/test", headers=headers)
            assert response.status_code == 202, response.text

        async def race() -> list[int]:
            engines = [make_engine(race_settings) for _ in range(2)]
            workers = [sender(e, race_settings, clock) for e in engines]
            for w in workers:
                w.batch = 3
            start = asyncio.Event()

            async def work(w: Sender) -> int:
                await start.wait()
                total = 0
                async with httpx.AsyncClient(trust_env=False) as http:
                    while claimed := await w.run_once(http):
                        total += claimed
                return total

            tasks = [asyncio.create_task(work(w)) for w in workers]
            start.set()
            try:
                return list(await asyncio.gather(*tasks))
            finally:
                for e in engines:
                    await e.dispose()

        counts = portal.call(race)

        async def recorded() -> tuple[int, int]:
            engine = make_engine(race_settings)
            try:
                async with AsyncSession(engine) as session:
                    attempts = (await session.exec(select(func.count(WebhookAttempt.id)))).one()
                    sent = (
                        await session.exec(
                            select(func.count(WebhookDelivery.id)).where(
                                WebhookDelivery.status == "succeeded",
                                WebhookDelivery.attempts == 1,
                            )
                        )
                    ).one()
            finally:
                await engine.dispose()
            return attempts, sent

        attempts, sent = portal.call(recorded)
    ids = Counter(r.headers["webhook-id"] for r in receiver.received)
    assert len(ids) == MESSAGES and set(ids.values()) == {1}, ids.most_common(3)
    assert len(receiver.verified()) == MESSAGES
    assert sum(counts) == MESSAGES and attempts == MESSAGES and sent == MESSAGES
    if ON_POSTGRES:  # both took part: the claims overlapped and skipped each other's rows
        assert min(counts) > 0, counts


def test_a_worker_that_lost_its_lease_records_nothing(client, clock, sender, portal):
    """Worker A claims and stalls past its lease; worker B claims the delivery again and sends
    it; A's late outcome is dropped, so each attempt has one row."""
    from tests.webhooks.test_delivery import register

    _, headers = firm_headers(client)
    with receiving() as receiver:
        endpoint = register(client, headers, receiver.url)
        client.post(f"/v1/webhook-endpoints/{endpoint['id']}/test", headers=headers)
        [stalled] = portal.call(sender.claim)
        assert portal.call(sender.claim) == []  # leased: nobody else takes it meanwhile
        clock.current += sender.lease + timedelta(seconds=1)

        async def other() -> int:
            async with httpx.AsyncClient(trust_env=False) as http:
                return await sender.run_once(http)

        assert portal.call(other) == 1

        async def late() -> None:
            async with httpx.AsyncClient(trust_env=False) as http:
                await sender.settle(stalled, await sender.send(http, stalled))

        portal.call(late)
    done = client.get(f"/v1/webhook-endpoints/{endpoint['id']}/attempts", headers=headers)
    assert [a["number"] for a in done.json()["items"]] == [1]
    assert isinstance(stalled.token, uuid.UUID)


def worker_env(settings) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "JWT_SECRET": TEST_SECRET,
        "NIR_ENCRYPTION_KEYS": TEST_NIR_KEY,
        "DATA_DIR": str(settings.data_dir),
        "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "true",
        "WEBHOOK_POLL_SECONDS": "0.2",
    }


def test_the_worker_command_delivers_then_stops_on_sigterm(race_settings, portal, tmp_path):
    app = create_app(race_settings)
    with receiving() as receiver, portal_client(app, portal) as client:
        _, headers = firm_headers(client)
        created = client.post(
            "/v1/webhook-endpoints",
            headers=headers,
            json={"url": receiver.url, "event_types": ["claim.paid"]},
        ).json()
        receiver.secret = created["secret"]
        for _ in range(3):
            client.post(f"/v1/webhook-endpoints/{created['id']}/test", headers=headers)
        once = subprocess.run(
            [sys.executable, "-m", "app.cli", "worker", "--once", "--max-seconds", "60"],
            cwd=ROOT,
            env=worker_env(race_settings),
            capture_output=True,
            timeout=120,
        )
        assert once.returncode == 0, once.stderr.decode()
        assert len(receiver.verified()) == 3

        log = (tmp_path / "worker.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"],
            cwd=ROOT,
            env=worker_env(race_settings),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            client.post(f"/v1/webhook-endpoints/{created['id']}/test", headers=headers)
            deadline = time.monotonic() + 60
            while len(receiver.received) < 4 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert len(receiver.verified()) == 4
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0, (tmp_path / "worker.log").read_text()
        finally:
            if proc.poll() is None:
                proc.kill()
            log.close()


def test_the_app_delivers_from_its_own_process_when_asked(race_settings, portal):
    """`WEBHOOK_WORKER_IN_PROCESS`: the lifespan runs the loop, and stops it at shutdown."""
    settings = race_settings.model_copy(
        update={"webhook_worker_in_process": True, "webhook_poll_seconds": 0.1}
    )
    app = create_app(settings)
    with receiving() as receiver:
        with portal_client(app, portal) as client:
            _, headers = firm_headers(client)
            created = client.post(
                "/v1/webhook-endpoints",
                headers=headers,
                json={"url": receiver.url, "event_types": ["claim.paid"]},
            ).json()
            receiver.secret = created["secret"]
            client.post(f"/v1/webhook-endpoints/{created['id']}/test", headers=headers)
            deadline = time.monotonic() + 30
            while not receiver.received and time.monotonic() < deadline:
                time.sleep(0.05)
        assert [p["type"] for p in receiver.verified()] == ["webhook.test"]

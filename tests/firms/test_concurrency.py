"""Ending a user's sessions under real concurrency: logins that race a deactivation, on a running
server with several worker processes (SQLite or PostgreSQL, as the suite runs)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support.builders import PASSWORD, firm_payload
from tests.support.live_server import live_server

pytestmark = pytest.mark.server

LOGINS = 4
ROUNDS = 6


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # Logins of a deactivated user fail and are counted: the throttle must not get in the way.
    env = {"LOGIN_MAX_FAILURES_PER_ACCOUNT": "1000", "LOGIN_MAX_FAILURES_PER_ADDRESS": "1000"}
    with live_server(tmp_path_factory.mktemp("server"), "sessions", env=env) as base:
        yield base


def logins_racing_a_deactivation(
    server: str, owner: httpx.Client, email: str, user_id: str, delay: float
) -> list[httpx.Response]:
    barrier = threading.Barrier(LOGINS + 1)

    def log_in() -> httpx.Response:
        with httpx.Client(base_url=server, timeout=60) as c:
            barrier.wait()
            return c.post("/v1/auth/token", data={"username": email, "password": PASSWORD})

    def deactivate() -> httpx.Response:
        barrier.wait()
        time.sleep(delay)  # meet the logins at different points of their work
        return owner.patch(f"/v1/users/{user_id}", json={"active": False})

    with ThreadPoolExecutor(LOGINS + 1) as pool:
        logins = [pool.submit(log_in) for _ in range(LOGINS)]
        deactivation = pool.submit(deactivate).result()
        assert deactivation.status_code == 200, deactivation.text
        return [f.result() for f in logins]


def test_no_login_racing_a_deactivation_survives_the_reactivation(server):
    owner = httpx.Client(base_url=server, timeout=60)
    payload = firm_payload()
    assert owner.post("/v1/firms", json=payload).status_code == 201
    pair = owner.post(
        "/v1/auth/token", data={"username": payload["owner"]["email"], "password": PASSWORD}
    ).json()
    owner.headers["Authorization"] = f"Bearer {pair['access_token']}"
    survivors = []
    for round_ in range(ROUNDS):
        email = f"racer-{round_}-{payload['owner']['email']}"
        body = {"email": email, "full_name": "Racer", "password": PASSWORD, "role": "member"}
        member = owner.post("/v1/users", json=body)
        assert member.status_code == 201, member.text
        user_id = member.json()["id"]
        answers = logins_racing_a_deactivation(server, owner, email, user_id, 0.005 * round_)
        assert {a.status_code for a in answers} <= {200, 401}, [a.text for a in answers]
        reactivated = owner.patch(f"/v1/users/{user_id}", json={"active": True})
        assert reactivated.status_code == 200, reactivated.text
        # Every login that succeeded did so before the deactivation: its tokens stay refused.
        for tokens in (a.json() for a in answers if a.status_code == 200):
            headers = {"Authorization": f"Bearer {tokens['access_token']}"}
            me = owner.get("/v1/me", headers=headers)
            refresh = {"refresh_token": tokens["refresh_token"]}
            refreshed = owner.post("/v1/auth/refresh", json=refresh)
            if me.status_code != 401 or refreshed.status_code != 401:
                survivors.append((round_, me.status_code, refreshed.status_code))
    assert survivors == []

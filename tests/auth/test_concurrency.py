"""The login throttle under real concurrency, and which client address it counts: a running
server started by the `serve` command, with several worker processes, on the database the suite
runs on (SQLite or PostgreSQL)."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support.builders import PASSWORD, signup
from tests.support.live_server import live_server
from tests.support.problems import assert_problem

pytestmark = pytest.mark.server

WRONG_PASSWORD = "wrong password, long enough"
ACCOUNT_LIMIT, ADDRESS_LIMIT = 5, 30  # the defaults


@pytest.fixture(scope="module")
def behind_proxy(tmp_path_factory):
    """A server that believes X-Forwarded-For from 127.0.0.1, as behind a local proxy: each
    test logs in from addresses of its own."""
    env = {"FORWARDED_ALLOW_IPS": "127.0.0.1"}
    with live_server(tmp_path_factory.mktemp("proxied"), "throttle", env=env, serve=True) as base:
        yield base


def login(base: str, email: str, password: str, address: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": address} if address else {}
    with httpx.Client(base_url=base, timeout=60) as http:
        return http.post(
            "/v1/auth/token", data={"username": email, "password": password}, headers=headers
        )


def logins_at_once(base: str, attempts: list[tuple[str, str, str]]) -> list[httpx.Response]:
    """(e-mail, password, forwarded address) attempts, all sent at the same moment."""
    barrier = threading.Barrier(len(attempts))

    def send(attempt: tuple[str, str, str]) -> httpx.Response:
        email, password, address = attempt
        with httpx.Client(base_url=base, timeout=60) as http:
            http.get("/healthz")  # connected beforehand, so that the logins leave together
            barrier.wait()
            return http.post(
                "/v1/auth/token",
                data={"username": email, "password": password},
                headers={"X-Forwarded-For": address},
            )

    with ThreadPoolExecutor(len(attempts)) as pool:
        return list(pool.map(send, attempts))


def assert_throttled(responses: list[httpx.Response], evaluated: int) -> None:
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {401: evaluated, 429: len(responses) - evaluated}, statuses
    for r in responses:
        if r.status_code == 401:
            assert_problem(r, 401, "invalid_credentials")
        else:
            assert_problem(r, 429, "too_many_attempts")
            assert int(r.headers["retry-after"]) > 0


def test_40_racing_wrong_passwords_for_one_account_evaluate_only_its_limit(behind_proxy):
    with httpx.Client(base_url=behind_proxy, timeout=60) as http:
        email = signup(http)["owner_email"]

    responses = logins_at_once(behind_proxy, [(email, WRONG_PASSWORD, "10.0.1.1")] * 40)

    assert_throttled(responses, ACCOUNT_LIMIT)
    # the right password, within the window: still refused, from any address
    assert_problem(login(behind_proxy, email, PASSWORD, "10.0.1.1"), 429, "too_many_attempts")
    assert_problem(login(behind_proxy, email, PASSWORD, "10.0.1.2"), 429, "too_many_attempts")


def test_45_racing_wrong_logins_from_one_address_evaluate_only_its_limit(behind_proxy):
    with httpx.Client(base_url=behind_proxy, timeout=60) as http:
        email = signup(http)["owner_email"]
    attempts = [(f"guess{n}@cabinet-exemple.fr", WRONG_PASSWORD, "10.0.2.1") for n in range(45)]

    responses = logins_at_once(behind_proxy, attempts)

    assert_throttled(responses, ADDRESS_LIMIT)
    # a right password from that address is refused; from another (forwarded) one it is not
    assert_problem(login(behind_proxy, email, PASSWORD, "10.0.2.1"), 429, "too_many_attempts")
    assert login(behind_proxy, email, PASSWORD, "10.0.2.2").status_code == 200


def test_without_forwarded_allow_ips_a_forwarded_address_is_not_believed(tmp_path, monkeypatch):
    # The default (FORWARDED_ALLOW_IPS unset): whatever X-Forwarded-For a local client sends,
    # its failures count under 127.0.0.1, here limited to 3.
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    env = {"LOGIN_MAX_FAILURES_PER_ADDRESS": "3"}
    with live_server(tmp_path, "no_proxy", workers=1, env=env, serve=True) as base:
        for n, address in enumerate(["1.2.3.4", "5.6.7.8", "9.10.11.12"]):
            response = login(base, f"guess{n}@cabinet-exemple.fr", WRONG_PASSWORD, address)
            assert_problem(response, 401, "invalid_credentials")
        for address in ["13.14.15.16", None]:
            response = login(base, "guess-new@cabinet-exemple.fr", WRONG_PASSWORD, address)
            assert_problem(response, 429, "too_many_attempts")

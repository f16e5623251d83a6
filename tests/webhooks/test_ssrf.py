"""SSRF: a webhook is never sent to the machine itself, the private networks behind it or the
cloud's metadata address, at registration and again at each delivery, unless the setting
allows private addresses."""

import asyncio
from datetime import timedelta

import pytest

from app.core import ssrf
from app.webhooks.delivery import Sender
from tests.conftest import RolledBackSessions, test_settings
from tests.support.builders import firm_headers
from tests.support.problems import assert_problem
from tests.webhooks.receiver import receiving

REFUSED = [
    "https://10.1.2.3/hooks",
    "https://172.16.0.1/hooks",
    "https://192.168.1.10/hooks",
    "https://127.0.0.1/hooks",
    "https://127.8.9.10:8443/hooks",
    "https://169.254.169.254/latest/meta-data",
    "https://[::1]/hooks",
    "https://[::ffff:127.0.0.1]/hooks",
    "https://[fe80::1]/hooks",
    "https://[fd00::1]/hooks",
    "https://224.0.0.1/hooks",
    "https://0.0.0.0/hooks",
    "https://100.64.0.1/hooks",  # carrier-grade NAT
    "https://localhost/hooks",  # a name that resolves to loopback
    "https://localhost.localdomain/hooks",
]


def resolve(url: str, allow_private: bool = False) -> ssrf.Destination:
    return asyncio.run(ssrf.resolve(url, allow_private=allow_private))


@pytest.mark.parametrize("url", REFUSED)
def test_private_loopback_link_local_and_reserved_destinations_are_refused(url):
    with pytest.raises(ssrf.UnsafeDestination):
        resolve(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.215.14/hooks",  # plain http
        "ftp://93.184.215.14/hooks",
        "https://user:pass@93.184.215.14/hooks",
        "https:///hooks",
        "https://no-such-host.invalid/hooks",
    ],
)
def test_other_schemes_credentials_and_unknown_hosts_are_refused(url):
    with pytest.raises(ssrf.UnsafeDestination):
        resolve(url)


def test_a_public_address_is_accepted_and_the_setting_opens_private_ones():
    assert str(resolve("https://93.184.215.14/x").address) == "93.184.215.14"
    assert str(resolve("http://127.0.0.1:8080/x", allow_private=True).address) == "127.0.0.1"
    assert str(resolve("https://localhost/x", allow_private=True).address) in ("127.0.0.1", "::1")


@pytest.fixture
def settings(database, tmp_path):
    """The production default: private addresses refused."""
    return test_settings(database.url, tmp_path)


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.7/hooks",
        "https://127.0.0.1/hooks",
        "https://169.254.169.254/hooks",
        "https://[::1]/hooks",
        "https://localhost/hooks",
        "http://93.184.215.14/hooks",
    ],
)
def test_registration_refuses_an_unsafe_url(client, url):
    _, headers = firm_headers(client)
    for method, path in (("post", "/v1/webhook-endpoints"),):
        response = getattr(client, method)(
            path, headers=headers, json={"url": url, "event_types": ["claim.paid"]}
        )
        problem = assert_problem(response, 422, "validation_error")
        assert problem["errors"][0]["field"] == "url"
        assert problem["errors"][0]["type"] == "unsafe_url"


def test_a_change_of_url_is_checked_too(client):
    _, headers = firm_headers(client)
    created = client.post(
        "/v1/webhook-endpoints",
        headers=headers,
        json={"url": "https://93.184.215.14/hooks", "event_types": ["claim.paid"]},
    ).json()
    response = client.patch(
        f"/v1/webhook-endpoints/{created['id']}",
        headers=headers,
        json={"url": "https://127.0.0.1/hooks"},
    )
    assert_problem(response, 422, "validation_error")


def test_the_delivery_checks_the_address_again(client, connection, clock, portal, app):
    """Registered while private addresses were allowed; the worker runs without: refused."""
    import httpx

    _, headers = firm_headers(client)
    with receiving() as receiver:
        app.state.settings.webhook_allow_private_addresses = True
        try:
            created = client.post(
                "/v1/webhook-endpoints",
                headers=headers,
                json={
                    "url": receiver.url.replace("http://", "https://"),
                    "event_types": ["claim.paid"],
                },
            ).json()
        finally:
            app.state.settings.webhook_allow_private_addresses = False
        client.post(f"/v1/webhook-endpoints/{created['id']}/test", headers=headers)
        sessions = RolledBackSessions(connection)
        worker = Sender(
            sessions=lambda: sessions(write=True),
            schedule=[5],
            allow_private=False,
            timeout=5,
            lease=timedelta(seconds=60),
            clock=clock,
        )

        async def once() -> int:
            async with httpx.AsyncClient() as http:
                return await worker.run_once(http)

        assert portal.call(once) == 1
    assert receiver.received == []
    [attempt] = client.get(
        f"/v1/webhook-endpoints/{created['id']}/attempts", headers=headers
    ).json()["items"]
    assert attempt["succeeded"] is False and attempt["status_code"] is None
    assert attempt["error"].startswith("refused:") and "127.0.0.1" in attempt["error"]

"""Headers that tell browsers and caches how to treat answers: token answers and authenticated
answers are never stored (RFC 6749 §5.1), not content-sniffed; the docs pages may not be framed."""

from typing import Any

import pytest
from starlette.responses import PlainTextResponse
from starlette.testclient import TestClient as StarletteClient

from app.core.headers import SecurityHeaders
from tests.support.builders import PASSWORD, bearer, firm_headers, signup
from tests.support.problems import assert_problem


def assert_no_store(response: Any) -> None:
    assert response.headers["cache-control"] == "no-store", response.headers
    assert response.headers["x-content-type-options"] == "nosniff", response.headers


def test_token_answers_are_no_store_and_no_cache_rfc6749(client):
    firm = signup(client)
    login = client.post(
        "/v1/auth/token", data={"username": firm["owner_email"], "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    refreshed = client.post(
        "/v1/auth/refresh", json={"refresh_token": login.json()["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text
    for response in (login, refreshed):
        assert_no_store(response)
        assert response.headers["pragma"] == "no-cache"


def test_refused_token_answers_are_no_store_too(client):
    wrong = client.post("/v1/auth/token", data={"username": "x@example.fr", "password": "nope"})
    assert_problem(wrong, 401, "invalid_credentials")
    assert_no_store(wrong)
    assert wrong.headers["pragma"] == "no-cache"


@pytest.mark.parametrize("path", ["/v1/me", "/v1/clients", "/v1/firm", "/v1/deadlines"])
def test_authenticated_answers_are_no_store_and_nosniff(client, path):
    _, headers = firm_headers(client)
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    assert_no_store(response)


def test_an_answer_to_a_refused_token_is_no_store_too(client):
    response = client.get("/v1/me", headers=bearer("not-a-token"))
    assert_problem(response, 401, "unauthorized")
    assert_no_store(response)


def test_public_answers_keep_their_cache_headers(client):
    response = client.get("/healthz")
    assert "cache-control" not in response.headers


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/docs/oauth2-redirect"])
def test_docs_pages_may_not_be_framed_and_are_not_sniffed(client, path):
    response = client.get(path)
    assert response.status_code == 200
    csp = [d.strip() for d in response.headers["content-security-policy"].split(";")]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"


def test_missing_token_401_asks_for_a_bearer_token_and_nothing_more_rfc6750(client):
    response = client.get("/v1/me")
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_header_the_route_already_set_is_replaced_not_repeated():
    async def route(scope: Any, receive: Any, send: Any) -> None:
        headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "max-age=60"}
        await PlainTextResponse("ok", headers=headers)(scope, receive, send)

    app = SecurityHeaders(route, token_paths=())
    response = StarletteClient(app).get("/file", headers={"Authorization": "Bearer x"})
    raw = [(k.lower(), v) for k, v in response.headers.multi_items()]
    assert raw.count(("x-content-type-options", "nosniff")) == 1
    assert [v for k, v in raw if k == "cache-control"] == ["no-store"]


def test_the_openapi_document_declares_the_token_and_401_headers(client):
    spec = client.get("/openapi.json").json()
    for path in ("/v1/auth/token", "/v1/auth/refresh"):
        headers = spec["paths"][path]["post"]["responses"]["200"]["headers"]
        assert {"Cache-Control", "Pragma"} <= headers.keys()
    ref = {"$ref": "#/components/headers/WWW-Authenticate"}
    assert spec["paths"]["/v1/me"]["get"]["responses"]["401"]["headers"]["WWW-Authenticate"] == ref
    assert "invalid_token" in spec["components"]["headers"]["WWW-Authenticate"]["description"]

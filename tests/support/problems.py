"""The one check of an error answer: an RFC 9457 problem (application/problem+json)."""

from typing import Any

PROBLEM_JSON = "application/problem+json"


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """`response` is the problem `code` with HTTP status `status`: its content type, every
    member of the problem (type, title, status, detail, code), the status and code it says,
    a type that names the code and a detail that is not empty. Returns the body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    body = response.json()
    assert {"type", "title", "status", "detail", "code"} <= body.keys(), body
    assert body["status"] == status, body
    assert body["code"] == code, body
    assert body["type"].endswith(f":{code}"), body
    assert body["detail"], body
    return body


def assert_unauthorized(response: Any, code: str = "unauthorized") -> dict[str, Any]:
    """A 401 problem that asks for a bearer token."""
    body = assert_problem(response, 401, code)
    assert response.headers["www-authenticate"] == "Bearer"
    return body


def error_fields(body: dict[str, Any]) -> set[str]:
    """The fields a validation problem names."""
    return {e["field"] for e in body["errors"]}

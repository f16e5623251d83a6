"""A database that cannot be reached or take another connection (refused, restarting, out of
connections) is a temporary condition: 503 `database_unavailable` with Retry-After, never a 500."""

import sqlite3

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from app.main import create_app
from app.problems import database_unavailable
from tests.conftest import test_settings
from tests.support.problems import assert_problem


def wrapped(orig: BaseException, *, invalidated: bool = False) -> OperationalError:
    exc = OperationalError("SELECT 1", None, orig)  # type: ignore[arg-type]
    exc.connection_invalidated = invalidated
    return exc


def test_too_many_connections_and_a_refused_connection_are_unavailability():
    assert database_unavailable(wrapped(psycopg.errors.TooManyConnections("too many clients")))
    assert database_unavailable(wrapped(psycopg.errors.AdminShutdown("terminating")))
    assert database_unavailable(wrapped(psycopg.errors.CannotConnectNow("starting up")))
    assert database_unavailable(wrapped(psycopg.OperationalError("connection failed")))
    assert database_unavailable(wrapped(sqlite3.OperationalError("gone"), invalidated=True))


def test_other_database_errors_are_not_unavailability():
    assert not database_unavailable(wrapped(sqlite3.OperationalError("no such table: claim")))
    assert not database_unavailable(wrapped(psycopg.errors.QueryCanceled("statement timeout")))
    assert not database_unavailable(ValueError("not a database error"))


def test_an_unreachable_database_answers_503_with_retry_after_not_500(tmp_path):
    # nothing listens on port 1: every connection attempt is refused at once
    url = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"
    with TestClient(create_app(test_settings(url, tmp_path)), raise_server_exceptions=False) as c:
        response = c.post("/v1/auth/token", data={"username": "a@b.fr", "password": "x" * 12})
    body = assert_problem(response, 503, "database_unavailable")
    assert response.headers["retry-after"] == "2"
    assert "127.0.0.1" not in body["detail"]

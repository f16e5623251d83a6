"""Personal data of the claim lines (R22): a database error during the lines' insert leaves no
NIR and no employee's name in what the server logs; the NIR is stored encrypted, its keys
rotate, and the answers are what they were."""

import base64
import logging
import traceback
import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from app.claims import writes
from app.claims.models import ClaimLine
from app.main import create_app
from app.problems import safe_traceback
from tests.conftest import TEST_NIR_KEY, RolledBackSessions, portal_client
from tests.support.lifecycle import create_claim, line, setup_request

NIR = "1 85 05 78 006 084 91"
NIR_DIGITS = NIR.replace(" ", "")
NAME = "Zoé Personnelle"


def _traces_of_personal_data(text: str) -> list[str]:
    found = [s for s in (NIR, NIR_DIGITS, NIR_DIGITS[:7], NAME) if s in text]
    return found


@pytest.fixture
def failing_insert(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lines reach the database with one employee twice: the database refuses the
    INSERT (unique per claim and employee) with the statement's parameters in hand."""
    line_rows = writes.line_rows

    def same_employee(claim: Any, lines: Any, details: Any) -> Any:
        rows = line_rows(claim, lines, details)
        for row in rows:
            row["employee_ref"] = "E1"
        return rows

    monkeypatch.setattr(writes, "line_rows", same_employee)


def test_a_database_error_inserting_lines_logs_no_nir_nor_name(app, portal, caplog, failing_insert):
    """What a server logs of the error: the app's own log (the 500 handler) and the exception
    as the server receives it (uvicorn logs it with its traceback). Without `hide_parameters`
    on the engine the exception's text lists every parameter of the INSERT."""
    with portal_client(app, portal, raise_server_exceptions=True) as client:
        ctx, request_id = setup_request(client)
        lines = [
            line("E1", employee_name=NAME, nir=NIR),
            line("E2", employee_name=NAME, nir=NIR),
        ]
        caplog.clear()
        with caplog.at_level(logging.DEBUG), pytest.raises(IntegrityError) as raised:
            create_claim(client, ctx, request_id, lines=lines)
    server_log = "".join(traceback.format_exception(raised.value))
    assert "claim_line" in server_log  # the error is the lines' INSERT
    assert _traces_of_personal_data(server_log) == []
    assert "unhandled error" in caplog.text
    assert _traces_of_personal_data(caplog.text) == []


def test_the_500_handler_logs_neither_parameters_nor_the_database_message(app, portal, caplog):
    """Even from an engine that would not hide them: the handler logs the error's kind and
    statement, not the parameters nor the database's message (which can quote a refused
    row's values), and masks anything shaped like a NIR in other errors."""

    @app.get("/boom-db")
    async def boom_db() -> None:
        cause = Exception(f"Failing row contains ({NAME}, {NIR_DIGITS})")
        raise IntegrityError(
            "INSERT INTO claim_line (employee_name, nir) VALUES (?, ?)", (NAME, NIR), cause
        ) from cause

    @app.get("/boom")
    async def boom() -> None:
        raise ValueError(f"could not handle {NIR}")

    with (
        portal_client(app, portal, raise_server_exceptions=False) as client,
        caplog.at_level(logging.ERROR, logger="app.errors"),
    ):
        assert client.get("/boom-db").status_code == 500
        assert client.get("/boom").status_code == 500
    assert "INSERT INTO claim_line" in caplog.text
    assert "ValueError: could not handle <nir>" in caplog.text
    assert _traces_of_personal_data(caplog.text) == []


@pytest.mark.parametrize("nir", [NIR, NIR_DIGITS, "2 69 05 2A 006 084", "185052B006084 91"])
def test_safe_traceback_masks_nir_shaped_text(nir):
    try:
        raise RuntimeError(f"about {nir}.")
    except RuntimeError as exc:
        assert safe_traceback(exc).endswith("RuntimeError: about <nir>.")


# --- the NIR at rest -------------------------------------------------------------------------


def stored_nirs(session, claim_id: str) -> list[str | None]:
    """The column as the database holds it, read past the ORM's decryption."""
    rows = session.exec(
        text("SELECT nir FROM claim_line WHERE claim_id = :id ORDER BY position").bindparams(
            id=uuid.UUID(claim_id).hex if session_is_sqlite(session) else uuid.UUID(claim_id)
        )
    )
    return [row[0] for row in rows]


def session_is_sqlite(session) -> bool:
    return session._session.bind.dialect.name == "sqlite"


def test_the_stored_nir_is_encrypted_and_the_answers_unchanged(client, session):
    ctx, request_id = setup_request(client)
    created = create_claim(
        client, ctx, request_id, lines=[line("E1", nir=NIR), line("E2", nir=NIR), line("E3")]
    )
    assert created.status_code == 201, created.text
    claim = created.json()
    first, second, none = stored_nirs(session, claim["id"])
    assert none is None
    for stored in (first, second):
        assert stored.startswith(f"v1:{TEST_NIR_KEY.partition(':')[0]}:")
        assert NIR_DIGITS not in stored and NIR_DIGITS[:7] not in stored
    assert first != second  # a fresh nonce for each value
    shown = client.get(f"/v1/claims/{claim['id']}", headers=ctx["headers"]).json()
    assert [ln["nir"] for ln in shown["lines"]] == ["1 ** ** ** *** *** 91"] * 2 + [None]
    [line_row] = session.exec(
        select(ClaimLine)
        .where(ClaimLine.position == 0)
        .where(ClaimLine.claim_id == uuid.UUID(claim["id"]))
    )
    assert line_row.nir == NIR_DIGITS  # the service reads the clear value


def test_after_a_key_rotation_old_lines_still_read_and_new_ones_take_the_new_key(
    app, settings, connection, clock, portal, session
):
    """NIR_ENCRYPTION_KEYS=new,old: the old key only reads, the new one writes."""
    with portal_client(app, portal) as client:
        ctx, request_id = setup_request(client)
        before = create_claim(client, ctx, request_id, lines=[line("E1", nir=NIR)]).json()
    new_key = "new:" + base64.b64encode(b"n" * 32).decode()
    rotated = create_app(
        settings.model_copy(update={"nir_encryption_keys": [new_key, TEST_NIR_KEY]}),
        clock=clock,
        session_factory=RolledBackSessions(connection),
    )
    with portal_client(rotated, portal) as client:
        old = client.get(f"/v1/claims/{before['id']}", headers=ctx["headers"])
        assert old.status_code == 200, old.text
        assert old.json()["lines"][0]["nir"] == "1 ** ** ** *** *** 91"
        after = create_claim(client, ctx, request_id, "2020-05", lines=[line("E1", nir=NIR)])
        assert after.status_code == 201, after.text
    assert stored_nirs(session, before["id"])[0].startswith("v1:test1:")
    assert stored_nirs(session, after.json()["id"])[0].startswith("v1:new:")


def test_the_server_logs_a_reraised_database_error_without_its_data(app, caplog):
    """Once the 500 is sent Starlette raises the error again and uvicorn logs it with
    `exc_info`: its logger shows the safe traceback instead."""
    cause = Exception(f"Failing row contains ({NAME}, {NIR_DIGITS})")
    try:
        raise IntegrityError("INSERT INTO claim_line (nir) VALUES (?)", (NIR,), cause) from cause
    except IntegrityError as exc:
        with caplog.at_level(logging.ERROR, logger="uvicorn.error"):
            logging.getLogger("uvicorn.error").error(
                "Exception in ASGI application\n", exc_info=exc
            )
    assert "Exception in ASGI application" in caplog.text
    assert "INSERT INTO claim_line" in caplog.text
    assert _traces_of_personal_data(caplog.text) == []

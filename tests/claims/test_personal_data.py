"""Personal data of the claim lines (R22: the NIR, never in logs): a database error during
the lines' insert leaves no NIR and no employee's name in what the server logs."""

import logging
import traceback
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from app.claims import drafts
from app.problems import safe_traceback
from tests.conftest import portal_client
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
    new_lines = drafts._new_lines

    def same_employee(claim: Any, lines: Any) -> Any:
        rows = new_lines(claim, lines)
        for row in rows:
            row.employee_ref = "E1"
        return rows

    monkeypatch.setattr(drafts, "_new_lines", same_employee)


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

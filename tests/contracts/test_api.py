"""Service contracts (R6, R7): the signed PDF kept byte for byte with its SHA-256, the size and
type checks on upload, termination, deletion of unused contracts only, and the contract in force
on the filing date."""

import asyncio
import base64
import hashlib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.uploads import ENVELOPE_BYTES
from app.main import create_app
from tests.conftest import RolledBackSessions, portal_client
from tests.support.builders import firm_headers, make_client, make_establishment
from tests.support.lifecycle import (
    PDF,
    accepted_request,
    create_claim,
    create_request,
    file_request,
    ready_establishment,
    upload_contract,
)
from tests.support.pdf import HOSTILE, blank_pdf, pdf_of_size
from tests.support.problems import assert_problem, error_fields

SMALL_LIMIT = 2048
FIELDS = {
    "signed_on": "2020-03-02",
    "signatory_name": "Jeanne Martin",
    "signatory_role": "Gérante",
    "engagement_letter_on": "2020-03-01",
}


def post_contract(
    client: TestClient,
    headers: dict[str, str],
    client_id: str,
    *,
    content: bytes = PDF,
    filename: str = "contrat.pdf",
    media_type: str = "application/pdf",
    **fields: Any,
):
    data = {**FIELDS, **fields}
    files = {"document": (filename, content, media_type)}
    return client.post(
        f"/v1/clients/{client_id}/contracts",
        headers=headers,
        data={k: v for k, v in data.items() if v is not None},
        files=files,
    )


def list_contracts(client: TestClient, headers: dict[str, str], client_id: str, **params: Any):
    response = client.get(f"/v1/clients/{client_id}/contracts", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def step(client: TestClient, headers: dict[str, str], est_id: str, name: str, on: str):
    return client.post(
        f"/v1/establishments/{est_id}/habilitation/{name}", headers=headers, json={"on": on}
    )


@pytest.fixture
def firm(client):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    return headers, company


# --- upload, read, download (R7) -----------------------------------------------------------


def test_upload_answers_201_with_the_sha256_of_the_bytes_and_status_active(client, firm):
    headers, company = firm
    response = post_contract(client, headers, company["id"])
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"]
    assert body["client_id"] == company["id"]
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert body["size"] == len(PDF)
    assert body["status"] == "active"
    assert body["terminated_on"] is None
    assert body["in_use"] is False
    assert body["filename"] == "contrat.pdf"
    assert body["signed_on"] == "2020-03-02"
    assert body["signatory_name"] == "Jeanne Martin"
    assert body["signatory_role"] == "Gérante"
    assert body["engagement_letter_on"] == "2020-03-01"  # the lettre de mission (R7)


def test_engagement_letter_date_is_optional(client, firm):
    headers, company = firm
    response = post_contract(client, headers, company["id"], engagement_letter_on=None)
    assert response.status_code == 201, response.text
    assert response.json()["engagement_letter_on"] is None


def test_get_one_contract_answers_what_the_upload_answered(client, firm):
    headers, company = firm
    created = upload_contract(client, headers, company["id"])
    response = client.get(f"/v1/contracts/{created['id']}", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == created


def test_contract_list_is_paginated_oldest_first(client, firm):
    headers, company = firm
    ids = [
        upload_contract(client, headers, company["id"], content=blank_pdf(title=f"n°{i}"))["id"]
        for i in range(3)
    ]
    first = list_contracts(client, headers, company["id"], limit=2)
    assert [c["id"] for c in first["items"]] == ids[:2]
    assert first["next_cursor"]
    second = list_contracts(client, headers, company["id"], limit=2, cursor=first["next_cursor"])
    assert [c["id"] for c in second["items"]] == ids[2:]
    assert second["next_cursor"] is None


def test_contract_list_of_another_client_is_separate(client, firm):
    headers, company = firm
    other = make_client(client, headers)
    upload_contract(client, headers, company["id"])
    assert list_contracts(client, headers, other["id"])["items"] == []


def test_download_returns_the_exact_bytes_with_their_digest(client, firm):
    headers, company = firm
    created = upload_contract(client, headers, company["id"])
    response = client.get(f"/v1/contracts/{created['id']}/document", headers=headers)
    assert response.status_code == 200, response.text
    assert response.content == PDF
    assert response.headers["content-type"].startswith("application/pdf")
    digest = hashlib.sha256(PDF)
    assert response.headers["x-content-sha256"] == digest.hexdigest() == created["sha256"]
    assert (
        response.headers["repr-digest"] == f"sha-256=:{base64.b64encode(digest.digest()).decode()}:"
    )
    assert "attachment" in response.headers["content-disposition"]


def test_download_of_a_one_megabyte_pdf_is_byte_for_byte_identical(client, firm):
    headers, company = firm
    content = pdf_of_size(1024 * 1024)
    assert content.startswith(b"%PDF-") and b"\r\n" in content and b"\x00" in content
    created = upload_contract(client, headers, company["id"], content=content)
    assert created["size"] == len(content)
    assert created["sha256"] == hashlib.sha256(content).hexdigest()
    response = client.get(f"/v1/contracts/{created['id']}/document", headers=headers)
    assert response.status_code == 200, response.text
    assert len(response.content) == len(content)
    assert response.content == content
    assert int(response.headers["content-length"]) == len(content)
    digest = hashlib.sha256(content)
    assert response.headers["x-content-sha256"] == digest.hexdigest()
    assert (
        response.headers["repr-digest"] == f"sha-256=:{base64.b64encode(digest.digest()).decode()}:"
    )


def test_type_is_checked_from_the_bytes_not_the_name(client, firm):
    """A real PDF under another name and media type is a PDF (R7)."""
    headers, company = firm
    response = post_contract(
        client, headers, company["id"], filename="scan.bin", media_type="application/octet-stream"
    )
    assert response.status_code == 201, response.text
    download = client.get(f"/v1/contracts/{response.json()['id']}/document", headers=headers)
    assert download.content == PDF
    assert download.headers["content-type"].startswith("application/pdf")


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 200, id="zip"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, id="png"),
        pytest.param(b"MZ\x90\x00" + b"\x00" * 200, id="exe"),
        pytest.param(b"", id="empty"),
    ],
)
def test_non_pdf_disguised_as_a_pdf_is_415_and_nothing_is_stored(client, firm, content):
    headers, company = firm
    response = post_contract(client, headers, company["id"], content=content)
    assert_problem(response, 415, "unsupported_file_type")
    assert list_contracts(client, headers, company["id"])["items"] == []


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_file_with_a_pdf_header_that_is_no_pdf_is_415(client, firm, name):
    """An HTML page with a script, an executable with `%PDF-` at byte 512, a header alone, a
    truncated PDF: the document is parsed, not sniffed."""
    headers, company = firm
    response = post_contract(client, headers, company["id"], content=HOSTILE[name])
    assert_problem(response, 415, "unsupported_file_type")
    assert list_contracts(client, headers, company["id"])["items"] == []


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        pytest.param(blank_pdf(password="secret"), "pdf_encrypted", id="encrypted"),
        pytest.param(blank_pdf(pages=0), "pdf_no_pages", id="no-pages"),
    ],
)
def test_a_pdf_that_cannot_serve_is_422_naming_the_rule(client, firm, content, rule):
    headers, company = firm
    response = post_contract(client, headers, company["id"], content=content)
    body = assert_problem(response, 422, "validation_error")
    [error] = body["errors"]
    assert (error["field"], error["type"]) == ("document", rule)
    assert list_contracts(client, headers, company["id"])["items"] == []


def test_a_multi_page_pdf_is_accepted(client, firm):
    headers, company = firm
    response = post_contract(client, headers, company["id"], content=blank_pdf(pages=3))
    assert response.status_code == 201, response.text


def test_the_pdf_is_parsed_off_the_event_loop(client, firm, monkeypatch):
    from app.contracts import service

    parse = service.pdf_problem
    loops_running: list[bool] = []

    def spy(content: bytes) -> Any:
        try:
            asyncio.get_running_loop()
            loops_running.append(True)
        except RuntimeError:
            loops_running.append(False)
        return parse(content)

    monkeypatch.setattr(service, "pdf_problem", spy)
    headers, company = firm
    assert post_contract(client, headers, company["id"]).status_code == 201
    assert loops_running == [False]


def test_missing_fields_are_422_listing_each_of_them(client, firm):
    headers, company = firm
    response = client.post(
        f"/v1/clients/{company['id']}/contracts",
        headers=headers,
        files={"document": ("contrat.pdf", PDF, "application/pdf")},
    )
    body = assert_problem(response, 422, "validation_error")
    assert error_fields(body) == {"signed_on", "signatory_name", "signatory_role"}
    assert list_contracts(client, headers, company["id"])["items"] == []


def test_missing_document_is_422_naming_it(client, firm):
    headers, company = firm
    response = client.post(
        f"/v1/clients/{company['id']}/contracts", headers=headers, data={"signed_on": "2020-03-02"}
    )
    body = assert_problem(response, 422, "validation_error")
    assert error_fields(body) == {"document", "signatory_name", "signatory_role"}


def test_blank_signatory_is_422(client, firm):
    headers, company = firm
    response = post_contract(client, headers, company["id"], signatory_name="   ")
    body = assert_problem(response, 422, "validation_error")
    assert error_fields(body) == {"signatory_name"}


def test_signed_on_in_the_future_is_422(client, firm, clock):
    headers, company = firm
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    response = post_contract(client, headers, company["id"], signed_on=tomorrow)
    body = assert_problem(response, 422, "validation_error")
    assert [(e["field"], e["type"]) for e in body["errors"]] == [("signed_on", "date_in_future")]
    assert list_contracts(client, headers, company["id"])["items"] == []


def test_signed_today_is_accepted(client, firm, clock):
    headers, company = firm
    today = clock.today().isoformat()
    response = post_contract(client, headers, company["id"], signed_on=today)
    assert response.status_code == 201, response.text
    assert response.json()["signed_on"] == today


def test_engagement_letter_in_the_future_is_422(client, firm, clock):
    headers, company = firm
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    response = post_contract(client, headers, company["id"], engagement_letter_on=tomorrow)
    body = assert_problem(response, 422, "validation_error")
    assert error_fields(body) == {"engagement_letter_on"}


def test_upload_for_an_unknown_client_is_404(client, firm):
    headers, _ = firm
    response = post_contract(client, headers, "00000000-0000-7000-8000-000000000000")
    assert_problem(response, 404, "not_found")


# --- size limit (R7) -----------------------------------------------------------------------


@pytest.fixture
def small_client(settings, clock, connection, portal) -> Iterator[TestClient]:
    small = settings.model_copy(update={"max_upload_bytes": SMALL_LIMIT})
    app = create_app(small, clock=clock, session_factory=RolledBackSessions(connection))
    with portal_client(app, portal) as c:
        yield c


@pytest.fixture
def small_firm(small_client):
    _, headers = firm_headers(small_client)
    return headers, make_client(small_client, headers)


def test_body_beyond_limit_and_envelope_is_413_before_the_body_is_parsed(small_client, small_firm):
    """Refused from Content-Length alone: the body is not even valid multipart (a parsed one
    would answer 400 or 422)."""
    headers, company = small_firm
    garbage = {**headers, "Content-Type": "multipart/form-data; boundary=never-used"}
    url = f"/v1/clients/{company['id']}/contracts"
    parsed = small_client.post(url, headers=garbage, content=b"x" * (SMALL_LIMIT + 1))
    assert_problem(parsed, 400, "bad_request")  # what parsing this body answers
    response = small_client.post(
        url, headers=garbage, content=b"x" * (SMALL_LIMIT + ENVELOPE_BYTES + 1)
    )
    body = assert_problem(response, 413, "file_too_large")
    assert str(SMALL_LIMIT) in body["detail"]
    assert list_contracts(small_client, headers, company["id"])["items"] == []


def test_well_formed_upload_far_beyond_the_limit_is_413(small_client, small_firm):
    headers, company = small_firm
    response = post_contract(
        small_client, headers, company["id"], content=pdf_of_size(SMALL_LIMIT + ENVELOPE_BYTES)
    )
    assert_problem(response, 413, "file_too_large")
    assert list_contracts(small_client, headers, company["id"])["items"] == []


def test_document_one_byte_over_the_limit_is_413_and_nothing_is_stored(small_client, small_firm):
    headers, company = small_firm
    response = post_contract(
        small_client, headers, company["id"], content=pdf_of_size(SMALL_LIMIT + 1)
    )
    assert_problem(response, 413, "file_too_large")
    assert list_contracts(small_client, headers, company["id"])["items"] == []


def test_document_exactly_at_the_limit_is_accepted(small_client, small_firm):
    headers, company = small_firm
    content = pdf_of_size(SMALL_LIMIT)
    response = post_contract(small_client, headers, company["id"], content=content)
    assert response.status_code == 201, response.text
    assert response.json()["size"] == SMALL_LIMIT
    download = small_client.get(f"/v1/contracts/{response.json()['id']}/document", headers=headers)
    assert download.content == content


def test_chunked_upload_without_content_length_is_413_while_reading(small_client, small_firm):
    headers, company = small_firm
    boundary = "b0undary"
    parts = []
    for name, value in FIELDS.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="document"; '
        f'filename="contrat.pdf"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
    )
    parts.append(pdf_of_size(SMALL_LIMIT + ENVELOPE_BYTES + 10_000))
    parts.append(f"\r\n--{boundary}--\r\n".encode())

    def chunks():
        yield from parts

    response = small_client.post(
        f"/v1/clients/{company['id']}/contracts",
        headers={**headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        content=chunks(),
    )
    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "file_too_large")
    assert list_contracts(small_client, headers, company["id"])["items"] == []


# --- termination and deletion (R6, R7) -----------------------------------------------------


def test_terminate_sets_status_and_date(client, firm):
    headers, company = firm
    created = upload_contract(client, headers, company["id"])
    response = client.post(
        f"/v1/contracts/{created['id']}/terminate", headers=headers, json={"on": "2020-12-31"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "terminated"
    assert response.json()["terminated_on"] == "2020-12-31"
    again = client.get(f"/v1/contracts/{created['id']}", headers=headers).json()
    assert (again["status"], again["terminated_on"]) == ("terminated", "2020-12-31")


def test_terminate_defaults_to_today_in_paris(client, firm, clock):
    headers, company = firm
    created = upload_contract(client, headers, company["id"])
    response = client.post(f"/v1/contracts/{created['id']}/terminate", headers=headers, json={})
    assert response.status_code == 200, response.text
    assert response.json()["terminated_on"] == clock.today().isoformat()


def test_terminating_twice_is_409_invalid_transition(client, firm):
    headers, company = firm
    created = upload_contract(client, headers, company["id"])
    url = f"/v1/contracts/{created['id']}/terminate"
    assert client.post(url, headers=headers, json={"on": "2020-12-31"}).status_code == 200
    assert_problem(
        client.post(url, headers=headers, json={"on": "2021-01-31"}), 409, "invalid_transition"
    )
    kept = client.get(f"/v1/contracts/{created['id']}", headers=headers).json()
    assert kept["terminated_on"] == "2020-12-31"


def test_termination_before_signature_is_422(client, firm):
    headers, company = firm
    created = upload_contract(client, headers, company["id"])  # signed 2020-03-02
    response = client.post(
        f"/v1/contracts/{created['id']}/terminate", headers=headers, json={"on": "2020-03-01"}
    )
    body = assert_problem(response, 422, "validation_error")
    assert error_fields(body) == {"on"}
    kept = client.get(f"/v1/contracts/{created['id']}", headers=headers).json()
    assert kept["status"] == "active"


def test_termination_on_the_signature_day_is_accepted(client, firm):
    headers, company = firm
    created = upload_contract(client, headers, company["id"])
    response = client.post(
        f"/v1/contracts/{created['id']}/terminate", headers=headers, json={"on": "2020-03-02"}
    )
    assert response.status_code == 200, response.text


def test_termination_in_the_future_is_422(client, firm, clock):
    headers, company = firm
    created = upload_contract(client, headers, company["id"])
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    response = client.post(
        f"/v1/contracts/{created['id']}/terminate", headers=headers, json={"on": tomorrow}
    )
    body = assert_problem(response, 422, "validation_error")
    assert error_fields(body) == {"on"}


def test_delete_of_an_unused_contract_is_204_and_it_is_gone(client, firm):
    headers, company = firm
    created = upload_contract(client, headers, company["id"])
    response = client.delete(f"/v1/contracts/{created['id']}", headers=headers)
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert_problem(client.get(f"/v1/contracts/{created['id']}", headers=headers), 404, "not_found")
    assert_problem(
        client.get(f"/v1/contracts/{created['id']}/document", headers=headers), 404, "not_found"
    )
    assert list_contracts(client, headers, company["id"])["items"] == []


def test_contract_backing_a_filing_cannot_be_deleted_and_stays_downloadable(client, firm):
    headers, company = firm
    est = make_establishment(client, headers, company)
    created = upload_contract(client, headers, company["id"])
    assert step(client, headers, est["id"], "request", "2020-03-05").status_code == 200
    response = client.delete(f"/v1/contracts/{created['id']}", headers=headers)
    assert_problem(response, 409, "contract_in_use")
    kept = client.get(f"/v1/contracts/{created['id']}", headers=headers)
    assert kept.status_code == 200
    assert kept.json()["in_use"] is True
    download = client.get(f"/v1/contracts/{created['id']}/document", headers=headers)
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["x-content-sha256"] == created["sha256"]


def test_a_refused_filing_does_not_make_the_contract_in_use(client, firm):
    """The filing failed (no habilitation, R9): nothing relied on the contract, it may go."""
    headers, company = firm
    est = make_establishment(client, headers, company)
    created = upload_contract(client, headers, company["id"])
    ctx = {"headers": headers, "client": company, "establishment": est}
    draft = create_request(client, ctx)
    assert_problem(file_request(client, ctx, draft["id"]), 409, "habilitation_required")
    assert client.get(f"/v1/contracts/{created['id']}", headers=headers).json()["in_use"] is False
    assert client.delete(f"/v1/contracts/{created['id']}", headers=headers).status_code == 204


def test_contract_backing_a_filing_can_be_terminated_but_still_not_deleted(client, firm):
    headers, company = firm
    est = make_establishment(client, headers, company)
    created = upload_contract(client, headers, company["id"])
    assert step(client, headers, est["id"], "request", "2020-03-05").status_code == 200
    terminated = client.post(
        f"/v1/contracts/{created['id']}/terminate", headers=headers, json={"on": "2021-01-01"}
    )
    assert terminated.status_code == 200, terminated.text
    assert_problem(
        client.delete(f"/v1/contracts/{created['id']}", headers=headers), 409, "contract_in_use"
    )
    assert client.get(f"/v1/contracts/{created['id']}/document", headers=headers).content == PDF


def test_contract_events_are_recorded(client, firm):
    headers, company = firm
    created = upload_contract(client, headers, company["id"])
    client.post(f"/v1/contracts/{created['id']}/terminate", headers=headers, json={})
    events = client.get(
        "/v1/events", headers=headers, params={"resource_id": created["id"]}
    ).json()["items"]
    assert [(e["action"], e["status_before"], e["status_after"]) for e in events] == [
        ("contract.created", None, "active"),
        ("contract.terminated", "active", "terminated"),
    ]


# --- the contract in force on the filing date (R6) -----------------------------------------


def test_habilitation_request_on_or_after_termination_day_is_409_contract_required(client, firm):
    headers, company = firm
    est = make_establishment(client, headers, company)
    created = upload_contract(client, headers, company["id"])  # signed 2020-03-02
    terminated = client.post(
        f"/v1/contracts/{created['id']}/terminate", headers=headers, json={"on": "2020-03-10"}
    )
    assert terminated.status_code == 200
    for day in ("2020-03-10", "2020-03-11", "2021-01-01"):
        assert_problem(step(client, headers, est["id"], "request", day), 409, "contract_required")
    habilitation = client.get(f"/v1/establishments/{est['id']}/habilitation", headers=headers)
    assert habilitation.json()["status"] == "not_requested"
    response = step(client, headers, est["id"], "request", "2020-03-09")
    assert response.status_code == 200, response.text
    assert response.json()["requested_on"] == "2020-03-09"


def test_contract_signed_after_the_filing_date_does_not_count(client, firm):
    headers, company = firm
    est = make_establishment(client, headers, company)
    upload_contract(client, headers, company["id"], signed_on="2020-03-10")
    assert_problem(
        step(client, headers, est["id"], "request", "2020-03-09"), 409, "contract_required"
    )
    response = step(client, headers, est["id"], "request", "2020-03-10")  # signed that day
    assert response.status_code == 200, response.text


def test_a_newer_contract_takes_over_after_a_termination(client, firm):
    headers, company = firm
    est = make_establishment(client, headers, company)
    old = upload_contract(client, headers, company["id"], signed_on="2020-03-02")
    client.post(f"/v1/contracts/{old['id']}/terminate", headers=headers, json={"on": "2020-03-10"})
    new = upload_contract(client, headers, company["id"], signed_on="2020-03-12")
    assert_problem(
        step(client, headers, est["id"], "request", "2020-03-11"), 409, "contract_required"
    )
    assert step(client, headers, est["id"], "request", "2020-03-12").status_code == 200
    assert client.get(f"/v1/contracts/{new['id']}", headers=headers).json()["in_use"] is True
    assert client.get(f"/v1/contracts/{old['id']}", headers=headers).json()["in_use"] is False
    assert client.delete(f"/v1/contracts/{old['id']}", headers=headers).status_code == 204


def test_another_clients_contract_does_not_count(client, firm):
    headers, company = firm
    est = make_establishment(client, headers, company)
    other = make_client(client, headers)
    upload_contract(client, headers, other["id"])
    assert_problem(
        step(client, headers, est["id"], "request", "2020-03-05"), 409, "contract_required"
    )


def test_filing_a_request_after_the_contract_ended_is_409_contract_required(client, firm):
    """R6 applies to the DAP too: habilitated while the contract was in force, then it ended."""
    headers, company = firm
    est = make_establishment(client, headers, company)
    created = upload_contract(client, headers, company["id"])
    for name in ("request", "credentials-sent", "habilitated"):
        assert step(client, headers, est["id"], name, "2020-03-05").status_code == 200
    client.post(
        f"/v1/contracts/{created['id']}/terminate", headers=headers, json={"on": "2020-03-18"}
    )
    ctx = {"headers": headers, "client": company, "establishment": est}
    draft = create_request(client, ctx)
    assert_problem(
        file_request(client, ctx, draft["id"], "2020-03-20T10:00:00+01:00"),
        409,
        "contract_required",
    )
    kept = client.get(f"/v1/authorization-requests/{draft['id']}", headers=headers).json()
    assert kept["status"] == "draft"
    filed = file_request(client, ctx, draft["id"], "2020-03-17T10:00:00+01:00")
    assert filed.status_code == 200, filed.text


def terminate_the_contract(client: TestClient, ctx: dict[str, Any], on: str) -> None:
    contracts = list_contracts(client, ctx["headers"], ctx["client"]["id"])["items"]
    assert len(contracts) == 1
    response = client.post(
        f"/v1/contracts/{contracts[0]['id']}/terminate", headers=ctx["headers"], json={"on": on}
    )
    assert response.status_code == 200, response.text


def test_filing_a_claim_after_the_contract_ended_is_409_contract_required(client):
    ctx = ready_establishment(client)
    accepted = accepted_request(client, ctx)
    claim = create_claim(client, ctx, accepted["id"], "2020-04", payroll_paid_on="2020-04-30")
    assert claim.status_code == 201, claim.text
    terminate_the_contract(client, ctx, "2020-05-01")
    url = f"/v1/claims/{claim.json()['id']}/file"
    assert_problem(
        client.post(url, headers=ctx["headers"], json={"filed_on": "2020-05-01"}),
        409,
        "contract_required",
    )
    kept = client.get(f"/v1/claims/{claim.json()['id']}", headers=ctx["headers"]).json()
    assert kept["status"] == "draft"
    filed = client.post(url, headers=ctx["headers"], json={"filed_on": "2020-04-30"})
    assert filed.status_code == 200, filed.text


def test_filing_an_amendment_after_the_contract_ended_is_409_contract_required(client):
    ctx = ready_establishment(client)
    accepted = accepted_request(client, ctx)
    amendment = client.post(
        f"/v1/authorization-requests/{accepted['id']}/amendments",
        headers=ctx["headers"],
        json={"additional_hours": "100"},
    )
    assert amendment.status_code == 201, amendment.text
    terminate_the_contract(client, ctx, "2020-05-01")
    url = f"/v1/amendments/{amendment.json()['id']}/file"
    assert_problem(
        client.post(url, headers=ctx["headers"], json={"filed_at": "2020-05-01T10:00:00+02:00"}),
        409,
        "contract_required",
    )
    kept = client.get(f"/v1/amendments/{amendment.json()['id']}", headers=ctx["headers"]).json()
    assert kept["status"] == "draft"
    filed = client.post(url, headers=ctx["headers"], json={"filed_at": "2020-04-30T10:00:00+02:00"})
    assert filed.status_code == 200, filed.text

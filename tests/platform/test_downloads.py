"""Downloads (stored documents and claim exports) are attachments that a browser never sniffs:
an uploaded PDF that also parses as HTML is never rendered as a page of the service."""

from typing import Any

import pytest

from tests.support.lifecycle import (
    claim_for,
    create_request,
    line,
    ready_establishment,
    setup_request,
    upload_contract,
)
from tests.support.pdf import blank_pdf


def assert_download(response: Any) -> None:
    assert response.status_code == 200, response.text
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"].startswith("attachment;")


def test_a_contract_document_is_an_unsniffed_attachment(client):
    ctx = ready_establishment(client)
    contract = upload_contract(client, ctx["headers"], ctx["client"]["id"])
    assert_download(client.get(f"/v1/contracts/{contract['id']}/document", headers=ctx["headers"]))


def test_cse_minutes_are_an_unsniffed_attachment(client):
    ctx = ready_establishment(client, headcount=80)
    cse = {"status": "given", "consulted_on": "2020-03-10", "opinion": "favourable"}
    request = create_request(client, ctx, cse=cse)
    url = f"/v1/authorization-requests/{request['id']}/cse-minutes"
    uploaded = client.post(
        url,
        headers=ctx["headers"],
        files={"document": ("pv.pdf", blank_pdf(), "application/pdf")},
    )
    assert uploaded.status_code == 200, uploaded.text
    assert_download(client.get(url, headers=ctx["headers"]))


@pytest.mark.parametrize("format", ["csv", "json"])
def test_a_claim_export_is_an_unsniffed_attachment(client, format):
    ctx, request_id = setup_request(client)
    claim = claim_for(client, ctx, request_id, "2020-04", [line("E1")])
    response = client.get(
        f"/v1/claims/{claim['id']}/export", headers=ctx["headers"], params={"format": format}
    )
    assert_download(response)


def test_every_answer_says_nosniff(client):
    assert client.get("/healthz").headers["x-content-type-options"] == "nosniff"
    assert client.get("/v1/nowhere").headers["x-content-type-options"] == "nosniff"

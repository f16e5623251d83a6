"""R15: the CSE minutes document is kept with the request, byte for byte."""

import hashlib

from tests.lifecycle import PDF, create_request, file_request, ready_establishment


def upload(client, ctx, request_id, content=PDF, name="pv-cse.pdf"):
    return client.post(
        f"/v1/authorization-requests/{request_id}/cse-minutes",
        headers=ctx["headers"],
        files={"document": (name, content, "application/pdf")},
    )


def test_cse_minutes_are_kept_and_returned_byte_for_byte(client):
    ctx = ready_establishment(client, headcount=80)
    request = create_request(
        client, ctx, cse={"status": "given", "consulted_on": "2020-03-10", "opinion": "favourable"}
    )
    content = PDF + b"%" + bytes(range(256)) * 40
    response = upload(client, ctx, request["id"], content)
    assert response.status_code == 200, response.text
    assert response.json()["cse_minutes_sha256"] == hashlib.sha256(content).hexdigest()
    download = client.get(
        f"/v1/authorization-requests/{request['id']}/cse-minutes", headers=ctx["headers"]
    )
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["x-content-sha256"] == hashlib.sha256(content).hexdigest()


def test_cse_minutes_must_be_a_pdf_whatever_the_file_name(client):
    ctx = ready_establishment(client)
    request = create_request(client, ctx)
    response = upload(client, ctx, request["id"], b"PK\x03\x04 not a pdf", name="pv.pdf")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_file_type"
    missing = client.get(
        f"/v1/authorization-requests/{request['id']}/cse-minutes", headers=ctx["headers"]
    )
    assert missing.status_code == 404


def test_cse_minutes_cannot_be_replaced_after_filing_unless_deferred(client):
    ctx = ready_establishment(client)
    request = create_request(client, ctx)
    assert file_request(client, ctx, request["id"]).status_code == 200
    response = upload(client, ctx, request["id"])
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"

"""Every download names its file for any browser (RFC 6266, RFC 8187: an ASCII `filename` and
the exact UTF-8 name in `filename*`) and forbids content sniffing. A name outside Latin-1 used
to make every download of the document a 500 (HTTP headers are Latin-1)."""

from urllib.parse import unquote

import pytest

from app.core.downloads import PDF_TYPES, attachment_headers, negotiated
from tests.support.builders import firm_headers, make_client
from tests.support.lifecycle import (
    PDF,
    create_claim,
    create_request,
    ready_establishment,
    setup_request,
    upload_contract,
)


def disposition(response) -> dict[str, str]:
    """The parameters of a Content-Disposition header, `filename*` decoded."""
    kind, *parameters = response.headers["content-disposition"].split("; ")
    assert kind == "attachment"
    out = dict(p.split("=", 1) for p in parameters)
    if "filename*" in out:
        charset, _, encoded = out["filename*"].split("'", 2)
        assert charset == "UTF-8"
        out["filename*"] = unquote(encoded, encoding="utf-8")
    out["filename"] = out["filename"].strip('"')
    return out


@pytest.mark.parametrize(
    ("name", "ascii_name"),
    [
        ("contrat_sœur.pdf", "contrat_sur.pdf"),
        ("договор.pdf", "document.pdf"),
        ("contrat été.pdf", "contrat_ete.pdf"),
        ("契約.pdf", "document.pdf"),
    ],
)
def test_a_contract_with_a_non_latin_1_name_downloads_with_both_names(client, name, ascii_name):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    contract = upload_contract(client, headers, company["id"], filename=name)
    response = client.get(f"/v1/contracts/{contract['id']}/document", headers=headers)
    assert response.status_code == 200, response.text
    assert response.content == PDF
    assert disposition(response) == {
        "filename": ascii_name,
        "filename*": name.replace(" ", "_"),
    }
    assert response.headers["x-content-type-options"] == "nosniff"


def test_an_ascii_contract_name_needs_no_filename_star_control(client):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    contract = upload_contract(client, headers, company["id"], filename="contrat.pdf")
    response = client.get(f"/v1/contracts/{contract['id']}/document", headers=headers)
    assert disposition(response) == {"filename": "contrat.pdf"}


def test_cse_minutes_with_a_non_latin_1_name_download(client):
    ctx = ready_establishment(client, headcount=80)
    request = create_request(
        client, ctx, cse={"status": "given", "consulted_on": "2020-03-10", "opinion": "favourable"}
    )
    url = f"/v1/authorization-requests/{request['id']}/cse-minutes"
    files = {"document": ("протокол_CSE.pdf", PDF, "application/pdf")}
    assert client.post(url, headers=ctx["headers"], files=files).status_code == 200
    response = client.get(url, headers=ctx["headers"])
    assert response.status_code == 200, response.text
    assert disposition(response) == {"filename": "_CSE.pdf", "filename*": "протокол_CSE.pdf"}
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("export_format", ["csv", "json"])
def test_claim_exports_are_attachments_that_forbid_sniffing(client, export_format):
    ctx, request_id = setup_request(client)
    claim = create_claim(client, ctx, request_id).json()
    response = client.get(
        f"/v1/claims/{claim['id']}/export?format={export_format}", headers=ctx["headers"]
    )
    assert response.status_code == 200, response.text
    assert disposition(response) == {"filename": f"claim-2020-04-v1.{export_format}"}
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ('a"b;c\\d.pdf', 'attachment; filename="a_b_c_d.pdf"'),
        ("../../etc/passwd", 'attachment; filename="document._etc_passwd"'),
        ("", 'attachment; filename="document.pdf"'),
        ("ç" * 150 + ".pdf", 'attachment; filename="' + "c" * 96 + '.pdf"; filename*=UTF-8'
         "''" + "%C3%A7" * 96 + ".pdf"),
    ],
)  # fmt: skip
def test_attachment_headers_quote_nothing_and_keep_the_extension(name, header):
    assert attachment_headers(name, fallback="document.pdf")["Content-Disposition"] == header
    header.encode("latin-1")


# --- a document as a PDF or as plain bytes: what `Accept` prefers -----------------------------

OCTETS = "application/octet-stream"


@pytest.mark.parametrize(
    ("accept", "sent"),
    [
        (None, "application/pdf"),
        ("*/*", "application/pdf"),
        ("application/*", "application/pdf"),
        ("application/json", "application/pdf"),  # nothing offered is named: sent as it is
        (OCTETS, OCTETS),
        (f"{OCTETS}, */*;q=0.1", OCTETS),
        (f"application/pdf;q=0.5, {OCTETS}", OCTETS),
        (f"{OCTETS};q=0.5, application/pdf", "application/pdf"),
        (f"{OCTETS}, application/pdf", "application/pdf"),  # a tie: the first offered
        ("application/pdf;q=0, */*", OCTETS),
        ("APPLICATION/OCTET-STREAM ; Q=1", OCTETS),
        (f"{OCTETS};q=oops, application/pdf;q=0.2", "application/pdf"),  # unreadable q: 0
        (f"{OCTETS};q=nan, application/pdf;q=0.2", "application/pdf"),
        (f"{OCTETS};q=2, application/pdf;q=0.2", "application/pdf"),
    ],
)
def test_a_document_is_sent_as_the_type_accept_prefers(accept, sent):
    assert negotiated(accept, PDF_TYPES) == sent


@pytest.mark.parametrize(("accept", "sent"), [(None, "application/pdf"), (OCTETS, OCTETS)])
def test_a_contract_downloads_as_a_pdf_or_as_plain_bytes(client, accept, sent):
    _, headers = firm_headers(client)
    contract = upload_contract(client, headers, make_client(client, headers)["id"])
    response = client.get(
        f"/v1/contracts/{contract['id']}/document",
        headers={**headers, **({"Accept": accept} if accept else {})},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == sent
    assert response.headers["vary"] == "Accept"
    assert response.content == PDF

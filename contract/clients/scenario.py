"""The filing lifecycle through the Python client that openapi-python-client generates from
openapi.json (package `apart_api_client`): every call is one of its operations, every body one
of its models. Run by contract/clients/run.py: `python scenario.py BASE_URL`."""

import datetime
import hashlib
import io
import secrets
import sys
from decimal import Decimal
from http import HTTPStatus
from typing import Any, TypeVar

from apart_api_client import AuthenticatedClient, Client
from apart_api_client.api.apld import (
    apld_agreements_create,
    apld_agreements_decide,
    apld_agreements_document_upload,
    apld_agreements_file,
)
from apart_api_client.api.auth import auth_token
from apart_api_client.api.authorization_requests import (
    authorization_requests_create,
    authorization_requests_decide,
    authorization_requests_file,
)
from apart_api_client.api.bulk import establishments_batch_create, imports_establishments
from apart_api_client.api.claims import (
    apld_agreements_meter,
    apld_claims_create,
    claims_create,
    claims_export,
    claims_file,
    claims_pay,
    claims_validate,
)
from apart_api_client.api.clients import clients_create
from apart_api_client.api.contracts import contracts_create, contracts_document
from apart_api_client.api.deadlines import deadlines_list
from apart_api_client.api.establishments import establishments_create
from apart_api_client.api.events import events_list
from apart_api_client.api.firm import firms_create
from apart_api_client.api.habilitation import (
    habilitation_credentials_sent,
    habilitation_habilitated,
    habilitation_request,
)
from apart_api_client.models import (
    ActivityScope,
    AgreementCreate,
    AgreementDecision,
    AgreementOutcome,
    AgreementPublic,
    AgreementStatus,
    AgreementType,
    ApldClaimCreate,
    ApldDocumentUpload,
    ClaimCreate,
    ClaimPublic,
    ClaimStatus,
    ClientCreate,
    ClientPublic,
    ContractPublic,
    ContractUpload,
    CseInput,
    CseStatus,
    Decision,
    DocumentKind,
    EstablishmentBatch,
    EstablishmentBatchResult,
    EstablishmentCreate,
    EstablishmentImport,
    EstablishmentPublic,
    EventPage,
    ExportFormat,
    FileAgreement,
    FileClaim,
    FileRequest,
    FirmCreate,
    FirmPublic,
    HabilitationPublic,
    HabilitationStatus,
    HabilitationStep,
    ImportReport,
    ItemProblem,
    LineInput,
    Motive,
    Outcome,
    OwnerCreate,
    PageDeadline,
    PageMeterEntry,
    PayClaim,
    Problem,
    ProblemCode,
    RequestCreate,
    RequestPublic,
    RequestStatus,
    SubMotive,
    TokenForm,
    TokenPair,
    ValidateClaim,
)
from apart_api_client.types import File, Response

T = TypeVar("T")
PASSWORD = "correct horse battery staple"


def tiny_pdf() -> bytes:
    """A one-page PDF (blank A4) that a PDF parser opens: three objects and their xref table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def luhn_complete(prefix: str) -> str:
    """`prefix` and the digit that makes it pass the Luhn check (SIREN, SIRET: R1)."""
    for digit in "0123456789":
        total = 0
        for i, c in enumerate(reversed(prefix + digit)):
            d = int(c) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return prefix + digit
    raise AssertionError("unreachable")


def expect(response: Response[Any], status: int, kind: type[T]) -> T:
    """The parsed answer of `response`, which must have `status` and parse as `kind`."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert isinstance(response.parsed, kind), (kind, response.parsed)
    return response.parsed


def step(name: str) -> None:
    print(f"python client: {name}", flush=True)


def apld_file(
    api: AuthenticatedClient, client_id: Any, est_id: Any, pdf: bytes, lines: list[LineInput]
) -> None:
    """An APLD agreement (R35-R41): drafted, its document, filed, validated; a monthly APLD
    claim filed; the per-employee reduction meter (R39)."""
    draft = AgreementCreate(
        type_=AgreementType.AGREEMENT,
        establishment_ids=[est_id],
        start_on=datetime.date(2021, 7, 5),
        duration_months=24,
        max_reduction="40.00",
        activities="Production et livraison",
        employees_covered="Les salariés de la boulangerie",
        diagnostic="Commandes en baisse de 45 % depuis mars 2020",
        commitments="Aucun licenciement économique",
        information="Bilan trimestriel aux délégués du personnel",
    )
    agreement = expect(
        apld_agreements_create.sync_detailed(client_id, client=api, body=draft),
        201,
        AgreementPublic,
    )
    document = File(payload=io.BytesIO(pdf), file_name="accord.pdf", mime_type="application/pdf")
    expect(
        apld_agreements_document_upload.sync_detailed(
            agreement.id,
            DocumentKind.AGREEMENT,
            client=api,
            body=ApldDocumentUpload(document=document),
        ),
        200,
        AgreementPublic,
    )
    filed_at = datetime.datetime.fromisoformat("2021-07-06T09:30:00+02:00")
    expect(
        apld_agreements_file.sync_detailed(
            agreement.id, client=api, body=FileAgreement(filed_at=filed_at)
        ),
        200,
        AgreementPublic,
    )
    decision = AgreementDecision(
        outcome=AgreementOutcome.VALIDATED, decided_on=datetime.date(2021, 7, 12)
    )
    decided = expect(
        apld_agreements_decide.sync_detailed(agreement.id, client=api, body=decision),
        200,
        AgreementPublic,
    )
    assert decided.status == AgreementStatus.VALIDATED, decided.status
    body = ApldClaimCreate(
        establishment_id=est_id,
        month="2021-08",
        payroll_paid_on=datetime.date(2021, 8, 31),
        lines=lines,
    )
    claim = expect(
        apld_claims_create.sync_detailed(agreement.id, client=api, body=body), 201, ClaimPublic
    )
    filing = FileClaim(filed_on=datetime.date(2021, 9, 3))
    claim = expect(claims_file.sync_detailed(claim.id, client=api, body=filing), 200, ClaimPublic)
    assert claim.status == ClaimStatus.FILED, claim.status
    meter = expect(
        apld_agreements_meter.sync_detailed(agreement.id, client=api), 200, PageMeterEntry
    )
    used = {entry.employee_ref: entry.used for entry in meter.items}
    assert used == {"E1": "80.00", "E2": "80.00"}, used
    for entry in meter.items:
        assert Decimal(entry.left) == Decimal(entry.allowed) - Decimal(entry.used), entry
        assert entry.nir in (None, "1 ** ** ** *** *** 91"), entry.nir


def main(base: str) -> None:
    tag = secrets.token_hex(4)
    public = Client(base_url=base, raise_on_unexpected_status=True)

    step("sign up a firm")
    owner_email = f"claire.{tag}@cabinet-durand.fr"
    firm = FirmCreate(
        name="Cabinet Durand",
        siret="73282932000074",
        email=f"apart.{tag}@cabinet-durand.fr",
        owner=OwnerCreate(email=owner_email, full_name="Claire Durand", password=PASSWORD),
    )
    expect(firms_create.sync_detailed(client=public, body=firm), 201, FirmPublic)

    step("log in")
    form = TokenForm(username=owner_email, password=PASSWORD)
    pair = expect(auth_token.sync_detailed(client=public, body=form), 200, TokenPair)
    api = AuthenticatedClient(
        base_url=base, token=pair.access_token, raise_on_unexpected_status=True
    )

    step("a client and its establishment")
    siren = luhn_complete(f"{secrets.randbelow(10**8):08d}")
    company = expect(
        clients_create.sync_detailed(
            client=api,
            body=ClientCreate(siren=siren, legal_name="Boulangerie Martin", headcount=12),
        ),
        201,
        ClientPublic,
    )
    establishment = EstablishmentCreate(
        client_id=company.id,
        siret=luhn_complete(f"{siren}0001"),
        name="Boulangerie du Port",
        address="3 quai des Indes",
        postal_code="56100",
        city="Lorient",
    )
    est = expect(
        establishments_create.sync_detailed(client=api, body=establishment),
        201,
        EstablishmentPublic,
    )

    step("upload the service contract, download it back")
    pdf = tiny_pdf()
    upload = ContractUpload(
        document=File(
            payload=io.BytesIO(pdf), file_name="contrat.pdf", mime_type="application/pdf"
        ),
        signed_on=datetime.date(2020, 3, 2),
        signatory_name="Jeanne Martin",
        signatory_role="Gérante",
        engagement_letter_on=datetime.date(2020, 3, 1),
    )
    contract = expect(
        contracts_create.sync_detailed(company.id, client=api, body=upload), 201, ContractPublic
    )
    download = contracts_document.sync_detailed(contract.id, client=api)
    document = expect(download, 200, File)
    assert document.payload.read() == pdf
    assert download.headers["x-content-sha256"] == hashlib.sha256(pdf).hexdigest()

    step("habilitation: requested, credentials sent, habilitated")
    for action in (habilitation_request, habilitation_credentials_sent, habilitation_habilitated):
        on = HabilitationStep(on=datetime.date(2020, 3, 5))
        habilitation = expect(
            action.sync_detailed(est.id, client=api, body=on), 200, HabilitationPublic
        )
    assert habilitation.status == HabilitationStatus.HABILITATED

    step("an authorization request (DAP): created, filed, accepted")
    draft = RequestCreate(
        motive=Motive.EXCEPTIONAL_CIRCUMSTANCES,
        sub_motive=SubMotive.CORONAVIRUS,
        scope=ActivityScope.REDUCTION_WHOLE,
        start_on=datetime.date(2020, 3, 16),
        end_on=datetime.date(2020, 6, 30),
        employees_concerned=4,
        weekly_hours="35",
        forecast_hours="1500",
        justification="Fermeture administrative liée à l'épidémie de covid-19.",
        previous_use=False,
        cse=CseInput(status=CseStatus.NOT_REQUIRED),
    )
    request = expect(
        authorization_requests_create.sync_detailed(est.id, client=api, body=draft),
        201,
        RequestPublic,
    )
    assert request.status == RequestStatus.DRAFT
    filed_at = datetime.datetime.fromisoformat("2020-03-20T10:00:00+01:00")
    filing = FileRequest(filed_at=filed_at)
    expect(
        authorization_requests_file.sync_detailed(request.id, client=api, body=filing),
        200,
        RequestPublic,
    )
    decision = Decision(
        outcome=Outcome.ACCEPTED,
        decided_on=datetime.date(2020, 3, 21),
        decision_number="DEC-1",
        authorized_hours="1000",
        authorized_employees=3,
    )
    decided = expect(
        authorization_requests_decide.sync_detailed(request.id, client=api, body=decision),
        200,
        RequestPublic,
    )
    assert decided.status == RequestStatus.ACCEPTED, decided.status

    step("a monthly claim (DI) with its lines: created, filed, validated, paid")
    lines = [
        LineInput(
            employee_ref=ref,
            employee_name=f"Salarié {ref}",
            contract_hours="151.67",
            hours_not_worked="80",
            hourly_rate="12.50",
            nir=nir,
        )
        for ref, nir in (("E1", None), ("E2", "1 85 05 78 006 084 91"))
    ]
    body = ClaimCreate(month="2020-04", payroll_paid_on=datetime.date(2020, 4, 30), lines=lines)
    claim = expect(claims_create.sync_detailed(request.id, client=api, body=body), 201, ClaimPublic)
    assert claim.status == ClaimStatus.DRAFT
    assert claim.total_hours == "160.00", claim.total_hours
    assert claim.lines[1].nir == "1 ** ** ** *** *** 91", claim.lines[1].nir
    claim = expect(
        claims_file.sync_detailed(
            claim.id, client=api, body=FileClaim(filed_on=datetime.date(2020, 5, 4))
        ),
        200,
        ClaimPublic,
    )
    claim = expect(
        claims_validate.sync_detailed(
            claim.id, client=api, body=ValidateClaim(on=datetime.date(2020, 5, 10))
        ),
        200,
        ClaimPublic,
    )
    payment = PayClaim(paid_on=datetime.date(2020, 5, 15), amount="1400.00")
    claim = expect(claims_pay.sync_detailed(claim.id, client=api, body=payment), 200, ClaimPublic)
    assert claim.status == ClaimStatus.PAID, claim.status

    step("deadlines, the change feed, the claim's CSV export")
    expect(deadlines_list.sync_detailed(client=api), 200, PageDeadline)
    feed = expect(events_list.sync_detailed(client=api, after="0", limit=1000), 200, EventPage)
    actions = [event.action for event in feed.items]
    for action_name in (
        "habilitation.habilitated",
        "authorization_request.filed",
        "authorization_request.accepted",
        "claim.filed",
        "claim.paid",
    ):
        assert action_name in actions, (action_name, actions)
    export = claims_export.sync_detailed(claim.id, client=api, format_=ExportFormat.CSV)
    csv = expect(export, 200, str)
    rows = csv.splitlines()
    assert rows[0].startswith("employee_ref;"), rows[0]
    assert rows[1].startswith("E1;") and rows[-1].startswith("TOTAL;"), rows
    assert "85 05" not in csv

    step("an APLD agreement, validated; an APLD claim filed; the reduction meter")
    apld_file(api, company.id, est.id, pdf, lines)

    step("an invalid SIRET: a problem the client parses")
    valid = luhn_complete(f"{siren}0002")
    wrong = EstablishmentCreate(
        client_id=company.id,
        siret=valid[:-1] + str((int(valid[-1]) + 1) % 10),  # its last digit changed
        name="Boulangerie du Port",
        address="3 quai des Indes",
        postal_code="56100",
        city="Lorient",
    )
    problem = expect(
        establishments_create.sync_detailed(client=api, body=wrong),
        HTTPStatus.UNPROCESSABLE_ENTITY,
        Problem,
    )
    assert problem.code == ProblemCode.VALIDATION_ERROR, problem.code
    assert problem.errors, problem
    assert (problem.errors[0].field, problem.errors[0].type_) == ("siret", "siret_checksum")

    step("a batch of establishments, in part; a CSV import checked by a dry run")
    batch = EstablishmentBatch(
        items=[
            EstablishmentCreate(
                client_id=company.id,
                siret=luhn_complete(f"{siren}0003"),
                name="Boulangerie de la Gare",
                address="1 place de la Gare",
                postal_code="56100",
                city="Lorient",
            ),
            wrong,
        ]
    )
    result = expect(
        establishments_batch_create.sync_detailed(client=api, body=batch, partial=True),
        200,
        EstablishmentBatchResult,
    )
    assert [i.status for i in result.items] == [201, 422], result.items
    problem_of_item = result.items[1].problem
    assert isinstance(problem_of_item, ItemProblem), problem_of_item
    assert problem_of_item.code == "validation_error", problem_of_item
    sheet = (
        "\ufeffSIRET;Nom;Adresse;Effectif\n"
        f"{luhn_complete(f'{siren}0004')};Boulangerie du Marché;1 place Bisson, 56100 Lorient;12\n"
    ).encode()
    csv_file = File(payload=io.BytesIO(sheet), file_name="etablissements.csv", mime_type="text/csv")
    report = expect(
        imports_establishments.sync_detailed(
            client=api, body=EstablishmentImport(file=csv_file), dry_run=True
        ),
        200,
        ImportReport,
    )
    assert (report.written, report.failed, report.items[0].line) == (False, 0, 2), report
    print("python client: the whole scenario passed", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])

"""The resources the contract run fuzzes: a lifecycle seeded through the API before schemathesis
starts, so that the operations on `/{id}` paths reach real resources instead of answering 404.

Every operation that moves or removes what it is given (file, validate, pay, delete, archive...)
gets a resource of its own in the state that step starts from, so that one operation's cases
never take away another's; the others share one resource of each kind. `seed` returns which id
each operation gets, for contract/schemathesis/hooks.py (`APART_FUZZ_IDS`). Dates are those of
the README's walkthrough (2020), never in the future."""

import io
import itertools
from typing import Any

import httpx
from pypdf import PdfWriter

_numbers = itertools.count(1)


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _luhn(prefix: str) -> str:
    """`prefix` and the digit that makes it pass the Luhn check (R1)."""
    for digit in "0123456789":
        digits = [int(c) for c in prefix + digit][::-1]
        doubled = [
            d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits)
        ]
        if sum(doubled) % 10 == 0:
            return prefix + digit
    raise AssertionError("unreachable")


class _Seeder:
    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.pdf = _pdf()

    def post(self, path: str, **kwargs: Any) -> dict[str, Any]:
        answer = self.http.post(path, **kwargs)
        if answer.status_code not in (200, 201, 202):
            raise RuntimeError(f"seeding: POST {path} answered {answer.status_code}: {answer.text}")
        return dict(answer.json())

    def client(self, headcount: int = 12, contract: bool = True) -> dict[str, Any]:
        n = next(_numbers)
        siren = _luhn(f"{41000000 + n * 7919:08d}")
        body = {"siren": siren, "legal_name": f"Société {n}", "headcount": headcount}
        company = self.post("/v1/clients", json=body)
        if contract:
            company["contract"] = self.contract(company["id"])
        company["sites"] = itertools.count(1)
        return company

    def contract(self, client_id: str) -> dict[str, Any]:
        form = {
            "signed_on": "2020-03-02",
            "signatory_name": "Jeanne Martin",
            "signatory_role": "Gérante",
            "engagement_letter_on": "2020-03-01",
        }
        files = {"document": ("contrat.pdf", self.pdf, "application/pdf")}
        return self.post(f"/v1/clients/{client_id}/contracts", data=form, files=files)

    def establishment(self, company: dict[str, Any], habilitation: int = 3) -> str:
        """An establishment of `company`, `habilitation` steps (of request, credentials sent,
        habilitated) into its habilitation."""
        siret = _luhn(f"{company['siren']}{next(company['sites']):04d}")
        body = {
            "client_id": company["id"],
            "siret": siret,
            "name": f"Établissement {siret[-5:]}",
            "address": "12 rue de la Paix",
            "postal_code": "75002",
            "city": "Paris",
        }
        est_id = str(self.post("/v1/establishments", json=body)["id"])
        for step in ("request", "credentials-sent", "habilitated")[:habilitation]:
            self.post(f"/v1/establishments/{est_id}/habilitation/{step}", json={"on": "2020-03-05"})
        return est_id

    def request(
        self, est_id: str, *, filed: bool = False, accepted: bool = False, **fields: Any
    ) -> str:
        body: dict[str, Any] = {
            "motive": "exceptional_circumstances",
            "sub_motive": "coronavirus",
            "scope": "reduction_whole",
            "start_on": "2020-03-16",
            "end_on": "2020-06-30",
            "employees_concerned": 4,
            "weekly_hours": "35",
            "forecast_hours": "1500",
            "justification": "Fermeture administrative liée à l'épidémie de covid-19.",
            "previous_use": False,
            "cse": {"status": "not_required"},
            **fields,
        }
        request_id = str(
            self.post(f"/v1/establishments/{est_id}/authorization-requests", json=body)["id"]
        )
        if filed or accepted:
            self.post(
                f"/v1/authorization-requests/{request_id}/file",
                json={"filed_at": "2020-03-20T10:00:00+01:00"},
            )
        if accepted:
            decision = {
                "outcome": "accepted",
                "decided_on": "2020-03-25",
                "decision_number": "DEC-2020-001",
                "authorized_hours": "1200",
                "authorized_employees": 4,
            }
            self.post(f"/v1/authorization-requests/{request_id}/decision", json=decision)
        return request_id

    def claim(self, request_id: str, month: str, steps: int = 0) -> str:
        """A claim for `month` of 2020 (04 to 06), walked `steps` of file, validate, pay."""
        n = next(_numbers)
        line = {
            "employee_ref": f"E{n}",
            "employee_name": f"Salarié {n}",
            "contract_hours": "151.67",
            "hours_not_worked": "40",
            "hourly_rate": "12.50",
        }
        paid_on = {"04": "2020-04-30", "05": "2020-05-29", "06": "2020-06-30"}[month]
        body = {"month": f"2020-{month}", "payroll_paid_on": paid_on, "lines": [line]}
        claim_id = str(
            self.post(f"/v1/authorization-requests/{request_id}/claims", json=body)["id"]
        )
        after = f"2020-{int(month) + 1:02d}"
        walk = [
            ("file", {"filed_on": f"{after}-04"}),
            ("validate", {"on": f"{after}-10"}),
            ("paid", {"paid_on": f"{after}-15", "amount": "350.00"}),
        ]
        for action, step in walk[:steps]:
            self.post(f"/v1/claims/{claim_id}/{action}", json=step)
        return claim_id

    def webhook_endpoint(self) -> str:
        """An endpoint on a public address literal (no name to resolve); no worker runs, so
        nothing is ever sent to it."""
        body = {"url": "https://93.184.215.14/hooks", "event_types": ["claim.paid"]}
        return str(self.post("/v1/webhook-endpoints", json=body)["id"])

    def webhook_delivery(self, endpoint_id: str) -> str:
        return str(self.post(f"/v1/webhook-endpoints/{endpoint_id}/test")["id"])

    def agreement(self, company: dict[str, Any], steps: int = 0) -> str:
        """An APLD agreement covering a new establishment: a draft, with its document (1),
        filed (2), validated (3) on 2021-01-15 (its first authorization to 2021-07-03)."""
        body = {
            "type": "agreement",
            "establishment_ids": [self.establishment(company)],
            "start_on": "2021-01-04",
            "duration_months": 24,
            "max_reduction": "40.00",
            "activities": "Production",
            "employees_covered": "L'atelier",
            "diagnostic": "Commandes en baisse",
            "commitments": "Aucun licenciement",
            "information": "Bilan trimestriel",
        }
        agreement = str(self.post(f"/v1/clients/{company['id']}/apld-agreements", json=body)["id"])
        if steps >= 1:
            pdf = {"document": ("accord.pdf", self.pdf, "application/pdf")}
            self.post(f"/v1/apld-agreements/{agreement}/documents/agreement", files=pdf)
        if steps >= 2:
            filing = {"filed_at": "2021-01-05T09:30:00+01:00"}
            self.post(f"/v1/apld-agreements/{agreement}/file", json=filing)
        if steps >= 3:
            decision = {"outcome": "validated", "decided_on": "2021-01-15"}
            self.post(f"/v1/apld-agreements/{agreement}/decision", json=decision)
        return agreement

    def renewal(self, agreement_id: str) -> str:
        """A renewal of a validated agreement, its bilan filed before the first authorization
        ends (R37)."""
        bilan = {"document": ("bilan.pdf", self.pdf, "application/pdf")}
        path = f"/v1/apld-agreements/{agreement_id}/renewals"
        return str(self.post(path, data={"bilan_on": "2021-06-15"}, files=bilan)["id"])

    def api_client(self) -> str:
        body = {"name": "Logiciel de paie", "scopes": ["clients:read"]}
        return str(self.post("/v1/api-clients", json=body)["id"])

    def claw_back(self, claim_id: str) -> str:
        body = {"amount": "10.00", "reason": "Trop-perçu", "noticed_on": "2020-06-20"}
        return str(self.post(f"/v1/claims/{claim_id}/claw-backs", json=body)["id"])

    def amendment(self, request_id: str, filed: bool = False) -> str:
        body = {"additional_hours": "100"}
        amendment_id = str(
            self.post(f"/v1/authorization-requests/{request_id}/amendments", json=body)["id"]
        )
        if filed:
            self.post(
                f"/v1/amendments/{amendment_id}/file",
                json={"filed_at": "2020-05-15T10:00:00+02:00"},
            )
        return amendment_id


def seed(http: httpx.Client) -> dict[str, Any]:
    """Seeds the lifecycle with `http` (the firm owner's token in its headers); returns
    `{"defaults": {parameter: id}, "operations": {operation id: {parameter: id}}}`."""
    s = _Seeder(http)
    main = s.client()
    est = s.establishment(main)
    accepted = s.request(est, accepted=True)
    other = s.request(s.establishment(main), accepted=True)
    paid = s.claim(accepted, "04", steps=3)
    large = s.client(headcount=80)  # CSE required (R15)
    cse = {"status": "deferred"}
    spare = s.client(contract=False)
    # Minutes already attached (downloads), to a request whose CSE opinion was deferred (uploads).
    minutes = s.request(s.establishment(large), filed=True, cse=cse)
    pdf = {"document": ("pv-cse.pdf", s.pdf, "application/pdf")}
    s.post(f"/v1/authorization-requests/{minutes}/cse-minutes", files=pdf)
    archived = s.establishment(main, habilitation=0)
    s.post(f"/v1/establishments/{archived}/archive")
    ops: dict[str, dict[str, str]] = {
        # moving or removing what they get: one resource each, in the state the step starts from
        "clients-delete": {"client_id": str(s.client(contract=False)["id"])},
        "clients-update": {"client_id": str(spare["id"])},
        "clients-regimes-change": {"client_id": str(spare["id"])},
        "contracts-delete": {"contract_id": str(s.client()["contract"]["id"])},
        "contracts-terminate": {"contract_id": str(s.client()["contract"]["id"])},
        "establishments-update": {"establishment_id": s.establishment(main, habilitation=0)},
        "establishments-archive": {"establishment_id": s.establishment(main, habilitation=0)},
        "establishments-restore": {"establishment_id": archived},
        "habilitation-request": {"establishment_id": s.establishment(main, 0)},
        "habilitation-credentials-sent": {"establishment_id": s.establishment(main, 1)},
        "habilitation-habilitated": {"establishment_id": s.establishment(main, 2)},
        "authorization-requests-update": {"request_id": s.request(est, start_on=None, end_on=None)},
        "authorization-requests-delete": {"request_id": s.request(est, start_on=None, end_on=None)},
        "authorization-requests-file": {"request_id": s.request(s.establishment(main))},
        "authorization-requests-decide": {
            "request_id": s.request(s.establishment(main), filed=True)
        },
        "authorization-requests-cse-opinion": {
            "request_id": s.request(s.establishment(large), filed=True, cse=cse)
        },
        "authorization-requests-cse-minutes-upload": {"request_id": minutes},
        "authorization-requests-cse-minutes-download": {"request_id": minutes},
        "amendments-file": {"amendment_id": s.amendment(other)},
        "amendments-decide": {"amendment_id": s.amendment(accepted, filed=True)},
        "claims-update": {"claim_id": s.claim(accepted, "05")},
        "claims-delete": {"claim_id": s.claim(accepted, "06")},
        "claims-file": {"claim_id": s.claim(other, "04")},
        "claims-validate": {"claim_id": s.claim(other, "05", steps=1)},
        "claims-reject": {"claim_id": s.claim(other, "06", steps=1)},
        "claims-withdraw": {
            "claim_id": s.claim(s.request(s.establishment(main), accepted=True), "04", steps=1)
        },
        "claims-pay": {
            "claim_id": s.claim(s.request(s.establishment(main), accepted=True), "04", steps=2)
        },
        "webhook-endpoints-delete": {"endpoint_id": s.webhook_endpoint()},
        "apld-agreements-update": {"agreement_id": s.agreement(main)},
        "apld-agreements-document-upload": {"agreement_id": s.agreement(main)},
        "apld-agreements-file": {"agreement_id": s.agreement(main, steps=1)},
        "apld-agreements-decide": {"agreement_id": s.agreement(main, steps=2)},
        "apld-renewals-create": {"agreement_id": s.agreement(main, steps=3)},
        "apld-renewals-decide": {"renewal_id": s.renewal(s.agreement(main, steps=3))},
        "api-clients-rotate": {"api_client_id": s.api_client()},
        "api-clients-revoke": {"api_client_id": s.api_client()},
        "claw-backs-issue": {"claw_back_id": s.claw_back(paid)},
        "claw-backs-cancel": {"claw_back_id": s.claw_back(paid)},
    }
    defaults = {
        "client_id": str(main["id"]),
        "contract_id": str(main["contract"]["id"]),
        "establishment_id": est,
        "request_id": accepted,
        "amendment_id": s.amendment(accepted),
        "claim_id": paid,
        "claw_back_id": s.claw_back(paid),
        "endpoint_id": (hook := s.webhook_endpoint()),
        "delivery_id": s.webhook_delivery(hook),
        "agreement_id": (agreement := s.agreement(main, steps=3)),
        "renewal_id": s.renewal(agreement),
        "api_client_id": s.api_client(),
    }
    return {"defaults": defaults, "operations": ops}

"""A fully loaded firm, built through the service's HTTP API (as its users would build it).

One firm account and its owner; clients of `per_client` establishments each, every client with a
signed contract (PDF upload); every establishment habilitated (3 steps), with an authorization
request (DAP) filed and accepted, and `months` monthly claims (DI) of `lines` employee lines
(with social security numbers), each filed; the claims of the first `paid_months` months are
also validated and paid (one in four with a discrepancy).

The dates are those of spring 2020 (tests/support/lifecycle.py walks the same path): contract signed
2020-03-02, habilitation 2020-03-05, a 12-month request from 2020-03-16 (exceptional
circumstances) filed 2020-03-20 and accepted 2020-03-25; the claim of month M has its payroll
paid on M's last day and is filed on the 5th of M+1. The request's last month (2021-03) is left
unclaimed: it stays due in /v1/deadlines, and the first establishment's request, sized for
`big_lines` more employees and hours, leaves room for claims of that month (bench/deployed.py
files 300-line claims there).

    .venv/bin/python bench/seed.py --base-url http://127.0.0.1:8000 --establishments 10

The server must allow sign-up, and its tokens must outlive the seeding
(ACCESS_TOKEN_TTL_SECONDS; bench/deployed.py sets a week). Requests run `concurrency` at a time.
`seed_firm(..., transport=httpx.ASGITransport(app))` seeds an app in process (bench/profile_cpu.py).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
from run import FIRM_SIRET, PASSWORD, luhn_complete
from stdnum.fr import nir as stdnum_nir

OWNER_EMAIL = "owner@bench.example.fr"


def _blank_pdf() -> bytes:
    """A one-page PDF: uploads are parsed, a header alone is refused."""
    from pypdf import PdfWriter

    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=595, height=842)
    writer.write(out)
    return out.getvalue()


PDF = _blank_pdf()
START_ON, END_ON = date(2020, 3, 16), date(2021, 3, 15)
FIRST_MONTH = date(2020, 3, 1)
OPEN_MONTH = "2021-03"  # inside the authorized period, never claimed by the seed
FILED_AT = "2020-03-20T10:00:00+01:00"
DECIDED_ON = "2020-03-25"
WEEKLY_HOURS = 35
MAX_LINE_HOURS = 95  # hours_not_worked of a seeded line are 35–94


@dataclass
class Firm:
    base_url: str
    owner_email: str
    password: str
    token: str
    client_ids: list[str] = field(default_factory=list)
    establishment_ids: list[str] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)  # by establishment
    claim_ids: list[str] = field(default_factory=list)
    # The first establishment's request: room for `big_lines` employees in OPEN_MONTH.
    big_request_id: str = ""
    open_month: str = OPEN_MONTH
    requests_made: int = 0
    retried_503: int = 0
    seconds: float = 0.0
    shape: dict[str, int] = field(default_factory=dict)


def month_add(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_last_day(first: date) -> date:
    return month_add(first, 1) - timedelta(days=1)


def nir_for(n: int) -> str:
    """A valid social security number (NIR), different for each n < 1e6."""
    body = f"{1 + n % 2}{60 + n % 40:02d}{1 + n % 12:02d}75{(n // 1000) % 1000:03d}{n % 1000:03d}"
    return body + stdnum_nir.calc_check_digits(body)


def claim_lines(prefix: str, count: int, month_index: int, seed: int) -> list[dict[str, Any]]:
    lines = []
    for k in range(count):
        hours = 35 + (k * 7 + month_index * 3) % (MAX_LINE_HOURS - 35)
        rate = Decimal(11) + Decimal((k * 13 + seed) % 3500) / 100
        lines.append(
            {
                "employee_ref": f"{prefix}-{k + 1:03d}",
                "employee_name": f"Salarié {prefix}-{k + 1:03d}",
                "nir": nir_for(seed * 1000 + k),
                "contract_hours": "151.67",
                "hours_not_worked": f"{hours}.00",
                "hourly_rate": f"{rate:.2f}",
            }
        )
    return lines


def request_payload(employees: int, hours: int) -> dict[str, Any]:
    return {
        "motive": "exceptional_circumstances",
        "sub_motive": "coronavirus",
        "scope": "reduction_whole",
        "start_on": START_ON.isoformat(),
        "end_on": END_ON.isoformat(),
        "employees_concerned": employees,
        "weekly_hours": str(WEEKLY_HOURS),
        "forecast_hours": str(hours),
        "justification": "Fermeture administrative liée à l'épidémie de covid-19.",
        "previous_use": False,
        "cse": {"status": "not_required"},
    }


class Api:
    """POSTs that must succeed, `concurrency` at a time, counted; a 503 is retried."""

    def __init__(self, http: httpx.AsyncClient, concurrency: int) -> None:
        self.http = http
        self.limit = asyncio.Semaphore(concurrency)
        self.count = 0
        self.retries = 0  # answers 503 (overloaded), retried

    async def post(self, path: str, expect: int = 200, **kwargs: Any) -> dict[str, Any]:
        for attempt in range(20):
            async with self.limit:
                response = await self.http.post(path, **kwargs)
            self.count += 1
            if response.status_code != 503 or attempt == 19:
                break
            # Overloaded (the service refuses work it cannot admit soon): nothing was done.
            self.retries += 1
            await asyncio.sleep(min(float(response.headers.get("retry-after") or 1), 5.0))
        if response.status_code != expect:
            raise RuntimeError(f"POST {path}: {response.status_code} {response.text[:2000]}")
        body: dict[str, Any] = response.json()
        return body


async def seed_firm(
    base_url: str,
    *,
    establishments: int = 200,
    per_client: int = 5,
    months: int = 12,
    lines: int = 20,
    paid_months: int = 6,
    big_lines: int = 300,
    concurrency: int = 8,
    log: Callable[[str], None] = lambda message: print(message, file=sys.stderr, flush=True),
    transport: httpx.AsyncBaseTransport | None = None,
) -> Firm:
    if not 1 <= months <= 12:
        raise ValueError("months: 1 to 12 (the request covers 2020-03 to 2021-02, then 2021-03)")
    started = time.monotonic()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base_url, timeout=120.0, limits=limits, transport=transport
    ) as http:
        api = Api(http, concurrency)
        owner = {"email": OWNER_EMAIL, "full_name": "Bench Owner", "password": PASSWORD}
        await api.post(
            "/v1/firms",
            201,
            json={
                "name": "Cabinet Bench",
                "siret": FIRM_SIRET,
                "email": "apart@bench.example.fr",
                "owner": owner,
            },
        )
        token = (
            await api.post("/v1/auth/token", data={"username": OWNER_EMAIL, "password": PASSWORD})
        )["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        firm = Firm(base_url, OWNER_EMAIL, PASSWORD, token)
        firm.shape = {
            "establishments": establishments,
            "per_client": per_client,
            "months": months,
            "lines": lines,
            "paid_months": paid_months,
            "big_lines": big_lines,
        }

        # Clients, each with its contract, then their establishments.
        n_clients = math.ceil(establishments / per_client)

        async def make_client(c: int) -> str:
            siren = luhn_complete(f"{41000000 + c * 7919:08d}")
            body = {"siren": siren, "legal_name": f"Client {c + 1} SAS", "headcount": 40}
            client_id: str = (await api.post("/v1/clients", 201, json=body))["id"]
            await api.post(
                f"/v1/clients/{client_id}/contracts",
                201,
                data={
                    "signed_on": "2020-03-02",
                    "signatory_name": f"Dirigeant {c + 1}",
                    "signatory_role": "Gérant",
                    "engagement_letter_on": "2020-03-01",
                },
                files={"document": (f"contrat-{c + 1}.pdf", PDF, "application/pdf")},
            )
            return client_id

        firm.client_ids = list(await asyncio.gather(*(make_client(c) for c in range(n_clients))))
        sirens = [luhn_complete(f"{41000000 + c * 7919:08d}") for c in range(n_clients)]

        async def make_establishment(i: int) -> str:
            # Consecutive establishments belong to different clients: claims lock their client.
            c, n = i % n_clients, i // n_clients + 1
            body = {
                "client_id": firm.client_ids[c],
                "siret": luhn_complete(f"{sirens[c]}{n:04d}"),
                "name": f"Établissement {i + 1}",
                "address": f"{i + 1} rue de la République",
                "postal_code": "69002",
                "city": "Lyon",
            }
            establishment_id: str = (await api.post("/v1/establishments", 201, json=body))["id"]
            return establishment_id

        # One at a time: each takes one of the firm's 200 slots (a row lock on the firm).
        for i in range(establishments):
            firm.establishment_ids.append(await make_establishment(i))
        log(f"seed: {n_clients} clients with contracts, {establishments} establishments")

        firm.request_ids = [""] * establishments
        claims: list[list[str]] = [[] for _ in range(establishments)]
        done = 0

        async def walk(i: int) -> None:
            """Habilitation, request, decision, then each month's claim, for establishment i."""
            nonlocal done
            eid = firm.establishment_ids[i]
            for step in ("request", "credentials-sent", "habilitated"):
                await api.post(
                    f"/v1/establishments/{eid}/habilitation/{step}", json={"on": "2020-03-05"}
                )
            big = i == 0
            employees = max(lines, big_lines + lines) if big else lines
            hours = months * lines * MAX_LINE_HOURS + (big_lines * MAX_LINE_HOURS if big else 0)
            hours = math.ceil(hours * 1.05)
            request = await api.post(
                f"/v1/establishments/{eid}/authorization-requests",
                201,
                json=request_payload(employees, hours),
            )
            rid = firm.request_ids[i] = request["id"]
            await api.post(f"/v1/authorization-requests/{rid}/file", json={"filed_at": FILED_AT})
            await api.post(
                f"/v1/authorization-requests/{rid}/decision",
                json={
                    "outcome": "accepted",
                    "decided_on": DECIDED_ON,
                    "decision_number": f"DEC-2020-{i + 1:04d}",
                    "authorized_hours": str(hours),
                    "authorized_employees": employees,
                },
            )
            for m in range(months):
                month = month_add(FIRST_MONTH, m)
                filed_on = month_add(month, 1) + timedelta(days=4)
                claim = await api.post(
                    f"/v1/authorization-requests/{rid}/claims",
                    201,
                    json={
                        "month": f"{month:%Y-%m}",
                        "payroll_paid_on": month_last_day(month).isoformat(),
                        "lines": claim_lines(f"E{i + 1:03d}", lines, m, i + 1),
                    },
                )
                cid = claim["id"]
                claims[i].append(cid)
                filed = await api.post(f"/v1/claims/{cid}/file", json={"filed_on": str(filed_on)})
                if m < paid_months:
                    validated_on = filed_on + timedelta(days=10)
                    await api.post(f"/v1/claims/{cid}/validate", json={"on": str(validated_on)})
                    expected = Decimal(filed["expected_allocation"])
                    paid = expected - Decimal("12.34") if (i + m) % 4 == 0 else expected
                    await api.post(
                        f"/v1/claims/{cid}/paid",
                        json={
                            "paid_on": str(filed_on + timedelta(days=20)),
                            "amount": str(max(paid, Decimal(0))),
                        },
                    )
            done += 1
            if done % 20 == 0 or done == establishments:
                log(
                    f"seed: {done}/{establishments} establishments walked, "
                    f"{api.count} requests, {time.monotonic() - started:.0f} s"
                )

        # `concurrency` establishments in flight (the semaphore bounds the requests themselves).
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(establishments):
            queue.put_nowait(i)

        async def worker() -> None:
            while not queue.empty():
                await walk(queue.get_nowait())

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        firm.claim_ids = [cid for per in claims for cid in per]
        firm.big_request_id = firm.request_ids[0]
        firm.requests_made = api.count
        firm.retried_503 = api.retries
    firm.seconds = round(time.monotonic() - started, 1)
    log(f"seed: done, {firm.requests_made} requests in {firm.seconds:.0f} s")
    return firm


def seed(base_url: str, **options: Any) -> Firm:
    return asyncio.run(seed_firm(base_url, **options))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--base-url", default="http://127.0.0.1:8000")
    p.add_argument("--establishments", type=int, default=200)
    p.add_argument("--per-client", type=int, default=5, help="establishments per client")
    p.add_argument("--months", type=int, default=12, help="claims per establishment (≤ 12)")
    p.add_argument("--lines", type=int, default=20, help="employee lines per claim")
    p.add_argument("--paid-months", type=int, default=6, help="first months validated and paid")
    p.add_argument("--big-lines", type=int, default=300, help="room left for a big claim")
    p.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    args = p.parse_args(argv)
    firm = seed(
        args.base_url,
        establishments=args.establishments,
        per_client=args.per_client,
        months=args.months,
        lines=args.lines,
        paid_months=args.paid_months,
        big_lines=args.big_lines,
        concurrency=args.concurrency,
    )
    summary = asdict(firm)
    summary["claim_ids"] = [*summary["claim_ids"][:3], "..."]
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

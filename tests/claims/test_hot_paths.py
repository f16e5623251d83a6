"""The hot paths do work in proportion to the answer, not to the history behind it.

SQL statements are counted on the test's connection (a `before_cursor_execute` listener; an
executemany counts once, its parameter sets apart); the claims' stored totals are compared with
what their lines compute; the deadlines view with the algorithm it replaced, page by page.
"""

import asyncio
import importlib.util
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.authorizations import rules as auth_rules
from app.authorizations import service as requests
from app.authorizations.models import AuthorizationRequest, CseStatus, RequestStatus
from app.claims import routes as claims_routes
from app.claims import service as claims_service
from app.claims.models import Claim, ClaimLine, ClaimStatus
from app.core.dates import add_months, month_end, paris_date
from app.deadlines.models import Deadline, DeadlineKind
from tests.support.builders import make_client, make_establishment
from tests.support.lifecycle import (
    OVERTIME,
    accepted_request,
    create_claim,
    create_request,
    file_request,
    habilitate,
    line,
    ready_establishment,
    upload_contract,
)

ROOT = Path(__file__).resolve().parents[2]
TOTALS = ("employee_count", "total_hours", "total_indemnity", "total_allocation")


# --- counting statements ---------------------------------------------------------------------


def executes_on_the_wire(parameters: Any, executemany: bool) -> int:
    """How many times the driver runs the statement: once per parameter set of an executemany
    (a list of sets), once for a single set, flat, which is what a multi-row INSERT batch
    ("insertmanyvalues") carries even though SQLAlchemy flags it executemany."""
    many = executemany and isinstance(parameters, (list, tuple)) and len(parameters) > 0
    if many and isinstance(parameters[0], (Mapping, list, tuple)):
        return len(parameters)
    return 1


@dataclass
class Statements:
    count: int = 0
    parameter_sets: int = 0
    seen: list[str] = field(default_factory=list)

    def __call__(self, _conn, _cursor, statement, parameters, _context, executemany) -> None:
        self.count += 1
        self.parameter_sets += executes_on_the_wire(parameters, executemany)
        self.seen.append(" ".join(statement.split())[:100])


@contextmanager
def counting(connection) -> Iterator[Statements]:
    """Every statement the app sends while the block runs (its sessions use this connection)."""
    statements = Statements()
    event.listen(connection.sync_connection, "before_cursor_execute", statements)
    try:
        yield statements
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", statements)


def ok(response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def lines(n: int, **overrides: Any) -> list[dict[str, Any]]:
    return [line(f"E{i:04d}", hours_not_worked="10", **overrides) for i in range(n)]


def roomy_request(client, ctx, employees: int = 400, hours: str = "100000") -> dict[str, Any]:
    """An accepted request for 2020-03-16 – 2021-03-15 with room for big claims."""
    request = create_request(
        client, ctx, employees_concerned=employees, forecast_hours=hours, end_on="2021-03-15"
    )
    assert file_request(client, ctx, request["id"]).status_code == 200
    decision = {
        "outcome": "accepted",
        "decided_on": "2020-03-25",
        "decision_number": "DEC-1",
        "authorized_hours": hours,
        "authorized_employees": employees,
    }
    url = f"/v1/authorization-requests/{request['id']}/decision"
    ok(client.post(url, headers=ctx["headers"], json=decision))
    return request


def file(client, ctx, claim_id: str, on: str = "2020-07-06") -> dict[str, Any]:
    return ok(
        client.post(f"/v1/claims/{claim_id}/file", headers=ctx["headers"], json={"filed_on": on})
    )


# --- creating and filing: constant in the number of lines ------------------------------------


def create_and_file(client, connection, n: int) -> tuple[Statements, Statements]:
    ctx = ready_establishment(client)
    request = roomy_request(client, ctx)
    # some history for the limits to sum: a filed claim of the same employees
    earlier = ok(create_claim(client, ctx, request["id"], "2020-05", lines(n), "2020-05-29"), 201)
    file(client, ctx, earlier["id"], "2020-06-05")
    with counting(connection) as created:
        claim = ok(create_claim(client, ctx, request["id"], "2020-06", lines(n), "2020-06-30"), 201)
    with counting(connection) as filed:
        assert file(client, ctx, claim["id"])["status"] == "filed"
    return created, filed


def test_creating_and_filing_a_claim_take_as_many_statements_for_300_lines_as_for_3(
    client, connection
):
    small_create, small_file = create_and_file(client, connection, 3)
    big_create, big_file = create_and_file(client, connection, 300)
    assert big_create.count == small_create.count, (small_create.seen, big_create.seen)
    assert big_file.count == small_file.count, (small_file.seen, big_file.seen)
    # the lines go in as one multi-row INSERT, on the wire too (not one execute per line)
    assert big_create.parameter_sets == small_create.parameter_sets
    assert sum(s.startswith("INSERT INTO claim_line") for s in big_create.seen) == 1
    # filing writes the lines again with their frozen regimes and amounts (R24): one DELETE
    # and one multi-row INSERT, not one statement per line
    assert big_file.parameter_sets == small_file.parameter_sets
    assert sum(s.startswith("DELETE FROM claim_line") for s in big_file.seen) == 1
    assert sum(s.startswith("INSERT INTO claim_line") for s in big_file.seen) == 1
    assert not any(s.startswith("UPDATE claim_line") for s in big_file.seen)


def test_replacing_and_deleting_the_lines_of_a_draft_is_set_based(client, connection):
    ctx = ready_establishment(client)
    request = roomy_request(client, ctx)
    claim = ok(create_claim(client, ctx, request["id"], "2020-06", lines(200), "2020-06-30"), 201)
    with counting(connection) as replaced:
        url = f"/v1/claims/{claim['id']}"
        ok(client.patch(url, headers=ctx["headers"], json={"lines": lines(150)}))
    assert sum(s.startswith("DELETE FROM claim_line") for s in replaced.seen) == 1
    assert sum(s.startswith("INSERT INTO claim_line") for s in replaced.seen) == 1
    assert replaced.parameter_sets < 20  # one DELETE, one INSERT of all 150, a few more
    with counting(connection) as deleted:
        response = client.delete(f"/v1/claims/{claim['id']}", headers=ctx["headers"])
        assert response.status_code == 204, response.text
    assert deleted.parameter_sets < 20


def test_a_big_claim_is_priced_and_exported_off_the_event_loop(client, monkeypatch):
    """Past LINES_PRICED_INLINE lines, computing the amounts (GET, export) and writing the CSV
    run in worker threads, so the event loop serves other requests meanwhile."""
    ctx = ready_establishment(client)
    request = roomy_request(client, ctx)
    created = ok(create_claim(client, ctx, request["id"], "2020-06", lines(150), "2020-06-30"), 201)
    on_loop: list[str] = []

    def spy(name: str, fn: Any) -> Any:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            try:
                asyncio.get_running_loop()
                on_loop.append(f"{name} on the loop")
            except RuntimeError:
                on_loop.append(f"{name} in a thread")
            return fn(*args, **kwargs)

        return wrapped

    monkeypatch.setattr(claims_service, "to_public", spy("pricing", claims_service.to_public))
    monkeypatch.setattr(claims_routes, "export_csv", spy("csv", claims_routes.export_csv))
    read = ok(client.get(f"/v1/claims/{created['id']}", headers=ctx["headers"]))
    assert read == created
    url = f"/v1/claims/{created['id']}/export"
    exported = client.get(url, headers=ctx["headers"])
    assert exported.status_code == 200, exported.text
    assert len(exported.text.strip().splitlines()) == 1 + 150 + 1  # header, lines, TOTAL
    assert on_loop == ["pricing in a thread", "pricing in a thread", "csv in a thread"]


# --- lists and summaries: constant in the number of claims and lines -------------------------


def test_a_page_of_claims_takes_the_same_statements_whatever_the_claims_and_lines(
    client, connection
):
    ctx = ready_establishment(client)
    request = roomy_request(client, ctx)
    first = ok(create_claim(client, ctx, request["id"], "2020-04", lines(1), "2020-04-30"), 201)
    file(client, ctx, first["id"], "2020-05-05")
    with counting(connection) as few:
        assert len(ok(client.get("/v1/claims", headers=ctx["headers"]))["items"]) == 1
    for month in ("2020-05", "2020-06", "2020-07", "2020-08", "2020-09", "2020-10"):
        claim = ok(create_claim(client, ctx, request["id"], month, lines(40), f"{month}-28"), 201)
        if month < "2020-09":
            file(client, ctx, claim["id"], "2020-11-02")
    with counting(connection) as many:
        page = ok(client.get("/v1/claims", headers=ctx["headers"], params={"limit": 5}))
    assert len(page["items"]) == 5 and page["next_cursor"]
    assert many.count == few.count, (few.seen, many.seen)
    assert not any("claim_line" in s for s in many.seen)  # totals are read, not recomputed

    # a backdated regime change makes the drafts' stored totals stale: they are recomputed
    # when listed, with one more statement for all of them
    url = f"/v1/clients/{ctx['client']['id']}/regimes"
    regime = {"regime": "closed", "effective_from": "2020-01-01"}
    ok(client.post(url, headers=ctx["headers"], json=regime))
    with counting(connection) as stale:
        items = ok(client.get("/v1/claims", headers=ctx["headers"]))["items"]
    assert stale.count == few.count + 1, stale.seen
    for item in items:
        shown = ok(client.get(f"/v1/claims/{item['id']}", headers=ctx["headers"]))
        assert {k: item[k] for k in item} == {k: shown[k] for k in item}


def test_the_establishment_summary_takes_the_same_statements_whatever_the_requests(
    client, connection
):
    ctx = ready_establishment(client)
    request = accepted_request(client, ctx)
    url = f"/v1/establishments/{ctx['establishment']['id']}/summary"
    with counting(connection) as one:
        ok(client.get(url, headers=ctx["headers"]))
    claim = ok(create_claim(client, ctx, request["id"], "2020-04"), 201)
    file(client, ctx, claim["id"], "2020-05-04")
    for start, end in (("2020-07-01", "2020-07-31"), ("2020-08-01", "2020-08-31")):
        create_request(client, ctx, start_on=start, end_on=end, forecast_hours="500")
    with counting(connection) as three:
        summary = ok(client.get(url, headers=ctx["headers"]))
    assert len(summary["authorizations"]) == 3
    assert three.count == one.count, (one.seen, three.seen)
    assert summary["authorizations"][0]["hours_claimed"] == "80.00"


# --- stored totals: what the lines compute ---------------------------------------------------


def stored_totals(session, claim_id: str) -> dict[str, Any]:
    columns = [col(getattr(Claim, name)) for name in TOTALS]
    row = session.exec(select(*columns).where(Claim.id == uuid.UUID(claim_id))).one()
    return {name: str(value) for name, value in zip(TOTALS, row, strict=True)}


def shown_totals(client, ctx, claim_id: str) -> dict[str, Any]:
    shown = ok(client.get(f"/v1/claims/{claim_id}", headers=ctx["headers"]))
    return {name: str(shown[name]) for name in TOTALS}


def assert_stored_as_computed(client, ctx, session, claim_id: str) -> None:
    assert stored_totals(session, claim_id) == shown_totals(client, ctx, claim_id)


MIXED = [
    line("E1", hours_not_worked="80", hourly_rate="12.50"),
    line("E2", hours_not_worked="40.25", hourly_rate="20.1234", regime="protected"),
    line("E3", hours_not_worked="100", hourly_rate="60.00"),  # above 4.5 × SMIC
]


def test_stored_totals_are_what_the_lines_compute_through_the_lifecycle(client, session):
    ctx = ready_establishment(client)
    h = ctx["headers"]
    request = accepted_request(client, ctx)
    claim = ok(create_claim(client, ctx, request["id"], "2020-06", MIXED, "2020-06-30"), 201)
    assert_stored_as_computed(client, ctx, session, claim["id"])
    assert stored_totals(session, claim["id"])["total_indemnity"] == claim["total_indemnity"]

    ok(client.patch(f"/v1/claims/{claim['id']}", headers=h, json={"lines": MIXED[:2]}))
    assert_stored_as_computed(client, ctx, session, claim["id"])

    # a backdated regime change: the draft follows it (R24), its stored totals are redone by
    # the next edit, even of the payroll date only, and by the filing
    url = f"/v1/clients/{ctx['client']['id']}/regimes"
    ok(client.post(url, headers=h, json={"regime": "closed", "effective_from": "2020-01-01"}))
    before = stored_totals(session, claim["id"])
    assert before != shown_totals(client, ctx, claim["id"])
    ok(client.patch(f"/v1/claims/{claim['id']}", headers=h, json={"payroll_paid_on": "2020-06-29"}))
    assert_stored_as_computed(client, ctx, session, claim["id"])
    ok(client.post(url, headers=h, json={"regime": "general", "effective_from": "2020-01-01"}))
    file(client, ctx, claim["id"])
    assert_stored_as_computed(client, ctx, session, claim["id"])

    for action, body in (
        ("validate", {"on": "2020-07-10"}),
        ("paid", {"paid_on": "2020-07-15", "amount": "700.00"}),
    ):
        ok(client.post(f"/v1/claims/{claim['id']}/{action}", headers=h, json=body))
    assert_stored_as_computed(client, ctx, session, claim["id"])
    # a correction copies the lines (their regimes frozen by the filing), or takes new ones
    url = f"/v1/claims/{claim['id']}/corrections"
    correction = ok(client.post(url, headers=h, json={}), 201)
    assert_stored_as_computed(client, ctx, session, correction["id"])
    ok(client.patch(f"/v1/claims/{correction['id']}", headers=h, json={"lines": MIXED}))
    assert_stored_as_computed(client, ctx, session, correction["id"])
    file(client, ctx, correction["id"], "2020-07-20")
    assert_stored_as_computed(client, ctx, session, correction["id"])

    listed = {c["id"]: c for c in ok(client.get("/v1/claims", headers=h))["items"]}
    for claim_id in (claim["id"], correction["id"]):
        shown = ok(client.get(f"/v1/claims/{claim_id}", headers=h))
        assert listed[claim_id] == {k: shown[k] for k in listed[claim_id]}


def migration_backfill() -> Any:
    [path] = (ROOT / "migrations" / "versions").glob("*_fdf643b40a06_*.py")
    spec = importlib.util.spec_from_file_location("claim_totals_migration", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.backfill


def test_the_migration_backfill_computes_the_totals_the_service_computes(
    client, session, connection, portal
):
    ctx = ready_establishment(client)
    h = ctx["headers"]
    request = roomy_request(client, ctx)
    ids = []
    for month, paid in (("2020-06", "2020-06-30"), ("2020-07", "2020-07-31")):
        ids.append(ok(create_claim(client, ctx, request["id"], month, MIXED, paid), 201)["id"])
    file(client, ctx, ids[0], "2020-08-03")  # E2 keeps its own regime, the others freeze
    # from July the client is `protected` (70 % allocation instead of 60 % in 2020-07)
    url = f"/v1/clients/{ctx['client']['id']}/regimes"
    ok(client.post(url, headers=h, json={"regime": "protected", "effective_from": "2020-07-01"}))
    expected = {claim_id: shown_totals(client, ctx, claim_id) for claim_id in ids}

    async def reset_and_backfill() -> None:
        await connection.execute(
            text(
                "UPDATE claim SET employee_count = 0, total_hours = '0', total_indemnity = '0',"
                " total_allocation = '0', totals_regime = NULL"
            )
        )
        await connection.run_sync(migration_backfill())

    portal.call(reset_and_backfill)
    for claim_id in ids:
        assert stored_totals(session, claim_id) == expected[claim_id]
    regimes = session.exec(
        select(Claim.totals_regime).where(Claim.request_id == uuid.UUID(request["id"]))
    )
    assert sorted(regimes) == ["general", "protected"]


# --- R22 in SQL: the same answers ------------------------------------------------------------


def test_limits_summed_by_the_database_give_the_same_errors(client):
    ctx = ready_establishment(client)
    request = accepted_request(client, ctx)  # 1200 h, 4 employees, 2020-03-16 – 2020-06-30
    big = [line(f"E{i}", contract_hours="151.67", hours_not_worked="150") for i in range(4)]
    first = ok(create_claim(client, ctx, request["id"], "2020-04", big), 201)
    file(client, ctx, first["id"], "2020-05-04")
    second = ok(create_claim(client, ctx, request["id"], "2020-05", big, "2020-05-29"), 201)
    too_many = create_claim(client, ctx, request["id"], "2020-06", big, "2020-06-30")
    assert too_many.status_code == 201  # drafts do not count yet
    file(client, ctx, second["id"], "2020-06-04")
    response = client.post(
        f"/v1/claims/{too_many.json()['id']}/file",
        headers=ctx["headers"],
        json={"filed_on": "2020-07-06"},
    )
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "hours_exceed_authorized"
    assert response.json()["detail"] == (
        "This claim asks 600.00 h not worked; 0.00 h remain authorized (R22)"
    )
    five = [*big, line("E9")]
    response = client.patch(
        f"/v1/claims/{too_many.json()['id']}", headers=ctx["headers"], json={"lines": five}
    )
    assert response.json()["code"] == "employees_exceed_authorized"


def test_the_annual_quota_summed_by_the_database_gives_the_same_error(client):
    ctx = ready_establishment(client)
    request = roomy_request(client, ctx)
    heavy = [line("Q", contract_hours="200", hours_not_worked="170", **OVERTIME)]
    for month in range(3, 12):  # 9 months of 170 h: 1530 h of the 1607 h of 2020
        claim = ok(
            create_claim(
                client, ctx, request["id"], f"2020-{month:02d}", heavy, f"2020-{month:02d}-28"
            ),
            201,
        )
        file(client, ctx, claim["id"], "2020-12-04")
    response = create_claim(client, ctx, request["id"], "2020-12", heavy, "2020-12-28")
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "annual_quota_exceeded"
    assert response.json()["detail"] == (
        "Employee Q: 77.00 h remain of the 1607 h quota for 2020 (R22)"
    )
    # another year, another quota
    ok(create_claim(client, ctx, request["id"], "2021-01", heavy, "2021-01-28"), 201)


# --- the deadlines view: the same answers, page by page --------------------------------------


async def reference_deadlines(
    session: AsyncSession, firm_account_id: uuid.UUID, today: date, now: datetime
) -> list[Deadline]:
    """The algorithm the view had before, which loaded every request and claim: the oracle."""
    found = list(
        await session.exec(
            select(AuthorizationRequest).where(
                AuthorizationRequest.firm_account_id == firm_account_id,
                col(AuthorizationRequest.status) != RequestStatus.invalidated,
            )
        )
    )
    amendments = await requests.amendments_of(session, [r.id for r in found])
    statuses: dict[uuid.UUID, dict[date, ClaimStatus]] = {r.id: {} for r in found}
    rows = await session.exec(
        select(col(Claim.request_id), col(Claim.month_on), col(Claim.status)).where(
            col(Claim.request_id).in_([r.id for r in found]), Claim.status != ClaimStatus.rejected
        )
    )
    for request_id, month_on, status in rows:
        if statuses[request_id].get(month_on) in (None, ClaimStatus.draft):
            statuses[request_id][month_on] = ClaimStatus(status)
    items: list[Deadline] = []
    for r in found:
        status = auth_rules.effective_status(r.status, r.implicit_acceptance_at, now)

        def add(kind, due, description, month=None, can_be_overdue=True, r=r, warnings=()) -> None:
            items.append(
                Deadline(
                    kind=kind,
                    due_on=due,
                    overdue=can_be_overdue and due < today,
                    description=description,
                    warnings=list(warnings),
                    month=month,
                    establishment_id=r.establishment_id,
                    client_id=r.client_id,
                    resource_type="authorization_request",
                    resource_id=r.id,
                )
            )

        if status == RequestStatus.draft and r.start_on:
            due = auth_rules.filing_deadline(r.motive, r.start_on)
            add(DeadlineKind.filing_window, due, f"File the request starting {r.start_on} (R12)")
        if status == RequestStatus.filed and r.implicit_acceptance_at:
            add(
                DeadlineKind.implicit_acceptance,
                paris_date(r.implicit_acceptance_at),
                "Without a decision, the request is accepted on this date (R16)",
                can_be_overdue=False,
            )
        if (
            r.cse_status == CseStatus.deferred
            and r.cse_due_on
            and status not in (RequestStatus.refused, RequestStatus.invalidated)
        ):
            add(DeadlineKind.cse_opinion, r.cse_due_on, "Send the deferred CSE opinion (R15)")
        if status == RequestStatus.refused and r.decided_on:
            due = auth_rules.appeal_until(r.decided_on)
            if due >= today:
                add(DeadlineKind.appeal, due, "Last day to appeal the refusal (R17)")
        terms = auth_rules.authorized_terms(r, amendments[r.id], now)
        if terms is not None:
            bar = auth_rules.claim_time_bar(terms.end_on)
            month = terms.start_on.replace(day=1)
            while month <= terms.end_on:
                claim = statuses[r.id].get(month)
                if month_end(month) < today and claim in (None, ClaimStatus.draft):
                    ready = "; its draft is ready" if claim == ClaimStatus.draft else ""
                    apart = add_months(terms.end_on, 6)
                    warned = apart < today <= bar
                    unblock = (
                        f"; APART stopped taking it on {apart}: have it unblocked through the "
                        "ASP hotline (R21)"
                    )
                    add(
                        DeadlineKind.claim,
                        bar,
                        f"File the claim for {month:%Y-%m} (R19, R21){ready}"
                        + (unblock if warned else ""),
                        month=f"{month:%Y-%m}",
                        warnings=["apart_unblock_needed"] if warned else [],
                    )
                month = add_months(month, 1)
            if terms.end_on >= today:
                add(
                    DeadlineKind.authorization_end,
                    terms.end_on,
                    "The authorization ends: renew or amend it if needed (R18)",
                    can_be_overdue=False,
                )
    items.sort(
        key=lambda i: (i.due_on.isoformat(), i.kind.value, str(i.resource_id), i.month or "")
    )
    return items


def walk_pages(client, ctx, limit: int, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"limit": limit, **params} | ({"cursor": cursor} if cursor else {})
        page = ok(client.get("/v1/deadlines", headers=ctx["headers"], params=query))
        assert len(page["items"]) == limit or page["next_cursor"] is None
        out += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return out


@pytest.fixture
def busy_firm(client, clock) -> dict[str, Any]:
    """One firm, two clients, requests at every stage and claims in every state, on 2020-07-15."""
    ctx = ready_establishment(client)  # tokens are minted on real time
    clock.current = datetime(2020, 7, 15, 12, tzinfo=UTC)
    h = ctx["headers"]
    company = make_client(client, h, headcount=80)
    est = make_establishment(client, h, company)
    upload_contract(client, h, company["id"])
    habilitate(client, h, est["id"])
    big = {"headers": h, "client": company, "establishment": est}

    # accepted, with claims filed, drafted, rejected, paid and a correction drafted
    a = accepted_request(client, ctx)
    april = ok(create_claim(client, ctx, a["id"], "2020-04"), 201)
    file(client, ctx, april["id"], "2020-05-04")
    ok(create_claim(client, ctx, a["id"], "2020-05", payroll_paid_on="2020-05-29"), 201)
    june = ok(create_claim(client, ctx, a["id"], "2020-06", payroll_paid_on="2020-06-30"), 201)
    file(client, ctx, june["id"], "2020-07-02")
    ok(
        client.post(
            f"/v1/claims/{june['id']}/reject", headers=h, json={"reason": "x", "on": "2020-07-03"}
        )
    )
    for action, body in (
        ("validate", {"on": "2020-05-10"}),
        ("paid", {"paid_on": "2020-05-15", "amount": "1.00"}),
    ):
        ok(client.post(f"/v1/claims/{april['id']}/{action}", headers=h, json=body))
    ok(client.post(f"/v1/claims/{april['id']}/corrections", headers=h, json={}), 201)

    # accepted, extended by an amendment accepted by silence, a claim filed
    b = create_request(
        client,
        big,
        start_on="2020-04-01",
        end_on="2020-05-31",
        forecast_hours="1000",
        cse={"status": "given", "consulted_on": "2020-03-18", "opinion": "favourable"},
    )
    assert file_request(client, big, b["id"]).status_code == 200
    amendment = ok(
        client.post(
            f"/v1/authorization-requests/{b['id']}/amendments",
            headers=h,
            json={"end_on": "2020-09-30"},
        ),
        201,
    )
    ok(
        client.post(
            f"/v1/amendments/{amendment['id']}/file",
            headers=h,
            json={"filed_at": "2020-05-20T10:00:00+02:00"},
        )
    )
    may = ok(create_claim(client, big, b["id"], "2020-05", payroll_paid_on="2020-05-29"), 201)
    file(client, big, may["id"], "2020-06-03")
    # a claim of the extension's months, then the extension invalidated: that claim now lies
    # outside the authorized period and must not make up for the April still due
    june = ok(create_claim(client, big, b["id"], "2020-06", payroll_paid_on="2020-06-30"), 201)
    file(client, big, june["id"], "2020-07-02")
    withdrawal = {"outcome": "invalidated", "decided_on": "2020-07-15", "reason": "Retrait"}
    ok(client.post(f"/v1/amendments/{amendment['id']}/decision", headers=h, json=withdrawal))

    # a draft, a refused one, one filed and waiting, one with a deferred CSE opinion
    create_request(client, ctx, start_on="2020-08-01", end_on="2020-08-31", forecast_hours="500")
    refused = create_request(
        client,
        big,
        start_on="2020-10-01",
        end_on="2020-10-31",
        forecast_hours="500",
        cse={"status": "given", "consulted_on": "2020-07-01", "opinion": "favourable"},
    )
    assert file_request(client, big, refused["id"], "2020-07-14T10:00:00+02:00").status_code == 200
    decision = {"outcome": "refused", "decided_on": "2020-07-15", "reason": "Non"}
    ok(
        client.post(
            f"/v1/authorization-requests/{refused['id']}/decision", headers=h, json=decision
        )
    )
    waiting = create_request(
        client, ctx, start_on="2020-11-01", end_on="2020-11-30", forecast_hours="500"
    )
    assert file_request(client, ctx, waiting["id"], "2020-07-14T09:00:00+02:00").status_code == 200
    deferred = create_request(
        client,
        big,
        start_on="2020-12-01",
        end_on="2020-12-31",
        forecast_hours="500",
        cse={"status": "deferred"},
    )
    assert file_request(client, big, deferred["id"], "2020-07-14T11:00:00+02:00").status_code == 200
    return ctx


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2020, 7, 15, 12, tzinfo=UTC),
        datetime(2020, 10, 2, 9, tzinfo=UTC),
        datetime(2021, 7, 1, 12, tzinfo=UTC),
    ],
)
def test_the_deadlines_view_answers_as_the_algorithm_it_replaced(
    client, clock, connection, portal, busy_firm, moment
):
    ctx = busy_firm
    clock.current = moment
    firm = ok(client.get("/v1/firm", headers=ctx["headers"]))

    async def oracle() -> list[Deadline]:
        async with AsyncSession(bind=connection, join_transaction_mode="create_savepoint") as s:
            return await reference_deadlines(s, uuid.UUID(firm["id"]), paris_date(moment), moment)

    expected = [d.model_dump(mode="json") for d in portal.call(oracle)]
    assert len({d["kind"] for d in expected}) >= 3
    for limit in (1, 2, 3, 5, 100):
        assert walk_pages(client, ctx, limit) == expected
    for kind in DeadlineKind:
        assert walk_pages(client, ctx, 2, kind=kind.value) == [
            d for d in expected if d["kind"] == kind
        ]
    for overdue in (True, False):
        assert walk_pages(client, ctx, 3, overdue=str(overdue).lower()) == [
            d for d in expected if d["overdue"] is overdue
        ]
    for d in {d["due_on"] for d in expected}:
        assert walk_pages(client, ctx, 2, due_before=d) == [e for e in expected if e["due_on"] < d]


def test_the_deadlines_view_takes_the_same_statements_whatever_the_history(
    client, connection, clock
):
    ctx = ready_establishment(client)  # tokens are minted on real time
    clock.current = datetime(2021, 7, 1, 12, tzinfo=UTC)
    request = roomy_request(client, ctx, employees=4, hours="5000")
    with counting(connection) as empty:
        ok(client.get("/v1/deadlines", headers=ctx["headers"]))
    for month in ("2020-04", "2020-05", "2020-06", "2020-07", "2020-08", "2020-09", "2020-10"):
        claim = ok(create_claim(client, ctx, request["id"], month, lines(4), f"{month}-28"), 201)
        file(client, ctx, claim["id"], "2021-01-05")
    with counting(connection) as busy:
        page = ok(client.get("/v1/deadlines", headers=ctx["headers"], params={"limit": 2}))
    assert [d["month"] for d in page["items"]] == ["2020-03", "2020-11"]
    assert busy.count == empty.count, (empty.seen, busy.seen)


def test_a_claim_of_2000_lines_goes_in_within_the_parameter_limits(client, connection):
    """PostgreSQL: one INSERT of one array parameter per column, whatever the lines; SQLite:
    multi-row INSERTs of as many lines as its limit of 32,766 parameters holds (at most 1,000)."""
    ctx = ready_establishment(client)
    request = roomy_request(client, ctx, employees=2000, hours="100000")
    with counting(connection) as created:
        claim = ok(
            create_claim(client, ctx, request["id"], "2020-06", lines(2000), "2020-06-30"), 201
        )
    assert claim["employee_count"] == 2000
    inserts = sum(s.startswith("INSERT INTO claim_line") for s in created.seen)
    per_insert = min(1000, 32766 // len(ClaimLine.__table__.c))  # type: ignore[attr-defined]
    assert inserts == (1 if connection.dialect.name == "postgresql" else -(-2000 // per_insert))
    listed = ok(client.get(f"/v1/claims/{claim['id']}", headers=ctx["headers"]))
    assert [ln["employee_ref"] for ln in listed["lines"]] == [f"E{i:04d}" for i in range(2000)]

"""APLD claims under real concurrency: simultaneous filings on a running server with several
worker processes, on the database the suite runs on (SQLite or PostgreSQL). R39, R40."""

from collections import Counter

import httpx
import pytest

from tests.apld.support import apld_claim, decided_agreement, file_claim
from tests.claims.test_concurrency import simultaneously
from tests.support.builders import make_establishment
from tests.support.lifecycle import (
    create_request,
    file_request,
    habilitate,
    line,
    ready_establishment,
)
from tests.support.live_server import live_server

pytestmark = pytest.mark.server

NIR = "1 85 05 78 006 084 91"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_server(tmp_path_factory.mktemp("apld_server"), "apld_concurrency") as base:
        yield base


@pytest.fixture
def http(server):
    with httpx.Client(base_url=server, timeout=60) as c:
        yield c


def test_r39_racing_filings_of_four_establishments_never_pass_the_limit(server, http):
    ctx = ready_establishment(http)
    others = [make_establishment(http, ctx["headers"], ctx["client"], n=n) for n in (2, 3, 4)]
    for est in others:
        habilitate(http, ctx["headers"], est["id"])
    covered = [ctx["establishment"]["id"], *(e["id"] for e in others)]
    # 0.40 × 151.67 h × 6 months = 364.008 h for the employee, nothing neutralised
    agreement = decided_agreement(
        http,
        ctx,
        establishment_ids=covered,
        start_on="2020-07-01",
        duration_months=6,
        filed_at="2020-07-10T10:00:00+02:00",
        decided_on="2020-07-20",
    )
    for month, paid in (("2020-07", "2020-07-31"), ("2020-08", "2020-08-31")):
        full = [line(nir=NIR, hours_not_worked="151.67")]
        claim = apld_claim(http, ctx, agreement["id"], month, full, paid).json()
        assert file_claim(http, ctx, claim["id"], "2020-09-02").status_code == 200
    # 303.34 h used: 40 h more at any one establishment fit, 80 h do not
    forty = [line(nir=NIR, hours_not_worked="40")]
    drafts = [
        apld_claim(http, ctx, agreement["id"], "2020-09", forty, "2020-09-30", est).json()
        for est in covered
    ]
    calls = [(f"/v1/claims/{d['id']}/file", {"filed_on": "2020-10-01"}) for d in drafts]

    responses = simultaneously(server, ctx["headers"], calls)

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 422: 3}, [r.text for r in responses]
    for r in responses:
        if r.status_code == 422:
            assert r.json()["code"] == "apld_reduction_exceeded"


MONTHS = ("2021-02", "2021-03", "2021-04", "2021-05", "2021-06")


def test_r40_racing_apld_and_ordinary_filings_let_one_of_each_pair_through(server, http):
    ctx = ready_establishment(http)
    agreement = decided_agreement(http, ctx)  # authorization 2021-01-04 – 2021-07-03
    # an ordinary request over the same months (motive 5 stays open under APLD)
    draft = create_request(
        http, ctx, start_on="2021-01-04", end_on="2021-07-03", forecast_hours="1500"
    )
    assert file_request(http, ctx, draft["id"], "2020-12-20T10:00:00+01:00").status_code == 200
    decided = http.post(
        f"/v1/authorization-requests/{draft['id']}/decision",
        headers=ctx["headers"],
        json={
            "outcome": "accepted",
            "decided_on": "2020-12-28",
            "decision_number": "DEC-2020-12",
            "authorized_hours": "1200",
            "authorized_employees": 4,
        },
    )
    assert decided.status_code == 200, decided.text
    lines = [line(nir=NIR, hours_not_worked="20")]
    calls = []
    for month in MONTHS:
        paid = f"{month}-28"
        ordinary = http.post(
            f"/v1/authorization-requests/{draft['id']}/claims",
            headers=ctx["headers"],
            json={"month": month, "payroll_paid_on": paid, "lines": lines},
        ).json()
        apld = apld_claim(http, ctx, agreement["id"], month, lines, paid).json()
        calls += [
            (f"/v1/claims/{c['id']}/file", {"filed_on": "2021-08-02"}) for c in (ordinary, apld)
        ]

    responses = simultaneously(server, ctx["headers"], calls)

    for pair in range(len(MONTHS)):
        statuses = sorted(r.status_code for r in responses[2 * pair : 2 * pair + 2])
        assert statuses == [200, 422], [r.text for r in responses]
    for r in responses:
        if r.status_code == 422:
            assert r.json()["code"] == "apld_cumulation"

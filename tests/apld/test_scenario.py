"""A whole APLD file through the API, on the database the suite runs on (SQLite or PostgreSQL):
a unilateral document homologated by silence, two renewals, fourteen monthly claims across the
neutralised months, an employee refused at the 40 % limit (R39), then a paid claim."""

import calendar
from datetime import date

from fastapi.testclient import TestClient

from tests.apld.support import apld_claim, file_claim, file_renewal, filed_agreement, grant
from tests.support.lifecycle import line, ready_establishment, walk_claim
from tests.support.problems import assert_problem

A = "1 85 05 78 006 084 91"
B = "2 55 08 14 168 025 38"
FULL = "151.67"
# 2020-10, then 2021-01 – 2021-11: fourteen months; 2020-11 – 2021-06 are neutralised
MONTHS = [date(2020, 10, 1), date(2020, 11, 1), date(2020, 12, 1)] + [
    date(2021, m, 1) for m in range(1, 12)
]


def month_end(month: date) -> str:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1]).isoformat()


def filed_on(month: date) -> str:
    # the 5th of the next month, but never before the tacit homologation (2020-12-16)
    nxt = date(month.year + month.month // 12, month.month % 12 + 1, 5)
    return max(nxt, date(2020, 12, 20)).isoformat()


def test_an_apld_file_from_the_agreement_to_a_paid_claim(client: TestClient):
    ctx = ready_establishment(client)
    h = ctx["headers"]
    # Filed 2020-11-25: homologated by silence 21 days later, from mid-December 2020, so the
    # months 2020-11 – 2021-06 are neutralised; 12 counted months from 2020-10 end 2022-05-31.
    agreement = filed_agreement(
        client,
        ctx,
        "2020-11-25T10:00:00+01:00",
        type="unilateral_document",
        has_cse=False,
        start_on="2020-10-01",
        duration_months=12,
    )
    read = client.get(f"/v1/apld-agreements/{agreement['id']}", headers=h).json()
    assert read["status"] == "homologated_implicitly"
    assert read["tacit_decision_at"].startswith("2020-12-16")
    assert read["neutralisation"]["automatic"] is True
    assert read["authorizations"][0]["end_on"] == "2021-03-31"

    first = file_renewal(client, ctx, agreement["id"], "2021-03-15")
    assert first.status_code == 201, first.text
    grant(client, ctx, first.json()["id"], "2021-03-25")
    second = file_renewal(client, ctx, agreement["id"], "2021-09-15")
    assert second.status_code == 201, second.text
    grant(client, ctx, second.json()["id"], "2021-09-25")
    read = client.get(f"/v1/apld-agreements/{agreement['id']}", headers=h).json()
    assert [(a["start_on"], a["end_on"]) for a in read["authorizations"]] == [
        ("2020-10-01", "2021-03-31"),
        ("2021-04-01", "2021-09-30"),
        ("2021-10-01", "2022-03-31"),
    ]
    # 2020-10 and 2021-07 – 2022-03: the neutralised months are not used
    assert read["usage"]["months_used"] == 10

    # A is fully suspended every month, B off 40 h a month. Allowed: 0.40 × 151.67 h × 12
    # = 728.016 h; only 2020-10 and 2021-07 on count, so A reaches it in 2021-10.
    claims = {}
    for month in MONTHS:
        lines = [line("A", nir=A, hours_not_worked=FULL), line("B", nir=B, hours_not_worked="40")]
        created = apld_claim(
            client, ctx, agreement["id"], f"{month:%Y-%m}", lines, month_end(month)
        )
        assert created.status_code == 201, created.text
        claim = created.json()
        claims[month] = claim["id"]
        response = file_claim(client, ctx, claim["id"], filed_on(month))
        if month == date(2021, 10, 1):
            # 151.67 × 4 counted months + 151.67 = 758.35 h: refused, naming A's line
            body = assert_problem(response, 422, "apld_reduction_exceeded")
            assert "R39" in body["detail"] and "1 ** ** ** *** *** 91" in body["detail"]
            assert body["errors"][0]["field"] == "lines.0.hours_not_worked"
            # 121.33 h bring A to 728.01 h, within the limit
            lines[0]["hours_not_worked"] = "121.33"
            patched = client.patch(f"/v1/claims/{claim['id']}", headers=h, json={"lines": lines})
            assert patched.status_code == 200, patched.text
            response = file_claim(client, ctx, claim["id"], filed_on(month))
        elif month == date(2021, 11, 1):
            assert_problem(response, 422, "apld_reduction_exceeded")
            patched = client.patch(
                f"/v1/claims/{claim['id']}", headers=h, json={"lines": lines[1:]}
            )
            assert patched.status_code == 200, patched.text
            response = file_claim(client, ctx, claim["id"], filed_on(month))
        assert response.status_code == 200, (month, response.text)

    meter = client.get(f"/v1/apld-agreements/{agreement['id']}/meter", headers=h).json()
    assert [(i["employee_ref"], i["used"], i["allowed"], i["left"]) for i in meter["items"]] == [
        ("A", "728.01", "728.02", "0.01"),
        ("B", "240.00", "728.02", "488.02"),
    ]

    # The November claim: B's 40 h at 12.50 €: 70 % (8.75 €), and the APLD floor of 2021-11
    # (8.30 €) above 60 % (7.50 €; the general regime's 36 % is lower still)
    november = claims[date(2021, 11, 1)]
    walk_claim(
        client,
        h,
        november,
        [
            ("validate", {"on": "2021-12-15"}),
            ("paid", {"paid_on": "2021-12-28", "amount": "332.00"}),
        ],
    )
    paid = client.get(f"/v1/claims/{november}", headers=h).json()
    assert (paid["status"], paid["total_indemnity"], paid["total_allocation"]) == (
        "paid",
        "350.00",
        "332.00",
    )
    assert paid["discrepancy"] == "0.00"
    listed = client.get(
        f"/v1/apld-agreements/{agreement['id']}/claims", headers=h, params={"limit": 100}
    ).json()
    assert len(listed["items"]) == 14
    assert {c["status"] for c in listed["items"]} == {"filed", "paid"}

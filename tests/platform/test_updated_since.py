"""`updated_since` on the main lists: only what was created or changed at or after a moment
(for incremental synchronisation), a moment given with its UTC offset."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.builders import firm_headers, make_client, make_establishment
from tests.support.lifecycle import create_request, line, ok, setup_request
from tests.support.problems import assert_problem, error_fields

Made = tuple[dict[str, str], str, Callable[[], str], Callable[[str], None]]


def ids(client, headers, path: str, since: datetime) -> set[str]:
    params = {"updated_since": since.isoformat(), "limit": 100}
    return {item["id"] for item in ok(client.get(path, headers=headers, params=params))["items"]}


def clients_list(client) -> Made:
    ctx, _ = setup_request(client)
    h = ctx["headers"]

    def edit(item_id: str) -> None:
        ok(client.patch(f"/v1/clients/{item_id}", headers=h, json={"legal_name": "Renommée"}))

    return h, "/v1/clients", lambda: make_client(client, h)["id"], edit


def establishments_list(client) -> Made:
    ctx, _ = setup_request(client)
    h = ctx["headers"]
    numbers = iter([8, 9])

    def edit(item_id: str) -> None:
        ok(client.patch(f"/v1/establishments/{item_id}", headers=h, json={"name": "Renommé"}))

    return (
        h,
        "/v1/establishments",
        lambda: make_establishment(client, h, ctx["client"], n=next(numbers))["id"],
        edit,
    )


def requests_list(client) -> Made:
    ctx, _ = setup_request(client)
    h = ctx["headers"]

    periods = iter([("2020-08-03", "2020-08-31"), ("2020-09-01", "2020-09-30")])

    def make() -> str:
        start, end = next(periods)
        return create_request(client, ctx, start_on=start, end_on=end)["id"]

    def edit(item_id: str) -> None:
        path = f"/v1/authorization-requests/{item_id}"
        ok(client.patch(path, headers=h, json={"employees_concerned": 3}))

    return h, "/v1/authorization-requests", make, edit


def claims_list(client) -> Made:
    ctx, request_id = setup_request(client)
    h = ctx["headers"]
    months = iter(["2020-04", "2020-05"])

    def make() -> str:
        body = {"month": next(months), "lines": [line()], "payroll_paid_on": "2020-05-29"}
        path = f"/v1/authorization-requests/{request_id}/claims"
        return ok(client.post(path, headers=h, json=body), 201)["id"]

    def edit(item_id: str) -> None:
        ok(client.post(f"/v1/claims/{item_id}/file", headers=h, json={"filed_on": "2020-06-02"}))

    return h, "/v1/claims", make, edit


def users_list(client) -> Made:
    ctx, _ = setup_request(client)
    h = ctx["headers"]
    made = iter(range(2))

    def make() -> str:
        n = next(made)
        body = {
            "email": f"user{n}-{datetime.now(UTC).timestamp()}@example.fr",
            "full_name": "Utilisateur",
            "password": "correct horse battery staple",
            "role": "member",
        }
        return ok(client.post("/v1/users", headers=h, json=body), 201)["id"]

    def edit(item_id: str) -> None:  # a user has no updated_at: its audit event counts
        ok(client.patch(f"/v1/users/{item_id}", headers=h, json={"active": False}))

    return h, "/v1/users", make, edit


LISTS = [clients_list, establishments_list, requests_list, claims_list, users_list]


@pytest.mark.parametrize("made", LISTS, ids=lambda f: f.__name__)
def test_updated_since_gives_what_was_created_or_changed_from_that_moment(client, clock, made):
    headers, path, make, edit = made(client)
    before = make()
    since = datetime.now(UTC)
    after = make()
    found = ids(client, headers, path, since)
    assert after in found and before not in found
    # A change made at a later moment (the service's clock) brings the older item back.
    clock.current = since + timedelta(hours=1)
    edit(before)
    assert {before, after} <= ids(client, headers, path, since)
    assert before in ids(client, headers, path, since + timedelta(minutes=59))
    assert after not in ids(client, headers, path, since + timedelta(minutes=59))


@pytest.mark.parametrize(
    "path",
    ["/v1/clients", "/v1/establishments", "/v1/authorization-requests", "/v1/claims", "/v1/users"],
)
@pytest.mark.parametrize(
    ("value", "code"),
    [("2020-04-01T09:30:00", "datetime_timezone_required"), ("yesterday", "datetime_format")],
)
def test_updated_since_needs_a_moment_with_its_offset(client, path, value, code):
    headers = firm_headers(client)[1]
    response = client.get(path, headers=headers, params={"updated_since": value})
    body = assert_problem(response, 422, "validation_error")
    assert error_fields(body) == {"updated_since"}
    assert body["errors"][0]["type"] == code

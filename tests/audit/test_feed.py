"""The change feed over HTTP: `GET /v1/events?after=…` gives the firm's events in commit order
from a cursor, and the cursor to ask from next, even when nothing is new."""

from typing import Any

import pytest

from tests.support.builders import firm_headers, make_client, make_establishment
from tests.support.problems import assert_problem, error_fields


def feed(client, headers, after: str, **params: Any) -> dict[str, Any]:
    response = client.get("/v1/events", headers=headers, params={"after": after, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["next_cursor"] is None
    return body


def follow(client, headers, after: str = "0", **params: Any) -> tuple[list[dict[str, Any]], str]:
    """Every event after `after`, page by page, and the last cursor."""
    seen: list[dict[str, Any]] = []
    while True:
        body = feed(client, headers, after, **params)
        assert isinstance(body["next"], str)
        if not body["items"]:
            return seen, body["next"]
        seen += body["items"]
        after = body["next"]


@pytest.fixture
def firm(client) -> dict[str, Any]:
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    establishment = make_establishment(client, headers, company)
    return {"headers": headers, "client": company, "establishment": establishment}


def rename(client, firm, name: str) -> None:
    url = f"/v1/establishments/{firm['establishment']['id']}"
    assert client.patch(url, headers=firm["headers"], json={"name": name}).status_code == 200


def test_the_feed_gives_the_same_events_as_the_trail_in_order(client, firm):
    rename(client, firm, "Boulangerie du Port")
    trail = client.get("/v1/events", headers=firm["headers"]).json()["items"]
    seen, _ = follow(client, firm["headers"], limit=1)
    assert [e["id"] for e in seen] == [e["id"] for e in trail]
    assert [e["action"] for e in seen] == ["establishment.created", "establishment.updated"]


def test_polling_from_the_last_cursor_gives_only_what_was_written_since(client, firm):
    _, cursor = follow(client, firm["headers"])
    rename(client, firm, "Boulangerie du Port")
    rename(client, firm, "Boulangerie du Quai")
    new, later = follow(client, firm["headers"], cursor)
    assert [e["action"] for e in new] == ["establishment.updated"] * 2
    assert later != cursor


def test_an_empty_page_gives_back_the_cursor_so_the_poller_keeps_its_place(client, firm):
    _, cursor = follow(client, firm["headers"])
    body = feed(client, firm["headers"], cursor)
    assert body["items"] == [] and body["next"] == cursor


def test_a_firm_without_events_starts_and_stays_at_the_beginning(client):
    _, headers = firm_headers(client)
    body = feed(client, headers, "0")
    assert body == {"items": [], "next_cursor": None, "next": "0"}


def test_a_failed_write_leaves_no_hole_in_the_feed(client, firm):
    _, cursor = follow(client, firm["headers"])
    company = make_client(client, firm["headers"])
    duplicate = {**firm["establishment"], "client_id": company["id"]}
    refused = client.post("/v1/establishments", headers=firm["headers"], json=duplicate)
    assert refused.status_code in (409, 422), refused.text
    rename(client, firm, "Boulangerie du Port")
    body = feed(client, firm["headers"], cursor, limit=1)
    assert [e["action"] for e in body["items"]] == ["establishment.updated"]
    # The cursors count events: the next one is right after, whatever failed in between.
    assert int(body["next"]) == int(cursor) + 1


def test_the_feed_shows_only_the_callers_firm(client, firm):
    _, other = firm_headers(client)
    make_establishment(client, other, make_client(client, other))
    seen, _ = follow(client, firm["headers"])
    assert {e["resource_id"] for e in seen} == {firm["establishment"]["id"]}


def test_the_feed_can_be_filtered_by_action(client, firm):
    rename(client, firm, "Boulangerie du Port")
    seen, _ = follow(client, firm["headers"], action="establishment.updated")
    assert [e["action"] for e in seen] == ["establishment.updated"]


def test_the_feed_takes_up_to_1000_events_a_page_and_100_by_default(client, firm):
    for n in range(101):
        rename(client, firm, f"Nom {n}")
    assert len(feed(client, firm["headers"], "0")["items"]) == 100
    assert len(feed(client, firm["headers"], "0", limit=1000)["items"]) == 102
    too_many = client.get(
        "/v1/events", headers=firm["headers"], params={"after": "0", "limit": 1001}
    )
    assert error_fields(assert_problem(too_many, 422, "validation_error")) == {"limit"}


def test_paging_keeps_its_limit_of_100(client, firm):
    response = client.get("/v1/events", headers=firm["headers"], params={"limit": 101})
    body = assert_problem(response, 422, "validation_error")
    assert error_fields(body) == {"limit"}
    assert body["errors"][0]["type"] == "less_than_equal"
    page = client.get("/v1/events", headers=firm["headers"]).json()
    assert page["next"] is None


@pytest.mark.parametrize("after", ["", "abc", "-1", "01", "1.5", " 1", "1" * 19, "AZ3x"])
def test_a_malformed_cursor_is_refused_naming_after(client, firm, after):
    response = client.get("/v1/events", headers=firm["headers"], params={"after": after})
    assert error_fields(assert_problem(response, 422, "validation_error")) == {"after"}


def test_after_and_cursor_cannot_be_combined(client, firm):
    page = client.get("/v1/events", headers=firm["headers"], params={"limit": 1}).json()
    params = {"after": "0", "cursor": page["next_cursor"]}
    response = client.get("/v1/events", headers=firm["headers"], params=params)
    assert error_fields(assert_problem(response, 422, "validation_error")) == {"after"}

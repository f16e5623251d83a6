"""Optimistic concurrency on users: ETags on their answers, If-Match on edits."""

from tests.support.builders import firm_headers
from tests.support.problems import assert_problem


def test_user_edit_with_a_stale_if_match_is_refused_and_writes_nothing(client):
    _, h = firm_headers(client)
    created = client.post(
        "/v1/users",
        headers=h,
        json={
            "email": "paul@cabinet.fr",
            "full_name": "Paul",
            "password": "correct horse battery staple",
            "role": "member",
        },
    )
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == '"1"'
    path = f"/v1/users/{created.json()['id']}"
    assert client.get(path, headers=h).headers["etag"] == '"1"'
    promoted = client.patch(path, headers={**h, "If-Match": '"1"'}, json={"role": "admin"})
    assert promoted.status_code == 200, promoted.text
    assert promoted.headers["etag"] == '"2"'
    stale = client.patch(path, headers={**h, "If-Match": '"1"'}, json={"active": False})
    assert_problem(stale, 412, "precondition_failed")
    assert client.get(path, headers=h).json()["active"] is True

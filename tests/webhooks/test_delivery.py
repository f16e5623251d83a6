"""The worker against a receiver on 127.0.0.1 that checks every signature with the Standard
Webhooks library: delivery, retries on the schedule (the clock moves, nothing waits), the
endpoint disabled once they run out, the test event, redelivery, and the attempts' list."""

from datetime import timedelta
from typing import Any

from tests.support.lifecycle import accepted_request, create_claim, pay_claim, ready_establishment
from tests.support.problems import assert_problem
from tests.webhooks.conftest import SCHEDULE
from tests.webhooks.receiver import receiving


def register(client, headers, url: str, *types: str) -> dict[str, Any]:
    body = {"url": url, "event_types": list(types) or ["claim.paid"]}
    response = client.post("/v1/webhook-endpoints", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def attempts(client, headers, endpoint_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/v1/webhook-endpoints/{endpoint_id}/attempts", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_a_decision_and_a_payment_arrive_signed(client, deliver):
    ctx = ready_establishment(client)
    h = ctx["headers"]
    with receiving() as receiver:
        endpoint = register(client, h, receiver.url, "authorization_request.decided", "claim.paid")
        receiver.secret = endpoint["secret"]
        request = accepted_request(client, ctx)
        claim = create_claim(client, ctx, request["id"]).json()
        pay_claim(client, ctx, claim["id"])
        assert deliver() == 2
    payloads = receiver.verified()
    assert [p["type"] for p in payloads] == ["authorization_request.decided", "claim.paid"]
    assert payloads[0]["data"]["resource_id"] == request["id"]
    assert payloads[1]["data"]["resource_id"] == claim["id"]
    first = receiver.received[0].headers
    assert first["webhook-id"].startswith("msg_") and first["webhook-signature"].startswith("v1,")
    done = attempts(client, h, endpoint["id"])
    assert [(a["number"], a["succeeded"], a["status_code"]) for a in done] == [
        (1, True, 200),
        (1, True, 200),
    ]
    assert len(done[0]["response_excerpt"]) == 1024 and done[0]["duration_ms"] >= 0


def test_a_receiver_failing_three_times_gets_the_fourth_attempt(client, clock, deliver):
    ctx = ready_establishment(client)
    h = ctx["headers"]
    with receiving(statuses=[500, 503, 500]) as receiver:
        endpoint = register(client, h, receiver.url)
        receiver.secret = endpoint["secret"]
        request = accepted_request(client, ctx)
        claim = create_claim(client, ctx, request["id"]).json()
        pay_claim(client, ctx, claim["id"])
        assert deliver() == 1
        assert deliver() == 0  # not due before the schedule says
        for delay in SCHEDULE:
            clock.current += timedelta(seconds=delay)
            assert deliver() == 1
    assert len(receiver.received) == 4
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    assert len(receiver.verified()) == 4  # each attempt signed anew, each valid
    done = attempts(client, h, endpoint["id"])
    assert [(a["number"], a["status_code"], a["succeeded"]) for a in done] == [
        (1, 500, False),
        (2, 503, False),
        (3, 500, False),
        (4, 200, True),
    ]
    [delivery] = client.get(f"/v1/webhook-endpoints/{endpoint['id']}/deliveries", headers=h).json()[
        "items"
    ]
    assert delivery["status"] == "succeeded" and delivery["attempts"] == 4
    assert client.get(f"/v1/webhook-endpoints/{endpoint['id']}", headers=h).json()["enabled"]


def test_the_endpoint_is_disabled_when_every_retry_failed(client, clock, deliver):
    ctx = ready_establishment(client)
    h = ctx["headers"]
    with receiving(statuses=[500] * 10) as receiver:
        endpoint = register(client, h, receiver.url)
        request = accepted_request(client, ctx)
        claim = create_claim(client, ctx, request["id"]).json()
        pay_claim(client, ctx, claim["id"])
        deliver()
        for delay in SCHEDULE:
            clock.current += timedelta(seconds=delay)
            deliver()
        clock.current += timedelta(days=2)
        assert deliver() == 0
    assert len(receiver.received) == len(SCHEDULE) + 1
    path = f"/v1/webhook-endpoints/{endpoint['id']}"
    after = client.get(path, headers=h).json()
    assert after["enabled"] is False and after["disabled_at"] is not None
    assert "failed" in after["disabled_reason"]
    [delivery] = client.get(f"{path}/deliveries", headers=h).json()["items"]
    assert delivery["status"] == "failed" and delivery["next_attempt_at"] is None
    events = client.get("/v1/events", headers=h, params={"resource_id": endpoint["id"]}).json()
    disabled = [e for e in events["items"] if e["action"] == "webhook_endpoint.disabled"]
    assert len(disabled) == 1 and disabled[0]["actor_id"] is None
    # a disabled endpoint takes no test nor redelivery until it is enabled again
    assert_problem(client.post(f"{path}/test", headers=h), 409, "webhook_endpoint_disabled")
    assert client.patch(path, headers=h, json={"enabled": True}).status_code == 200
    with receiving() as receiver:
        client.patch(path, headers=h, json={"url": receiver.url})
        receiver.secret = endpoint["secret"]
        response = client.post(f"{path}/deliveries/{delivery['id']}/redeliver", headers=h)
        assert response.status_code == 202, response.text
        again = response.json()
        assert again["message_id"] == delivery["message_id"] and again["status"] == "pending"
        assert deliver() == 1
    [payload] = receiver.verified()
    assert payload["type"] == "claim.paid"
    assert receiver.received[0].headers["webhook-id"] == delivery["message_id"]


def test_a_test_event_is_sent_and_a_pending_delivery_cannot_be_redelivered(client, deliver):
    ctx = ready_establishment(client)
    h = ctx["headers"]
    with receiving() as receiver:
        endpoint = register(client, h, receiver.url)
        receiver.secret = endpoint["secret"]
        path = f"/v1/webhook-endpoints/{endpoint['id']}"
        response = client.post(f"{path}/test", headers=h)
        assert response.status_code == 202, response.text
        queued = response.json()
        assert queued["event_type"] == "webhook.test" and queued["status"] == "pending"
        redo = client.post(f"{path}/deliveries/{queued['id']}/redeliver", headers=h)
        assert_problem(redo, 409, "webhook_delivery_pending")
        assert deliver() == 1
    [payload] = receiver.verified()
    assert payload["type"] == "webhook.test"
    assert payload["data"] == {"endpoint_id": endpoint["id"]}


def test_a_wrong_secret_does_not_verify(client, deliver):
    ctx = ready_establishment(client)
    with receiving() as receiver:
        endpoint = register(client, ctx["headers"], receiver.url)
        receiver.secret = "whsec_" + "A" * 43 + "="
        client.post(f"/v1/webhook-endpoints/{endpoint['id']}/test", headers=ctx["headers"])
        deliver()
    assert len(receiver.received) == 1 and receiver.verified() == []


def test_a_deleted_endpoint_is_not_delivered_to(client, deliver):
    ctx = ready_establishment(client)
    with receiving() as receiver:
        endpoint = register(client, ctx["headers"], receiver.url)
        path = f"/v1/webhook-endpoints/{endpoint['id']}"
        client.post(f"{path}/test", headers=ctx["headers"])
        assert client.delete(path, headers=ctx["headers"]).status_code == 204
        assert deliver() == 0
    assert receiver.received == []

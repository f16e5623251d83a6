"""The pure rules of webhooks: which audit actions announce what, the body, the retry
schedule and its jitter, the establishment-limit thresholds."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.audit.models import AuditAction
from app.config import Settings
from app.webhooks import rules
from app.webhooks.models import WebhookEventType


def test_every_mapped_action_is_a_registered_audit_action():
    assert set(rules.EVENT_OF_ACTION) <= {a.value for a in AuditAction}
    assert set(rules.LIMIT_ACTIONS) <= {a.value for a in AuditAction}


def test_the_required_event_types_exist():
    required = {
        "authorization_request.filed",
        "authorization_request.implicitly_accepted",
        "authorization_request.decided",
        "amendment.decided",
        "claim.filed",
        "claim.validated",
        "claim.rejected",
        "claim.paid",
        "deadline.due_soon",
        "deadline.overdue",
        "firm.establishment_limit_near",
    }
    assert required <= {e.value for e in WebhookEventType}


def test_every_decision_is_announced_as_decided():
    for outcome in ("accepted", "refused", "invalidated"):
        assert (
            rules.EVENT_OF_ACTION[f"authorization_request.{outcome}"]
            == "authorization_request.decided"
        )
        assert rules.EVENT_OF_ACTION[f"amendment.{outcome}"] == "amendment.decided"
    assert "claim.created" not in rules.EVENT_OF_ACTION


def test_the_body_is_the_standard_webhooks_shape():
    body = json.loads(rules.payload("claim.paid", datetime(2020, 5, 15, 8, tzinfo=UTC), {"a": 1}))
    assert body == {"type": "claim.paid", "timestamp": "2020-05-15T08:00:00Z", "data": {"a": 1}}


def test_the_default_schedule_spans_more_than_a_day_even_jittered_down(tmp_path):
    schedule = Settings(data_dir=tmp_path, jwt_secret="s" * 40).webhook_retry_seconds
    assert sum(schedule) * (1 - rules.JITTER) >= 24 * 3600
    assert schedule == sorted(schedule) and schedule[0] <= 10


@given(st.integers(1, 7), st.floats(0, 1, exclude_max=True))
def test_each_retry_is_the_schedule_s_delay_within_the_jitter(failures, rand):
    schedule = [5, 300, 1800, 7200, 18000, 36000, 36000]
    delay = rules.retry_delay(failures, schedule, rand)
    base = schedule[failures - 1]
    assert delay is not None
    assert timedelta(seconds=base * 0.8) <= delay <= timedelta(seconds=base * 1.2)


def test_after_the_last_delay_there_is_no_retry():
    assert rules.retry_delay(3, [5, 60], 0.5) is None
    assert rules.retry_delay(2, [5, 60], 0.5) == timedelta(seconds=60)


@pytest.mark.parametrize(("active", "reached"), [(189, None), (190, 190), (199, None), (200, 200)])
def test_the_limit_is_announced_at_190_and_200(active, reached):
    assert rules.limit_reached(active) == reached


def test_an_excerpt_is_at_most_1024_characters_even_of_broken_utf8():
    assert len(rules.excerpt("é".encode() * 2000)) == 1024
    assert rules.excerpt(b"\xff\xfeok").endswith("ok")


def test_a_secret_is_a_standard_webhooks_secret():
    from standardwebhooks import Webhook

    secret = rules.new_secret()
    assert secret.startswith("whsec_") and secret != rules.new_secret()
    Webhook(secret)  # accepted by the library

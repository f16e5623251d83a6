"""Examples of the webhook operations in the OpenAPI document: request bodies by operation id,
answers by component schema."""

from typing import Any

_ENDPOINT_ID = "01950a1b-2c3d-7e4f-8a5b-6c7d8e9f0a1b"
_DELIVERY_ID = "01950a1c-3d4e-7f50-8b6c-7d8e9f0a1b2c"
_ENDPOINT = {
    "id": _ENDPOINT_ID,
    "url": "https://paie.example.com/hooks/apart",
    "description": "Logiciel de paie",
    "event_types": ["authorization_request.decided", "claim.paid"],
    "enabled": True,
    "disabled_reason": None,
    "disabled_at": None,
    "created_at": "2020-03-16T09:00:00Z",
}
_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
_DELIVERY = {
    "id": _DELIVERY_ID,
    "endpoint_id": _ENDPOINT_ID,
    "message_id": f"msg_{_DELIVERY_ID.replace('-', '')}",
    "event_type": "claim.paid",
    "status": "succeeded",
    "attempts": 4,
    "next_attempt_at": None,
    "delivered_at": "2020-05-15T09:36:10Z",
    "created_at": "2020-05-15T09:00:00Z",
}
_ATTEMPT = {
    "id": "01950a1d-4e5f-7061-8c7d-8e9f0a1b2c3d",
    "delivery_id": _DELIVERY_ID,
    "number": 1,
    "attempted_at": "2020-05-15T09:00:01Z",
    "succeeded": False,
    "status_code": 503,
    "duration_ms": 212,
    "response_excerpt": "Service Unavailable",
    "error": None,
}

WEBHOOK_REQUEST_EXAMPLES: dict[str, Any] = {
    "webhook-endpoints-create": {
        "url": "https://paie.example.com/hooks/apart",
        "event_types": ["authorization_request.decided", "claim.paid"],
        "description": "Logiciel de paie",
    },
    "webhook-endpoints-update": {"enabled": True},
}

WEBHOOK_EXAMPLES: dict[str, Any] = {
    "WebhookEndpointPublic": _ENDPOINT,
    "WebhookEndpointWithSecret": {**_ENDPOINT, "secret": _SECRET},
    "WebhookDeliveryPublic": _DELIVERY,
    "WebhookAttemptPublic": _ATTEMPT,
}

from app.errors import Conflict, InvalidInput


class UnsafeUrl(InvalidInput):
    def __init__(self, reason: str) -> None:
        super().__init__("url", f"refused: {reason}", type="unsafe_url")


class EndpointDisabled(Conflict):
    code, title = "webhook_endpoint_disabled", "Webhook endpoint disabled"

    def __init__(self) -> None:
        super().__init__("This webhook endpoint is disabled: enable it first (PATCH enabled=true)")


class DeliveryPending(Conflict):
    code, title = "webhook_delivery_pending", "Delivery still pending"

    def __init__(self) -> None:
        super().__init__("This delivery is still being tried: redeliver it once it has ended")

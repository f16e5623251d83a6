"""The answers of the `Idempotency-Key` machinery that are errors."""

from app.errors import Conflict, DomainError, FieldError

HEADER = "Idempotency-Key"


class KeyReused(DomainError):
    status, code, title = 422, "idempotency_key_reused", "Idempotency key reused"

    def __init__(self) -> None:
        message = "already used for another request (method, path or body) within its lifetime"
        super().__init__(
            f"{HEADER}: {message}",
            errors=[FieldError(location="header", field=HEADER, type=self.code, message=message)],
        )


class KeyInFlight(Conflict):
    code, title = "idempotency_key_in_flight", "Idempotency key in flight"
    headers = {"Retry-After": "1"}

    def __init__(self) -> None:
        super().__init__(
            f"{HEADER}: the first request with this key is still running; retry shortly"
        )

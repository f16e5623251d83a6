"""The domain's error classes: each carries its HTTP status and a stable `code`; `app.problems`
renders them as RFC 9457 problem details."""

from collections.abc import Sequence

from pydantic import BaseModel, Field


class FieldError(BaseModel):
    # FastAPI's parameter locations; pydantic's own `loc` never names another.
    location: str = Field(json_schema_extra={"enum": ["body", "query", "path", "header", "cookie"]})
    field: str
    type: str
    message: str


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldError] | None = None


def problem_type(code: str) -> str:
    return f"urn:apart-api:problem:{code}"


class DomainError(Exception):
    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"
    # True when the change made before the failure must be kept (a failed login is counted).
    keep_changes: bool = False
    headers: dict[str, str] | None = None

    def __init__(self, detail: str, *, errors: Sequence[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors) if errors else None


class NotFound(DomainError):
    status, code, title = 404, "not_found", "Not found"

    def __init__(self, resource: str) -> None:
        super().__init__(f"{resource} not found")


class Unauthorized(DomainError):
    status, code, title = 401, "unauthorized", "Unauthorized"
    headers = {"WWW-Authenticate": "Bearer"}


class Forbidden(DomainError):
    status, code, title = 403, "forbidden", "Forbidden"


class Conflict(DomainError):
    status, code, title = 409, "conflict", "Conflict"


class InvalidInput(DomainError):
    """Input that is well formed but breaks a rule tied to a field (422 with `errors`)."""

    status, code, title = 422, "validation_error", "Invalid input"

    def __init__(
        self, field: str, message: str, *, type: str | None = None, location: str = "body"
    ) -> None:
        super().__init__(
            f"{field}: {message}",
            errors=[
                FieldError(location=location, field=field, type=type or self.code, message=message)
            ],
        )


class InvalidTransition(Conflict):
    code, title = "invalid_transition", "Transition not allowed"

    def __init__(self, resource: str, status: str, action: str) -> None:
        super().__init__(f"A {resource} in status {status} cannot be {action}")


class DatabaseUnavailable(DomainError):
    """The database cannot be reached now (refused, restarting, out of connections): a
    temporary condition to retry, not a bug."""

    status, code, title = 503, "database_unavailable", "Database unavailable"
    headers = {"Retry-After": "2"}

    def __init__(self, detail: str = "The database cannot be reached now; retry shortly") -> None:
        super().__init__(detail)


class Overloaded(DomainError):
    """More work in flight than the database can take now: answered at once, to retry."""

    status, code, title = 503, "overloaded", "Service overloaded"
    headers = {"Retry-After": "1"}

    def __init__(self, detail: str = "Too many requests in flight; retry shortly") -> None:
        super().__init__(detail)


class PreconditionFailed(DomainError):
    """`If-Match` names another version than the resource's current one (RFC 9110 §13.1.1)."""

    status, code, title = 412, "precondition_failed", "Precondition failed"

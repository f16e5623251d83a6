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


class ItemProblem(BaseModel):
    """The problem one item of a batch (or one row of an import) would get alone."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldError] | None = None


class ItemOutcome(BaseModel):
    index: int = Field(description="The item's position in the batch, from 0")
    line: int | None = Field(
        default=None, description="An imported row's line in the file (the header is line 1)"
    )
    status: int = Field(
        description="201 (done, or would be done alone), or the status of `problem`"
    )
    problem: ItemProblem | None = None


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldError] | None = None
    items: list[ItemOutcome] | None = Field(
        default=None,
        description=(
            "A batch or an import refused as a whole (`batch_rejected`, `import_rejected`): "
            "every item's outcome, in order; nothing was written"
        ),
    )


def problem_type(code: str) -> str:
    return f"urn:apart-api:problem:{code}"


class DomainError(Exception):
    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"
    # True when the change made before the failure must be kept (a failed login is counted).
    keep_changes: bool = False
    headers: dict[str, str] | None = None

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[FieldError] | None = None,
        items: Sequence[ItemOutcome] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors) if errors else None
        self.items = list(items) if items is not None else None


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


class InvalidFields(DomainError):
    """Fields that break their schema, found after the request was read (an item of a batch
    checked on its own): the same 422 `validation_error` as a body FastAPI refused."""

    status, code, title = 422, "validation_error", "Invalid input"

    def __init__(self, errors: Sequence[FieldError]) -> None:
        fields = ", ".join(sorted({e.field for e in errors}))
        super().__init__(f"The request is invalid: {fields}", errors=errors)


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

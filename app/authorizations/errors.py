from collections.abc import Sequence

from app.errors import Conflict, DomainError, FieldError


class IncompleteRequest(DomainError):
    status, code, title = 422, "incomplete_request", "Request incomplete"

    def __init__(self, errors: Sequence[FieldError]) -> None:
        fields = ", ".join(e.field for e in errors)
        super().__init__(f"The request cannot be filed: {fields} (R11)", errors=errors)


class FilingWindowClosed(Conflict):
    code, title = "filing_window_closed", "Filing window closed"


class PeriodTooLong(Conflict):
    code, title = "period_too_long", "Period too long"


class OverlappingRequest(Conflict):
    code, title = "overlapping_request", "Overlapping request"


class CseOpinionRequired(Conflict):
    code, title = "cse_opinion_required", "CSE opinion required"


class RequestNotAccepted(Conflict):
    code, title = "request_not_accepted", "Request not accepted"

    def __init__(self, status: str) -> None:
        super().__init__(
            f"The authorization request is '{status}': this needs an accepted one (R18, R19)"
        )


class IncompleteDecision(DomainError):
    status, code, title = 422, "validation_error", "Invalid input"

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__(
            "An acceptance carries its number, hours and employees (R17)", errors=errors
        )


class MotiveRestrictedByApld(DomainError):
    """R40: an ordinary request of an establishment under an APLD authorization."""

    status, code, title = 422, "apld_motive_restricted", "Motive not open under APLD"

    def __init__(self, detail: str) -> None:
        error = FieldError(location="body", field="motive", type=self.code, message=detail)
        super().__init__(detail, errors=[error])

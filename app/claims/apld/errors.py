from app.claims.errors import DuplicateClaimMonth
from app.errors import Conflict, DomainError, FieldError


class ApldMonthClaimed(DuplicateClaimMonth):
    def __init__(self, month: str) -> None:
        Conflict.__init__(
            self,
            f"The agreement already has a claim of this establishment for {month} (R41); "
            "correct it instead",
        )


class NotAuthorizedYet(Conflict):
    code, title = "apld_not_authorized_yet", "APLD authorization not yet decided"


class ReductionExceeded(DomainError):
    """R39: an employee's hours not worked over the agreement above the maximum reduction."""

    status, code, title = 422, "apld_reduction_exceeded", "APLD maximum reduction exceeded"

    def __init__(self, detail: str, field: str) -> None:
        error = FieldError(location="body", field=field, type=self.code, message=detail)
        super().__init__(detail, errors=[error])


class Cumulation(DomainError):
    """R40: an employee on an APLD line and an ordinary line for the same month."""

    status, code, title = 422, "apld_cumulation", "APLD and ordinary partial activity cumulated"

    def __init__(self, detail: str, field: str) -> None:
        error = FieldError(location="body", field=field, type=self.code, message=detail)
        super().__init__(detail, errors=[error])

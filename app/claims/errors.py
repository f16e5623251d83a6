from decimal import Decimal

from app.errors import Conflict


class PayrollNotPaid(Conflict):
    code, title = "payroll_not_paid", "Payroll not paid"

    def __init__(
        self, detail: str = "A claim is filed once the month's pay has been paid (R20)"
    ) -> None:
        super().__init__(detail)


class ClaimTimeBarred(Conflict):
    code, title = "claim_time_barred", "Claim time-barred"


class DuplicateClaimMonth(Conflict):
    code, title = "duplicate_claim_month", "Claim already exists for this month"

    def __init__(self, month: str) -> None:
        super().__init__(f"The request already has a claim for {month} (R19); correct it instead")


class MonthOutsideAuthorization(Conflict):
    code, title = "month_outside_authorization", "Month outside the authorized period"


class HoursExceedAuthorized(Conflict):
    code, title = "hours_exceed_authorized", "Hours above the authorization"

    def __init__(self, requested: Decimal, remaining: Decimal) -> None:
        super().__init__(
            f"This claim asks {requested} h not worked; {remaining} h remain authorized (R22)"
        )
        self.remaining = remaining


class EmployeesExceedAuthorized(Conflict):
    code, title = "employees_exceed_authorized", "Employees above the authorization"

    def __init__(self, count: int, authorized: int) -> None:
        super().__init__(f"This claim has {count} employees; {authorized} are authorized (R22)")


class AnnualQuotaExceeded(Conflict):
    code, title = "annual_quota_exceeded", "Annual quota exceeded"

    def __init__(self, employee_ref: str, year: int, quota: Decimal, remaining: Decimal) -> None:
        super().__init__(
            f"Employee {employee_ref}: {remaining} h remain of the {quota} h quota for {year} (R22)"
        )

"""The claw-back's rules as pure functions (R42)."""

from datetime import date
from decimal import Decimal

from app.claims.claw_backs.errors import ClawBackExceedsPaid
from app.claims.claw_backs.models import ClawBackStatus
from app.errors import InvalidInput, InvalidTransition

# The step each status may take, and where it leads: to_issue → issued, either → cancelled.
STEPS: dict[str, tuple[ClawBackStatus, ...]] = {
    "issued": (ClawBackStatus.to_issue,),
    "cancelled": (ClawBackStatus.to_issue, ClawBackStatus.issued),
}


def check_step(status: ClawBackStatus, step: str) -> None:
    if status not in STEPS[step]:
        raise InvalidTransition("claw-back", status, step)


def check_amount(amount: Decimal, *, paid: Decimal, already: Decimal) -> None:
    """R42: the claim's claw-backs not cancelled, this one included, never exceed what was
    paid (`already`: those recorded before)."""
    if already + amount > paid:
        raise ClawBackExceedsPaid(amount, paid, already)


def check_not_before(field: str, on: date, previous: date, what: str) -> None:
    if on < previous:
        raise InvalidInput(field, f"precedes {what} ({previous})")

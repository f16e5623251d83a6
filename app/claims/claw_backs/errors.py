from decimal import Decimal

from app.errors import Conflict


class ClawBackExceedsPaid(Conflict):
    code, title = "claw_back_exceeds_paid", "Claw-backs above the amount paid"

    def __init__(self, amount: Decimal, paid: Decimal, already: Decimal) -> None:
        super().__init__(
            f"This claw-back of {amount} would bring the claim's claw-backs not cancelled to "
            f"{already + amount}, above the {paid} paid; at most {max(paid - already, Decimal(0))}"
            " remain (R42)"
        )
        self.remaining = paid - already

from collections.abc import Sequence

from app.errors import DomainError, ItemOutcome


class BatchRejected(DomainError):
    status, code, title = 422, "batch_rejected", "Batch refused"

    def __init__(self, items: Sequence[ItemOutcome]) -> None:
        failed = [i for i in items if i.problem is not None]
        first = failed[0]
        assert first.problem is not None
        super().__init__(
            f"{len(failed)} of {len(items)} items refused (the first, item {first.index}: "
            f"{first.problem.code}); nothing was written. `items` gives every item's outcome; "
            "send the batch again corrected, or with partial=true to write the others",
            items=items,
        )

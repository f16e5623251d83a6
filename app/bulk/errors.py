from collections.abc import Sequence

from app.errors import DomainError, FieldError, ItemOutcome


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


class ImportRejected(DomainError):
    status, code, title = 422, "import_rejected", "Import refused"

    def __init__(self, items: Sequence[ItemOutcome]) -> None:
        failed = [i for i in items if i.problem is not None]
        lines = ", ".join(str(i.line) for i in failed[:10]) + ("…" if len(failed) > 10 else "")
        super().__init__(
            f"{len(failed)} of {len(items)} rows refused (lines {lines}); nothing was written. "
            "`items` gives every row's outcome with its line; correct the file and send it "
            "again (dry_run=true checks it without writing)",
            items=items,
        )


class ImportFileInvalid(DomainError):
    """A file that cannot be read as the rows of an import: no row is checked."""

    status, code, title = 422, "import_file_invalid", "File not importable"

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(
            f"file: {message}",
            errors=[FieldError(location="body", field="file", type=rule, message=message)],
        )


class ImportTooManyRows(DomainError):
    status, code, title = 422, "import_too_many_rows", "Too many rows"

    def __init__(self, limit: int) -> None:
        message = (
            f"more than {limit} rows: a firm manages at most {limit} active establishments "
            "(R3); split the file"
        )
        super().__init__(
            f"file: {message}",
            errors=[
                FieldError(location="body", field="file", type="too_many_rows", message=message)
            ],
        )


class MethodNotAllowed(DomainError):
    status, code, title = 405, "method_not_allowed", "Method Not Allowed"

    def __init__(self) -> None:
        super().__init__("Method Not Allowed")
        self.headers = {"Allow": "POST"}

from app.core.uploads import FileTooLarge
from app.errors import Conflict, DomainError

__all__ = ["ContractInUse", "ContractRequired", "FileTooLarge", "UnsupportedFileType"]


class UnsupportedFileType(DomainError):
    status, code, title = 415, "unsupported_file_type", "Unsupported file type"

    def __init__(self) -> None:
        super().__init__("The document must be a PDF (checked from its content, not its name)")


class ContractRequired(Conflict):
    code, title = "contract_required", "No service contract in force"

    def __init__(self, on: object) -> None:
        super().__init__(
            f"The client has no service contract signed on or before {on} and not terminated "
            "on that date (R6)"
        )


class ContractInUse(Conflict):
    code, title = "contract_in_use", "Contract backs a filing"

    def __init__(self) -> None:
        super().__init__(
            "This contract backs at least one filing and is kept for controls (R7); terminate it "
            "instead"
        )

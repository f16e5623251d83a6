from collections.abc import Sequence

from app.errors import Conflict, DomainError, FieldError
from app.habilitations.errors import HabilitationRequired


class IncompleteAgreement(DomainError):
    status, code, title = 422, "incomplete_apld_agreement", "APLD agreement incomplete"

    def __init__(self, errors: Sequence[FieldError]) -> None:
        fields = ", ".join(e.field for e in errors)
        super().__init__(f"The APLD agreement cannot be filed: {fields} (R35)", errors=errors)


class EntryDeadlinePassed(Conflict):
    code, title = "apld_entry_deadline_passed", "APLD entry deadline passed"


class AgreementNotDecided(Conflict):
    code, title = "apld_agreement_not_decided", "APLD agreement not validated or homologated"

    def __init__(self, status: str) -> None:
        super().__init__(
            f"The APLD agreement is '{status}': this needs a validated or homologated one (R37)"
        )


class BilanTooLate(Conflict):
    code, title = "bilan_too_late", "Bilan filed after the authorization ended"


class DurationExceeded(Conflict):
    code, title = "apld_duration_exceeded", "Past the APLD agreement's duration"


class CapExceeded(Conflict):
    code, title = "apld_cap_exceeded", "APLD duration cap reached"


class RenewalPending(Conflict):
    code, title = "apld_renewal_pending", "A renewal awaits its decision"


class EstablishmentsNotHabilitated(HabilitationRequired):
    """R9 for each covered establishment, all named at once."""

    def __init__(self, problems: list[str]) -> None:
        Conflict.__init__(
            self, "Covered establishments not habilitated (R9): " + "; ".join(problems)
        )

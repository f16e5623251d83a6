"""R8: the habilitation steps, in order, with dates that never go backwards."""

from datetime import date

from app.habilitations.models import HabilitationStatus as S

ORDER = [S.not_requested, S.requested, S.credentials_sent, S.habilitated]
DATE_FIELD = {
    S.requested: "requested_on",
    S.credentials_sent: "credentials_sent_on",
    S.habilitated: "habilitated_on",
}


def can_move(current: S, target: S) -> bool:
    return ORDER.index(target) == ORDER.index(current) + 1


def earliest_date(current_dates: dict[str, date | None]) -> date | None:
    """The step's date may not precede the latest date already recorded."""
    known = [d for d in current_dates.values() if d is not None]
    return max(known) if known else None

from app.errors import Conflict


class HabilitationRequired(Conflict):
    code, title = "habilitation_required", "Establishment not habilitated"

    def __init__(self, status: str) -> None:
        super().__init__(f"The establishment's APART account is '{status}', not 'habilitated' (R9)")

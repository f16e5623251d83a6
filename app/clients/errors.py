from app.errors import Conflict, InvalidInput


class DuplicateSiren(Conflict):
    code, title = "duplicate_siren", "Client already exists"

    def __init__(self, siren: str) -> None:
        super().__init__(f"This firm account already has a client with SIREN {siren}")


class DuplicateSiret(Conflict):
    code, title = "duplicate_siret", "Establishment already exists"

    def __init__(self, siret: str) -> None:
        super().__init__(f"This firm account already manages SIRET {siret} (R4)")


class ClientHasEstablishments(Conflict):
    code, title = "client_has_establishments", "Client has establishments"

    def __init__(self, action: str) -> None:
        super().__init__(f"A client with establishments cannot be {action}")


class SirenMismatch(InvalidInput):
    code, title = "siren_mismatch", "SIRET does not belong to the client"

    def __init__(self, siret: str, siren: str) -> None:
        super().__init__(
            "siret",
            f"SIRET {siret} does not start with the client's SIREN {siren} (R2)",
            type="siren_mismatch",
        )


class EstablishmentArchived(Conflict):
    code, title = "establishment_archived", "Establishment archived"

    def __init__(self) -> None:
        super().__init__("Nothing is filed for an archived establishment; restore it first")


class EstablishmentBusy(Conflict):
    code, title = "establishment_busy", "Establishment has pending filings"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)


class ClientHasContracts(Conflict):
    code, title = "client_has_contracts", "Client has contracts"

    def __init__(self) -> None:
        super().__init__("A client with service contracts is kept with them (R7)")

from app.errors import Conflict, Forbidden


class DuplicateEmail(Conflict):
    code, title = "duplicate_email", "E-mail already in use"

    def __init__(self, email: str) -> None:
        super().__init__(f"The e-mail {email} is already used by another account")


class SignupDisabled(Forbidden):
    code, title = "signup_disabled", "Sign-up is disabled"

    def __init__(self) -> None:
        super().__init__("Public sign-up is switched off on this deployment")


class LastOwner(Conflict):
    code, title = "last_owner", "The last owner cannot be removed"

    def __init__(self) -> None:
        super().__init__("A firm account keeps at least one active owner")


class RoleNotAllowed(Forbidden):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)


class EstablishmentLimitReached(Conflict):
    code, title = "establishment_limit_reached", "Establishment limit reached"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"A firm account manages at most {limit} active establishments (R3); "
            "archive one to free a slot"
        )

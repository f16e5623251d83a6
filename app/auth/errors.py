from app.errors import DomainError, Unauthorized


class InvalidCredentials(Unauthorized):
    code, title = "invalid_credentials", "Invalid credentials"

    def __init__(self) -> None:
        super().__init__("E-mail or password is incorrect")


class InvalidRefreshToken(Unauthorized):
    code, title = "invalid_refresh_token", "Invalid refresh token"
    keep_changes = True  # reuse of a spent token revokes its whole chain

    def __init__(self, detail: str = "The refresh token is invalid, expired or revoked") -> None:
        super().__init__(detail)


class AccessTokenExpired(Unauthorized):
    """RFC 6750 §3.1: the client learns it should refresh rather than log in again."""

    headers = {
        "WWW-Authenticate": (
            'Bearer error="invalid_token", error_description="The access token expired"'
        )
    }

    def __init__(self) -> None:
        super().__init__("The access token expired")


class InvalidScope(DomainError):
    status, code, title = 400, "invalid_scope", "Invalid scope"


class TooManyAttempts(DomainError):
    status, code, title = 429, "too_many_attempts", "Too many attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many failed logins; retry in {retry_after} s")
        self.headers = {"Retry-After": str(retry_after)}


class InvalidClient(Unauthorized):
    """RFC 6749 §5.2 `invalid_client`: unknown client, wrong secret, revoked or expired. The
    answer challenges HTTP Basic, the scheme a client authenticates with (form fields work
    too)."""

    code, title = "invalid_client", "Invalid client"
    headers = {"WWW-Authenticate": 'Basic realm="apart-api"'}

    def __init__(self) -> None:
        super().__init__(
            "Client authentication failed: unknown, revoked or expired client, or wrong secret"
        )


class InvalidRequest(DomainError):
    status, code, title = 400, "invalid_request", "Invalid token request"

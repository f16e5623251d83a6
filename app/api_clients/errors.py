from app.errors import Conflict


class ApiClientRevoked(Conflict):
    code, title = "api_client_revoked", "API client revoked"

    def __init__(self) -> None:
        super().__init__("This API client is revoked: create another one")

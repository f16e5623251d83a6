"""The caller of a request, as every layer sees it."""

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """An authenticated caller of a firm account, with the scopes this request may use: a user
    (`user_id`), or an API client (`api_client_id`, OAuth2 client credentials) acting with the
    role it was given at its creation. Exactly one of the two ids is set."""

    user_id: uuid.UUID | None
    firm_account_id: uuid.UUID
    role: str
    scopes: frozenset[str]
    api_client_id: uuid.UUID | None = None

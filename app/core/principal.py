"""The caller of a request, as every layer sees it."""

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """An authenticated user of a firm account, with the scopes this request may use."""

    user_id: uuid.UUID
    firm_account_id: uuid.UUID
    role: str
    scopes: frozenset[str]

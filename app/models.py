"""Imports every table model, so the metadata is complete (Alembic, tests)."""

from app.auth.models import LoginThrottle, RefreshToken
from app.clients.models import Client, Establishment
from app.firms.models import FirmAccount, User

__all__ = ["Client", "Establishment", "FirmAccount", "LoginThrottle", "RefreshToken", "User"]

"""Imports every table model, so the metadata is complete (Alembic, tests)."""

from app.api_clients.models import ApiClient
from app.apld.models import ApldAgreement, ApldCoveredEstablishment, ApldRenewal
from app.audit.models import AuditEvent
from app.auth.models import LoginThrottle, RefreshToken
from app.authorizations.models import Amendment, AuthorizationRequest
from app.claims.claw_backs.models import ClawBack
from app.claims.models import Claim, ClaimLine
from app.clients.models import Client, Establishment
from app.contracts.models import Contract, Document
from app.firms.models import FirmAccount, User
from app.habilitations.models import Habilitation
from app.idempotency.models import IdempotencyRecord
from app.webhooks.models import ScanMark, WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "Amendment",
    "ApiClient",
    "ApldAgreement",
    "ApldCoveredEstablishment",
    "ApldRenewal",
    "AuditEvent",
    "AuthorizationRequest",
    "Claim",
    "ClaimLine",
    "ClawBack",
    "Client",
    "Contract",
    "Document",
    "Establishment",
    "FirmAccount",
    "Habilitation",
    "IdempotencyRecord",
    "LoginThrottle",
    "RefreshToken",
    "ScanMark",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]

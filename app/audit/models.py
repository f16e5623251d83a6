import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import Field as Described
from sqlalchemy import BigInteger, Index
from sqlmodel import Field, SQLModel

from app.core.models import PublicModel, created_at_field, id_field


# The audit trail's closed sets: every action it records (R26) and the kinds of resource it records
# them on, declared as enums in the OpenAPI document so that a client of the change feed can
# handle each one. `record` refuses any other (a programming error, loud, never a silent new
# value in the feed).
class ResourceType(StrEnum):
    user = "user"
    establishment = "establishment"
    contract = "contract"
    habilitation = "habilitation"
    authorization_request = "authorization_request"
    amendment = "amendment"
    claim = "claim"
    claw_back = "claw_back"
    apld_agreement = "apld_agreement"
    apld_renewal = "apld_renewal"
    api_client = "api_client"
    webhook_endpoint = "webhook_endpoint"


class AuditAction(StrEnum):
    """`<resource type>.<what happened>`."""

    user_role_changed = "user.role_changed"
    user_deactivated = "user.deactivated"
    user_reactivated = "user.reactivated"
    establishment_created = "establishment.created"
    establishment_updated = "establishment.updated"
    establishment_archived = "establishment.archived"
    establishment_restored = "establishment.restored"
    contract_created = "contract.created"
    contract_terminated = "contract.terminated"
    contract_deleted = "contract.deleted"
    habilitation_requested = "habilitation.requested"
    habilitation_credentials_sent = "habilitation.credentials_sent"
    habilitation_habilitated = "habilitation.habilitated"
    authorization_request_created = "authorization_request.created"
    authorization_request_updated = "authorization_request.updated"
    authorization_request_deleted = "authorization_request.deleted"
    authorization_request_filed = "authorization_request.filed"
    authorization_request_accepted = "authorization_request.accepted"
    authorization_request_refused = "authorization_request.refused"
    authorization_request_invalidated = "authorization_request.invalidated"
    authorization_request_cse_opinion_given = "authorization_request.cse_opinion_given"
    authorization_request_cse_minutes_attached = "authorization_request.cse_minutes_attached"
    amendment_created = "amendment.created"
    amendment_filed = "amendment.filed"
    amendment_accepted = "amendment.accepted"
    amendment_refused = "amendment.refused"
    amendment_invalidated = "amendment.invalidated"
    claim_created = "claim.created"
    claim_updated = "claim.updated"
    claim_deleted = "claim.deleted"
    claim_filed = "claim.filed"
    claim_validated = "claim.validated"
    claim_rejected = "claim.rejected"
    claim_withdrawn = "claim.withdrawn"
    claim_paid = "claim.paid"
    claw_back_created = "claw_back.created"
    claw_back_issued = "claw_back.issued"
    claw_back_cancelled = "claw_back.cancelled"
    apld_agreement_created = "apld_agreement.created"
    apld_agreement_updated = "apld_agreement.updated"
    apld_agreement_filed = "apld_agreement.filed"
    apld_agreement_validated = "apld_agreement.validated"
    apld_agreement_homologated = "apld_agreement.homologated"
    apld_agreement_refused = "apld_agreement.refused"
    apld_agreement_neutralised = "apld_agreement.neutralised"
    apld_agreement_document_attached = "apld_agreement.agreement_document_attached"
    apld_agreement_cse_opinion_attached = "apld_agreement.cse_opinion_document_attached"
    apld_renewal_filed = "apld_renewal.filed"
    apld_renewal_granted = "apld_renewal.granted"
    apld_renewal_refused = "apld_renewal.refused"
    api_client_created = "api_client.created"
    api_client_rotated = "api_client.rotated"
    api_client_revoked = "api_client.revoked"
    webhook_endpoint_created = "webhook_endpoint.created"
    webhook_endpoint_updated = "webhook_endpoint.updated"
    webhook_endpoint_secret_rotated = "webhook_endpoint.secret_rotated"
    webhook_endpoint_deleted = "webhook_endpoint.deleted"
    webhook_endpoint_disabled = "webhook_endpoint.disabled"


class UnknownAuditAction(ValueError):
    """An action or resource type outside the registry: a bug of the caller, never an input."""


def checked(action: str, resource_type: str) -> tuple[AuditAction, ResourceType]:
    """The registered action and resource type, or `UnknownAuditAction`: an action names the
    resource type it happens to (`claim.filed` on a `claim`)."""
    try:
        known, kind = AuditAction(action), ResourceType(resource_type)
    except ValueError as exc:
        raise UnknownAuditAction(f"not a registered audit action: {exc}") from None
    if known.split(".", 1)[0] != kind:
        raise UnknownAuditAction(f"{action!r} is no action on a {resource_type!r}")
    return known, kind


class AuditEvent(SQLModel, table=True):
    """R26: append-only; written in the transaction of the change it records."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_firm_account_id_id", "firm_account_id", "id"),
        Index("ix_audit_event_resource", "firm_account_id", "resource_type", "resource_id"),
        Index("ix_audit_event_establishment", "firm_account_id", "establishment_id", "id"),
        Index("uq_audit_event_firm_account_id_seq", "firm_account_id", "seq", unique=True),
    )

    id: uuid.UUID = id_field()
    firm_account_id: uuid.UUID = Field(foreign_key="firm_account.id")
    # Position in the firm's change feed: 1, 2, 3… in commit order, without gaps (see record).
    seq: int = Field(sa_type=BigInteger, nullable=False)
    # Who made the change: a user (`actor_id`), or an API client (`actor_api_client_id`).
    actor_id: uuid.UUID | None = Field(default=None)
    actor_api_client_id: uuid.UUID | None = Field(default=None)
    at: datetime = created_at_field()
    resource_type: str = Field(max_length=40)
    resource_id: uuid.UUID
    establishment_id: uuid.UUID | None = Field(default=None)
    action: str = Field(max_length=60)
    status_before: str | None = Field(default=None, max_length=40)
    status_after: str | None = Field(default=None, max_length=40)


class AuditEventPublic(PublicModel):
    id: uuid.UUID
    action: AuditAction
    actor_id: uuid.UUID | None = Described(
        description="The user who made the change, if a user did"
    )
    actor_api_client_id: uuid.UUID | None = Described(
        description="The API client that made the change, if one did (then `actor_id` is null)"
    )
    at: datetime
    resource_type: ResourceType
    resource_id: uuid.UUID
    establishment_id: uuid.UUID | None
    status_before: str | None
    status_after: str | None

"""Every action the audit trail records (R26), and the kinds of resource it records them on: a
closed set, declared as enums in the OpenAPI document so that a client of the change feed can
handle each one. `record` refuses any other (a programming error, loud, never a silent new
value in the feed)."""

from enum import StrEnum


class ResourceType(StrEnum):
    user = "user"
    establishment = "establishment"
    contract = "contract"
    habilitation = "habilitation"
    authorization_request = "authorization_request"
    amendment = "amendment"
    claim = "claim"
    claw_back = "claw_back"


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

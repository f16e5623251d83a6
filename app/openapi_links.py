"""The OpenAPI links of the document: from each create and step to what its answer allows."""

from typing import Any

# Each create's 201, and each step's 200, leads to the operations on what it created or moved
# (OpenAPI links): the answer's `id` goes into the target's path parameter, or into its body for a
# `body:` one. A step's links lead to the steps its new state allows.
LINKS: dict[str, dict[str, tuple[str, str | None]]] = {
    "firms-create": {"GetFirm": ("firm-get", None)},
    "api-clients-create": {
        "GetApiClient": ("api-clients-get", "api_client_id"),
        "RotateApiClient": ("api-clients-rotate", "api_client_id"),
        "RevokeApiClient": ("api-clients-revoke", "api_client_id"),
    },
    "webhook-endpoints-create": {
        "GetWebhookEndpoint": ("webhook-endpoints-get", "endpoint_id"),
        "UpdateWebhookEndpoint": ("webhook-endpoints-update", "endpoint_id"),
        "TestWebhookEndpoint": ("webhook-endpoints-test", "endpoint_id"),
        "ListWebhookAttempts": ("webhook-endpoints-attempts", "endpoint_id"),
        "DeleteWebhookEndpoint": ("webhook-endpoints-delete", "endpoint_id"),
    },
    "users-create": {
        "GetUser": ("users-get", "user_id"),
        "UpdateUser": ("users-update", "user_id"),
    },
    "clients-create": {
        "GetClient": ("clients-get", "client_id"),
        "UpdateClient": ("clients-update", "client_id"),
        "DeleteClient": ("clients-delete", "client_id"),
        "ChangeRegime": ("clients-regimes-change", "client_id"),
        "CreateContract": ("contracts-create", "client_id"),
        "CreateApldAgreement": ("apld-agreements-create", "client_id"),
        "CreateEstablishment": ("establishments-create", "body:client_id"),
    },
    "establishments-create": {
        "GetEstablishment": ("establishments-get", "establishment_id"),
        "UpdateEstablishment": ("establishments-update", "establishment_id"),
        "ArchiveEstablishment": ("establishments-archive", "establishment_id"),
        "RequestHabilitation": ("habilitation-request", "establishment_id"),
        "CreateAuthorizationRequest": ("authorization-requests-create", "establishment_id"),
    },
    "establishments-archive": {
        "RestoreEstablishment": ("establishments-restore", "establishment_id"),
    },
    "contracts-create": {
        "GetContract": ("contracts-get", "contract_id"),
        "DownloadContract": ("contracts-document", "contract_id"),
        "TerminateContract": ("contracts-terminate", "contract_id"),
        "DeleteContract": ("contracts-delete", "contract_id"),
    },
    "authorization-requests-create": {
        "GetAuthorizationRequest": ("authorization-requests-get", "request_id"),
        "UpdateAuthorizationRequest": ("authorization-requests-update", "request_id"),
        "DeleteAuthorizationRequest": ("authorization-requests-delete", "request_id"),
        "FileAuthorizationRequest": ("authorization-requests-file", "request_id"),
    },
    "authorization-requests-file": {
        "DecideAuthorizationRequest": ("authorization-requests-decide", "request_id"),
        "GiveCseOpinion": ("authorization-requests-cse-opinion", "request_id"),
    },
    "authorization-requests-decide": {
        "CreateAmendment": ("amendments-create", "request_id"),
        "CreateClaim": ("claims-create", "request_id"),
    },
    "amendments-create": {
        "GetAmendment": ("amendments-get", "amendment_id"),
        "FileAmendment": ("amendments-file", "amendment_id"),
    },
    "apld-agreements-create": {
        "GetApldAgreement": ("apld-agreements-get", "agreement_id"),
        "UpdateApldAgreement": ("apld-agreements-update", "agreement_id"),
        "FileApldAgreement": ("apld-agreements-file", "agreement_id"),
        "CreateApldClaim": ("apld-claims-create", "agreement_id"),
        "ReadApldMeter": ("apld-agreements-meter", "agreement_id"),
    },
    "apld-renewals-create": {
        "GetApldRenewal": ("apld-renewals-get", "renewal_id"),
        "DecideApldRenewal": ("apld-renewals-decide", "renewal_id"),
    },
    "amendments-file": {"DecideAmendment": ("amendments-decide", "amendment_id")},
    "apld-claims-create": {
        "GetClaim": ("claims-get", "claim_id"),
        "UpdateClaim": ("claims-update", "claim_id"),
        "DeleteClaim": ("claims-delete", "claim_id"),
        "FileClaim": ("claims-file", "claim_id"),
        "ExportClaim": ("claims-export", "claim_id"),
    },
    "claims-create": {
        "GetClaim": ("claims-get", "claim_id"),
        "UpdateClaim": ("claims-update", "claim_id"),
        "DeleteClaim": ("claims-delete", "claim_id"),
        "FileClaim": ("claims-file", "claim_id"),
        "ExportClaim": ("claims-export", "claim_id"),
    },
    "claims-file": {
        "ValidateClaim": ("claims-validate", "claim_id"),
        "RejectClaim": ("claims-reject", "claim_id"),
        "WithdrawClaim": ("claims-withdraw", "claim_id"),
    },
    "claims-validate": {"PayClaim": ("claims-pay", "claim_id")},
    "claims-pay": {
        "CorrectClaim": ("claims-correct", "claim_id"),
        "CreateClawBack": ("claw-backs-create", "claim_id"),
    },
    "claims-correct": {
        "GetClaim": ("claims-get", "claim_id"),
        "FileClaim": ("claims-file", "claim_id"),
    },
    "claw-backs-create": {
        "GetClawBack": ("claw-backs-get", "claw_back_id"),
        "IssueClawBack": ("claw-backs-issue", "claw_back_id"),
        "CancelClawBack": ("claw-backs-cancel", "claw_back_id"),
    },
}


def link_to(target: str, param: str | None, created: bool) -> dict[str, Any]:
    what = "what was created" if created else "what this step moved"
    link: dict[str, Any] = {"operationId": target, "description": f"`{target}` on {what}"}
    if param and param.startswith("body:"):
        link["requestBody"] = {param[5:]: "$response.body#/id"}
    elif param:
        link["parameters"] = {param: "$response.body#/id"}
    return link

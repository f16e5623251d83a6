"""Scopes each endpoint declares, and the set each role grants."""

SCOPES: dict[str, str] = {
    "firm:read": "Read the firm account",
    "firm:write": "Update the firm account (owners)",
    "users:read": "List the firm's users",
    "users:write": "Create, change and deactivate users",
    "clients:read": "Read client companies",
    "clients:write": "Create, change and delete client companies",
    "establishments:read": "Read establishments",
    "establishments:write": "Create, change, archive and restore establishments; habilitation",
    "contracts:read": "Read service contracts and download their documents",
    "contracts:write": "Upload, terminate and delete service contracts",
    "authorizations:read": "Read authorization requests, amendments and deadlines",
    "authorizations:write": "Draft, file and record decisions on requests and amendments",
    "claims:read": "Read monthly indemnity claims",
    "claims:write": "Draft, file and follow monthly indemnity claims",
    "events:read": "Read the audit trail",
    "api_clients:read": "List the firm's API clients (owners and admins)",
    "api_clients:write": "Create, rotate and revoke API clients (owners and admins)",
    "webhooks:read": "List the firm's webhook endpoints and their attempts (owners and admins)",
    "webhooks:write": "Register, change, test and delete webhook endpoints (owners and admins)",
}

_WORK = {
    "firm:read",
    "clients:read",
    "clients:write",
    "establishments:read",
    "establishments:write",
    "contracts:read",
    "contracts:write",
    "authorizations:read",
    "authorizations:write",
    "claims:read",
    "claims:write",
    "events:read",
}

ROLE_SCOPES: dict[str, frozenset[str]] = {
    "owner": frozenset(SCOPES),
    "admin": frozenset(SCOPES) - {"firm:write"},
    "member": frozenset(_WORK),
}

"""Scopes each endpoint declares, and the set each role grants."""

SCOPES: dict[str, str] = {
    "firm:read": "Read the firm account",
    "firm:write": "Update the firm account (owners)",
    "users:read": "List the firm's users",
    "users:write": "Create, change and deactivate users",
    "clients:read": "Read client companies",
    "clients:write": "Create, change and delete client companies",
    "establishments:read": "Read establishments",
    "establishments:write": "Create, change, archive and restore establishments",
}

_WORK = {
    "firm:read",
    "clients:read",
    "clients:write",
    "establishments:read",
    "establishments:write",
}

ROLE_SCOPES: dict[str, frozenset[str]] = {
    "owner": frozenset(SCOPES),
    "admin": frozenset(SCOPES) - {"firm:write"},
    "member": frozenset(_WORK),
}

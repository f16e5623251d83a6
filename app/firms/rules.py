from app.firms.scopes import ROLE_SCOPES

# R3: active establishments per firm account.
ESTABLISHMENT_LIMIT = 200


def can_manage_user(actor_role: str, target_role: str) -> bool:
    """Owners manage everyone; admins manage admins and members, never owners."""
    if actor_role == "owner":
        return True
    return actor_role == "admin" and target_role != "owner"


__all__ = ["ESTABLISHMENT_LIMIT", "ROLE_SCOPES", "can_manage_user"]

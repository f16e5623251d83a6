import uuid
from datetime import datetime

from sqlalchemy import func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.audit import service as audit
from app.audit.models import AuditEvent
from app.auth import service as auth_service
from app.core import security
from app.core.integrity import flush_or_raise
from app.core.pagination import PageParams, paginate
from app.core.principal import Principal
from app.core.tenancy import get_scoped, scoped
from app.errors import NotFound
from app.firms.errors import DuplicateEmail, EstablishmentLimitReached, LastOwner, RoleNotAllowed
from app.firms.models import (
    FirmAccount,
    FirmCreate,
    FirmUpdate,
    Role,
    User,
    UserCreate,
    UserUpdate,
)
from app.firms.rules import ESTABLISHMENT_LIMIT, can_manage_user


async def _email_taken(session: AsyncSession, email: str) -> bool:
    return (await session.exec(select(User.id).where(User.email == email))).first() is not None


async def create_firm(session: AsyncSession, *, data: FirmCreate) -> FirmAccount:
    if (await session.exec(select(FirmAccount.id).where(FirmAccount.email == data.email))).first():
        raise DuplicateEmail(data.email)
    if await _email_taken(session, data.owner.email):
        raise DuplicateEmail(data.owner.email)
    firm = FirmAccount.model_validate(data, update={"establishments_active": 0})
    session.add(firm)
    session.add(
        User.model_validate(
            data.owner,
            update={
                "firm_account_id": firm.id,
                "role": Role.owner,
                "password_hash": await security.hash_password(data.owner.password),
            },
        )
    )
    await flush_or_raise(
        session,
        {
            "uq_firm_account_email": lambda: DuplicateEmail(data.email),
            "uq_user_account_email": lambda: DuplicateEmail(data.owner.email),
        },
    )
    return firm


async def get_firm(session: AsyncSession, principal: Principal) -> FirmAccount:
    firm = (
        await session.exec(select(FirmAccount).where(FirmAccount.id == principal.firm_account_id))
    ).first()
    if firm is None:
        raise NotFound("Firm account")
    return firm


async def update_firm(
    session: AsyncSession, principal: Principal, *, data: FirmUpdate
) -> FirmAccount:
    firm = await get_firm(session, principal)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    email = changes.get("email")
    if email and email != firm.email:
        taken = select(FirmAccount.id).where(FirmAccount.email == email)
        if (await session.exec(taken)).first():
            raise DuplicateEmail(email)
    firm.sqlmodel_update(changes)
    session.add(firm)
    await flush_or_raise(session, {"uq_firm_account_email": lambda: DuplicateEmail(str(email))})
    return firm


async def get_user(session: AsyncSession, principal: Principal, user_id: uuid.UUID) -> User:
    return await get_scoped(session, User, user_id, principal, label="User")


async def list_users(
    session: AsyncSession,
    principal: Principal,
    *,
    page: PageParams,
    updated_since: datetime | None = None,
) -> tuple[list[User], str | None]:
    stmt = scoped(User, principal)
    if updated_since is not None:
        # A user has no updated_at: its changes (role, active) are its audit events.
        changed = select(AuditEvent.resource_id).where(
            AuditEvent.firm_account_id == principal.firm_account_id,
            AuditEvent.resource_type == "user",
            col(AuditEvent.at) >= updated_since,
        )
        stmt = stmt.where(or_(col(User.created_at) >= updated_since, col(User.id).in_(changed)))
    rows, cursor = await paginate(session, stmt, User.id, page)  # type: ignore[arg-type]
    return list(rows), cursor


async def create_user(
    session: AsyncSession, principal: Principal, *, actor_role: Role, data: UserCreate
) -> User:
    if not can_manage_user(actor_role, data.role):
        raise RoleNotAllowed(f"A {actor_role} cannot create a user with role {data.role}")
    if await _email_taken(session, data.email):
        raise DuplicateEmail(data.email)
    user = User.model_validate(
        data,
        update={
            "firm_account_id": principal.firm_account_id,
            "password_hash": await security.hash_password(data.password),
        },
    )
    session.add(user)
    await flush_or_raise(session, {"uq_user_account_email": lambda: DuplicateEmail(data.email)})
    return user


async def _active_owners(session: AsyncSession, firm_account_id: uuid.UUID) -> int:
    stmt = select(func.count()).where(
        User.firm_account_id == firm_account_id, User.role == Role.owner, User.active
    )
    return (await session.exec(stmt)).one()


async def update_user(
    session: AsyncSession,
    principal: Principal,
    *,
    actor_role: Role,
    user_id: uuid.UUID,
    data: UserUpdate,
    now: datetime,
) -> User:
    # Lock the firm row: two admins demoting the last two owners at once must not both succeed.
    (
        await session.exec(
            select(FirmAccount.id)
            .where(FirmAccount.id == principal.firm_account_id)
            .with_for_update()
        )
    ).first()
    user = await get_scoped(session, User, user_id, principal, label="User", for_update=True)
    new_role = data.role or user.role
    if not can_manage_user(actor_role, user.role) or not can_manage_user(actor_role, new_role):
        raise RoleNotAllowed(f"A {actor_role} cannot manage a user with role {user.role}")
    loses_owner = (
        user.role == Role.owner and user.active and (new_role != Role.owner or data.active is False)
    )
    if loses_owner and await _active_owners(session, principal.firm_account_id) <= 1:
        raise LastOwner()
    changes: list[tuple[str, str, str]] = []  # (action, before, after), audited (R26)
    if data.role is not None and data.role != user.role:
        changes.append(("user.role_changed", user.role, data.role))
    if data.active is not None and data.active != user.active:
        verb, before, after = (
            ("reactivated", "inactive", "active")
            if data.active
            else ("deactivated", "active", "inactive")
        )
        changes.append((f"user.{verb}", before, after))
    user.sqlmodel_update(data.model_dump(exclude_unset=True, exclude_none=True))
    session.add(user)
    if changes:
        # Every token issued before stays refused, even once the user is reactivated. A
        # reactivation ends them too: a login that read the user just before the deactivation
        # committed may have written its refresh token just after.
        await auth_service.end_sessions(session, user=user, now=now)
    for action, before, after in changes:
        await audit.record(
            session,
            principal,
            action=action,
            resource_type="user",
            resource_id=user.id,
            before=before,
            after=after,
            at=now,
        )
    await session.flush()
    return user


async def lock_firm(session: AsyncSession, *, firm_account_id: uuid.UUID) -> None:
    """Hold the firm's row until the transaction ends: the firm's batches take turns (each
    locks what it refers to first, then this row, then writes; see app/bulk). The lock the
    slot's and the event counter's UPDATEs take (PostgreSQL's `FOR NO KEY UPDATE`), not a
    stronger one: rows inserted elsewhere that refer to the firm are never held up by it."""
    await session.exec(
        select(FirmAccount.id)
        .where(FirmAccount.id == firm_account_id)
        .with_for_update(key_share=True)
    )


async def take_establishment_slot(session: AsyncSession, *, firm_account_id: uuid.UUID) -> None:
    """R3 under concurrency: one guarded UPDATE; the row lock (or SQLite's write lock)
    serialises racing requests and the WHERE re-checks the count each one sees."""
    result = await session.exec(
        update(FirmAccount)
        .where(
            col(FirmAccount.id) == firm_account_id,
            col(FirmAccount.establishments_active) < ESTABLISHMENT_LIMIT,
        )
        .values(establishments_active=col(FirmAccount.establishments_active) + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise EstablishmentLimitReached(ESTABLISHMENT_LIMIT)


async def release_establishment_slot(session: AsyncSession, *, firm_account_id: uuid.UUID) -> None:
    await session.exec(
        update(FirmAccount)
        .where(col(FirmAccount.id) == firm_account_id)
        .values(establishments_active=col(FirmAccount.establishments_active) - 1)
        .execution_options(synchronize_session=False)
    )

import uuid
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.auth import service as auth_service
from app.core import security
from app.core.integrity import flush_or_raise
from app.core.pagination import PageParams, paginate
from app.core.tenancy import TenantPrincipal, get_scoped, scoped
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


def _email_taken(session: Session, email: str) -> bool:
    return session.exec(select(User.id).where(User.email == email)).first() is not None


def create_firm(session: Session, *, data: FirmCreate) -> FirmAccount:
    if session.exec(select(FirmAccount.id).where(FirmAccount.email == data.email)).first():
        raise DuplicateEmail(data.email)
    if _email_taken(session, data.owner.email):
        raise DuplicateEmail(data.owner.email)
    firm = FirmAccount.model_validate(data, update={"establishments_active": 0})
    session.add(firm)
    session.add(
        User.model_validate(
            data.owner,
            update={
                "firm_account_id": firm.id,
                "role": Role.owner,
                "password_hash": security.hash_password(data.owner.password),
            },
        )
    )
    flush_or_raise(
        session,
        {
            "uq_firm_account_email": lambda: DuplicateEmail(data.email),
            "uq_user_account_email": lambda: DuplicateEmail(data.owner.email),
        },
    )
    return firm


def get_firm(session: Session, principal: TenantPrincipal) -> FirmAccount:
    firm = session.exec(
        select(FirmAccount).where(FirmAccount.id == principal.firm_account_id)
    ).first()
    if firm is None:
        raise NotFound("Firm account")
    return firm


def update_firm(session: Session, principal: TenantPrincipal, *, data: FirmUpdate) -> FirmAccount:
    firm = get_firm(session, principal)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    email = changes.get("email")
    if email and email != firm.email:
        taken = select(FirmAccount.id).where(FirmAccount.email == email)
        if session.exec(taken).first():
            raise DuplicateEmail(email)
    firm.sqlmodel_update(changes)
    session.add(firm)
    flush_or_raise(session, {"uq_firm_account_email": lambda: DuplicateEmail(str(email))})
    return firm


def get_user(session: Session, principal: TenantPrincipal, user_id: uuid.UUID) -> User:
    return get_scoped(session, User, user_id, principal, label="User")


def list_users(
    session: Session, principal: TenantPrincipal, *, page: PageParams
) -> tuple[list[User], str | None]:
    rows, cursor = paginate(session, scoped(User, principal), User.id, page)  # type: ignore[arg-type]
    return list(rows), cursor


def create_user(
    session: Session, principal: TenantPrincipal, *, actor_role: Role, data: UserCreate
) -> User:
    if not can_manage_user(actor_role, data.role):
        raise RoleNotAllowed(f"A {actor_role} cannot create a user with role {data.role}")
    if _email_taken(session, data.email):
        raise DuplicateEmail(data.email)
    user = User.model_validate(
        data,
        update={
            "firm_account_id": principal.firm_account_id,
            "password_hash": security.hash_password(data.password),
        },
    )
    session.add(user)
    flush_or_raise(session, {"uq_user_account_email": lambda: DuplicateEmail(data.email)})
    return user


def _active_owners(session: Session, firm_account_id: uuid.UUID) -> int:
    stmt = select(func.count()).where(
        User.firm_account_id == firm_account_id, User.role == Role.owner, User.active
    )
    return session.exec(stmt).one()


def update_user(
    session: Session,
    principal: TenantPrincipal,
    *,
    actor_role: Role,
    user_id: uuid.UUID,
    data: UserUpdate,
    now: datetime,
) -> User:
    # Lock the firm row: two admins demoting the last two owners at once must not both succeed.
    session.exec(
        select(FirmAccount.id).where(FirmAccount.id == principal.firm_account_id).with_for_update()
    ).first()
    user = get_scoped(session, User, user_id, principal, label="User", for_update=True)
    new_role = data.role or user.role
    if not can_manage_user(actor_role, user.role) or not can_manage_user(actor_role, new_role):
        raise RoleNotAllowed(f"A {actor_role} cannot manage a user with role {user.role}")
    loses_owner = (
        user.role == Role.owner and user.active and (new_role != Role.owner or data.active is False)
    )
    if loses_owner and _active_owners(session, principal.firm_account_id) <= 1:
        raise LastOwner()
    user.sqlmodel_update(data.model_dump(exclude_unset=True, exclude_none=True))
    session.add(user)
    if data.active is False:
        auth_service.revoke_user_tokens(session, user_id=user.id, now=now)
    session.flush()
    return user


def take_establishment_slot(session: Session, *, firm_account_id: uuid.UUID) -> None:
    """R3 under concurrency: one guarded UPDATE; the row lock (or SQLite's write lock)
    serialises racing requests and the WHERE re-checks the count each one sees."""
    result = session.execute(
        update(FirmAccount)
        .where(
            col(FirmAccount.id) == firm_account_id,
            col(FirmAccount.establishments_active) < ESTABLISHMENT_LIMIT,
        )
        .values(establishments_active=col(FirmAccount.establishments_active) + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise EstablishmentLimitReached(ESTABLISHMENT_LIMIT)


def release_establishment_slot(session: Session, *, firm_account_id: uuid.UUID) -> None:
    session.execute(
        update(FirmAccount)
        .where(col(FirmAccount.id) == firm_account_id)
        .values(establishments_active=col(FirmAccount.establishments_active) - 1)
        .execution_options(synchronize_session=False)
    )

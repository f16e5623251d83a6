import hashlib
import math
import uuid
from datetime import datetime, timedelta

from sqlalchemy import case, literal, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.api_clients.models import ApiClient
from app.auth.errors import (
    InvalidClient,
    InvalidCredentials,
    InvalidRefreshToken,
    InvalidScope,
    TooManyAttempts,
)
from app.auth.models import ClientToken, LoginThrottle, RefreshToken, TokenPair
from app.config import Settings
from app.core import security
from app.db import UTCDateTime
from app.firms.models import User
from app.firms.scopes import ROLE_SCOPES, SCOPES

_throttle = LoginThrottle.__table__  # type: ignore[attr-defined]


def _throttle_keys(settings: Settings, email: str, address: str | None) -> dict[str, int]:
    # The account's key is a digest of the e-mail as typed: of a fixed length whatever was
    # typed (a 400-character key overflowed its column), and no e-mail kept in the table.
    account = hashlib.sha256(email.lower().encode("utf-8", "surrogatepass")).hexdigest()
    return {
        f"account:{account}": settings.login_max_failures_per_account,
        f"address:{address or 'unknown'}": settings.login_max_failures_per_address,
    }


async def _take_attempt(
    session: AsyncSession, settings: Settings, limits: dict[str, int], now: datetime
) -> None:
    """Count this attempt under every key before its password is checked, or refuse it (429)
    when a key has used up its window. One guarded upsert per key: concurrent attempts are
    counted one after the other, and no more than the limit are ever let through to the
    verification in a window; an expired window starts over."""
    window = timedelta(seconds=settings.login_failure_window_seconds)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    expired = _throttle.c.window_started_at <= now - window
    for key, limit in limits.items():
        stmt = (
            insert(_throttle)
            .values(key=key, failures=1, window_started_at=now)
            .on_conflict_do_update(
                index_elements=[_throttle.c.key],
                set_={
                    "failures": case((expired, 1), else_=_throttle.c.failures + 1),
                    "window_started_at": case(
                        (expired, literal(now, UTCDateTime())),
                        else_=_throttle.c.window_started_at,
                    ),
                },
                where=or_(expired, _throttle.c.failures < limit),
            )
            .returning(_throttle.c.failures)
        )
        if (await session.exec(stmt)).first() is None:
            # Used up: nothing of this attempt is kept (the transaction rolls back).
            started = (
                await session.exec(
                    select(LoginThrottle.window_started_at).where(LoginThrottle.key == key)
                )
            ).one()
            raise TooManyAttempts(max(1, math.ceil((started + window - now).total_seconds())))


def _granted_scopes(
    role: str, requested: list[str], allowed: frozenset[str] | None = None
) -> list[str]:
    """The scopes a token gets: those asked for, or all the role's (or the API client's)."""
    allowed = ROLE_SCOPES[role] if allowed is None else allowed & ROLE_SCOPES[role]
    if not requested:
        return sorted(allowed)
    unknown = sorted(set(requested) - set(SCOPES))
    if unknown:
        raise InvalidScope(f"unknown scope(s): {' '.join(unknown)}")
    refused = sorted(set(requested) - allowed)
    if refused:
        raise InvalidScope(f"scope(s) not granted: {' '.join(refused)} (role {role})")
    return sorted(set(requested))


async def _issue(
    session: AsyncSession,
    settings: Settings,
    user: User,
    scopes: list[str],
    now: datetime,
    family_id: uuid.UUID,
) -> TokenPair:
    access, _ = security.issue_access_token(
        settings,
        user_id=user.id,
        firm_account_id=user.firm_account_id,
        role=user.role,
        scopes=scopes,
        generation=user.token_generation,
        now=now,
    )
    refresh = security.new_refresh_token()
    session.add(
        RefreshToken(
            user_id=user.id,
            family_id=family_id,
            token_hash=security.token_digest(refresh),
            scope=" ".join(scopes),
            expires_at=now + timedelta(seconds=settings.refresh_token_ttl_seconds),
        )
    )
    return TokenPair(
        access_token=access,
        expires_in=settings.access_token_ttl_seconds,
        refresh_token=refresh,
        scope=" ".join(scopes),
    )


async def login(
    session: AsyncSession,
    settings: Settings,
    *,
    email: str,
    password: str,
    scopes: list[str],
    address: str | None,
    now: datetime,
) -> TokenPair:
    limits = _throttle_keys(settings, email, address)
    await _take_attempt(session, settings, limits, now)
    user = (await session.exec(select(User).where(User.email == email.lower()))).first()
    # The one commit inside a use case: the attempt is counted, and its throttle rows unlocked,
    # before the slow verification, so that concurrent attempts see it. A success then gives it
    # back in a second transaction.
    await session.commit()
    # Always one Argon2 verification, so unknown e-mails and wrong passwords take the same time.
    password_ok = await security.verify_password(password, user.password_hash if user else None)
    if user is None or not password_ok or not user.active:
        raise InvalidCredentials()
    account, address_key = list(limits)
    await session.exec(
        update(LoginThrottle).where(col(LoginThrottle.key) == account).values(failures=0)
    )
    await session.exec(
        update(LoginThrottle)
        .where(col(LoginThrottle.key) == address_key, col(LoginThrottle.failures) > 0)
        .values(failures=col(LoginThrottle.failures) - 1)
    )
    return await _issue(
        session, settings, user, _granted_scopes(user.role, scopes), now, uuid.uuid4()
    )


async def _revoke_family(session: AsyncSession, family_id: uuid.UUID, now: datetime) -> None:
    await session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.family_id) == family_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )


async def refresh(
    session: AsyncSession, settings: Settings, *, refresh_token: str, now: datetime
) -> TokenPair:
    digest = security.token_digest(refresh_token)
    row = (
        await session.exec(select(RefreshToken).where(RefreshToken.token_hash == digest))
    ).first()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise InvalidRefreshToken()
    # Spend the token with a guarded update: of two concurrent refreshes only one wins.
    spent = await session.exec(
        update(RefreshToken)
        .where(
            col(RefreshToken.id) == row.id,
            col(RefreshToken.used_at).is_(None),
            col(RefreshToken.revoked_at).is_(None),
        )
        .values(used_at=now)
    )
    if spent.rowcount != 1:
        # A spent token came back: someone holds a copy. Revoke the whole chain.
        await _revoke_family(session, row.family_id, now)
        raise InvalidRefreshToken("The refresh token was already used; its chain is revoked")
    user = (await session.exec(select(User).where(User.id == row.user_id))).first()
    if user is None or not user.active:
        raise InvalidRefreshToken()
    scopes = sorted(set(row.scope.split()) & ROLE_SCOPES[user.role])
    return await _issue(session, settings, user, scopes, now, row.family_id)


async def logout(session: AsyncSession, *, refresh_token: str, now: datetime) -> None:
    digest = security.token_digest(refresh_token)
    row = (
        await session.exec(select(RefreshToken).where(RefreshToken.token_hash == digest))
    ).first()
    if row is not None:
        await _revoke_family(session, row.family_id, now)


async def end_sessions(session: AsyncSession, *, user: User, now: datetime) -> None:
    """Refuse every token the user holds: on a deactivation or a role change (and on a password
    change, once there is one). The access tokens by their generation (checked on every
    request), the refresh tokens by revoking them. `user` is the row the caller has locked for
    this change."""
    user.token_generation += 1
    session.add(user)
    await session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.user_id) == user.id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )


def _client_secret_ok(client: ApiClient | None, secret: str, now: datetime) -> bool:
    """The current secret, or the previous one during its grace period after a rotation."""
    if client is None:
        security.secret_matches(secret, _NO_DIGEST)  # the same work for an unknown client
        return False
    current = security.secret_matches(secret, client.secret_hash)
    previous = (
        client.previous_secret_valid_until is not None
        and now < client.previous_secret_valid_until
        and security.secret_matches(secret, client.previous_secret_hash)
    )
    return current or previous


_NO_DIGEST = "0" * 64


async def client_token(
    session: AsyncSession,
    settings: Settings,
    *,
    client_id: str,
    client_secret: str,
    scopes: list[str],
    address: str | None,
    now: datetime,
) -> ClientToken:
    """OAuth2 client credentials (RFC 6749 §4.4): an access token for an API client, no refresh
    token. Throttled like the password flow, per client id and per address."""
    client_key = hashlib.sha256(client_id.encode("utf-8", "surrogatepass")).hexdigest()
    limits = {
        f"client:{client_key}": settings.login_max_failures_per_account,
        f"address:{address or 'unknown'}": settings.login_max_failures_per_address,
    }
    await _take_attempt(session, settings, limits, now)
    try:
        parsed: uuid.UUID | None = uuid.UUID(client_id)
    except ValueError:
        parsed = None
    client = None
    if parsed is not None:
        client = (await session.exec(select(ApiClient).where(ApiClient.id == parsed))).first()
    if not _client_secret_ok(client, client_secret, now):
        await session.commit()  # the failed attempt stays counted
        raise InvalidClient()
    assert client is not None
    if client.revoked_at is not None or (
        client.expires_at is not None and client.expires_at <= now
    ):
        await session.commit()
        raise InvalidClient()
    key, address_key = list(limits)
    await session.exec(
        update(LoginThrottle).where(col(LoginThrottle.key) == key).values(failures=0)
    )
    await session.exec(
        update(LoginThrottle)
        .where(col(LoginThrottle.key) == address_key, col(LoginThrottle.failures) > 0)
        .values(failures=col(LoginThrottle.failures) - 1)
    )
    granted = _granted_scopes(client.role, scopes, allowed=frozenset(client.scope.split()))
    # A statement of its own: the row's version (its ETag) is not bumped by a token request.
    await session.exec(
        update(ApiClient).where(col(ApiClient.id) == client.id).values(last_used_at=now)
    )
    access, expires_at = security.issue_client_token(
        settings,
        client_id=client.id,
        firm_account_id=client.firm_account_id,
        role=client.role,
        scopes=granted,
        generation=client.token_generation,
        now=now,
        not_after=client.expires_at,
    )
    return ClientToken(
        access_token=access,
        expires_in=max(1, int((expires_at - now).total_seconds())),
        scope=" ".join(granted),
    )

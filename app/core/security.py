"""The only module that touches JWTs (python-jose) and password hashes (pwdlib)."""

import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import anyio.to_thread
from jose import ExpiredSignatureError, JWTError, jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app.config import Settings

ALGORITHMS = ["HS256"]
# `gen`: the token generation of the user (or API client) when the token was issued (see
# User.token_generation). `typ`: whose token it is, `user` or `client` (an API client's, OAuth2
# client credentials): `sub` is then that user's or that client's id, and a client's token
# also names it in `client_id`, which a user's never carries. Each is read from its own table
# only, so neither can ever be taken for the other.
REQUIRED_CLAIMS = ("sub", "typ", "fid", "role", "scope", "gen", "iat", "exp", "iss", "aud", "jti")
USER, CLIENT = "user", "client"


# Argon2id with OWASP's first recommended configuration (19 MiB, 2 passes, 1 lane): about 50 ms
# here. The parameters travel inside each hash, so they can be raised later without a reset.
def make_hasher() -> PasswordHash:
    return PasswordHash((Argon2Hasher(time_cost=2, memory_cost=19456, parallelism=1),))


_hasher = make_hasher()
# Verified against when the e-mail is unknown, so both failures take about the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


# Argon2 is CPU work on purpose (about 50 ms): it runs in a worker thread, never on the event loop.
async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password)


async def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        await anyio.to_thread.run_sync(_hasher.verify, password, _DUMMY_HASH)
        return False
    return await anyio.to_thread.run_sync(_hasher.verify, password, password_hash)


class InvalidToken(Exception):
    pass


class TokenExpired(InvalidToken):
    pass


@dataclass(frozen=True)
class AccessClaims:
    # the user's id, or the API client's when `kind` is CLIENT
    subject: uuid.UUID
    kind: str
    firm_account_id: uuid.UUID
    role: str
    scopes: frozenset[str]
    jti: str
    generation: int


def issue_access_token(
    settings: Settings,
    *,
    user_id: uuid.UUID,
    firm_account_id: uuid.UUID,
    role: str,
    scopes: list[str],
    generation: int,
    now: datetime,
) -> tuple[str, datetime]:
    """A user's access token."""
    return _encode(
        settings,
        {"sub": str(user_id), "typ": USER},
        firm_account_id=firm_account_id,
        role=role,
        scopes=scopes,
        generation=generation,
        now=now,
        expires_at=now + timedelta(seconds=settings.access_token_ttl_seconds),
    )


def issue_client_token(
    settings: Settings,
    *,
    client_id: uuid.UUID,
    firm_account_id: uuid.UUID,
    role: str,
    scopes: list[str],
    generation: int,
    now: datetime,
    not_after: datetime | None,
) -> tuple[str, datetime]:
    """An API client's access token (client credentials): it never outlives the client
    (`not_after`, its expiry)."""
    expires_at = now + timedelta(seconds=settings.access_token_ttl_seconds)
    if not_after is not None:
        expires_at = min(expires_at, not_after)
    return _encode(
        settings,
        {"sub": str(client_id), "typ": CLIENT, "client_id": str(client_id)},
        firm_account_id=firm_account_id,
        role=role,
        scopes=scopes,
        generation=generation,
        now=now,
        expires_at=expires_at,
    )


def _encode(
    settings: Settings,
    subject: dict[str, str],
    *,
    firm_account_id: uuid.UUID,
    role: str,
    scopes: list[str],
    generation: int,
    now: datetime,
    expires_at: datetime,
) -> tuple[str, datetime]:
    claims: dict[str, Any] = {
        **subject,
        "fid": str(firm_account_id),
        "role": role,
        "scope": " ".join(scopes),
        "gen": generation,
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "jti": secrets.token_hex(16),
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHMS[0]), expires_at


def decode_access_token(settings: Settings, token: str) -> AccessClaims:
    """Verify a token. A token already verified by this process is not verified again: its
    claims come from a small cache, and only its expiry is checked anew."""
    claims, expires = _verified(
        settings.jwt_secret, settings.jwt_audience, settings.jwt_issuer, token
    )
    if time.time() >= expires:
        raise TokenExpired("expired")
    return claims


@lru_cache(maxsize=4096)
def _verified(secret: str, audience: str, issuer: str, token: str) -> tuple[AccessClaims, int]:
    options = {f"require_{c}": True for c in ("iat", "exp", "iss", "aud", "sub", "jti")}
    try:
        claims = jwt.decode(
            token, secret, algorithms=ALGORITHMS, audience=audience, issuer=issuer, options=options
        )
    except ExpiredSignatureError as exc:
        raise TokenExpired(str(exc)) from exc
    except JWTError as exc:
        raise InvalidToken(str(exc)) from exc
    missing = [c for c in REQUIRED_CLAIMS if c not in claims]
    if missing:
        raise InvalidToken(f"missing claims: {', '.join(missing)}")
    kind = claims["typ"]
    # A client's token names its client in `client_id` too; a user's never has one.
    if kind == CLIENT:
        if claims.get("client_id") != claims["sub"]:
            raise InvalidToken("a client token names its client in client_id")
    elif kind != USER or "client_id" in claims:
        raise InvalidToken("typ is neither a user's nor a client's")
    try:
        access = AccessClaims(
            subject=uuid.UUID(claims["sub"]),
            kind=kind,
            firm_account_id=uuid.UUID(claims["fid"]),
            role=str(claims["role"]),
            scopes=frozenset(str(claims["scope"]).split()),
            jti=str(claims["jti"]),
            generation=_integer(claims["gen"]),
        )
        return access, int(claims["exp"])
    except (ValueError, TypeError, AttributeError) as exc:
        raise InvalidToken("malformed claims") from exc


def _integer(value: Any) -> int:
    if type(value) is not int:  # not a bool, a float or a string
        raise TypeError("not an integer")
    return value


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Refresh tokens and API client secrets are stored only as this digest (they are random,
    so no salt is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_client_secret() -> str:
    """An API client's secret: 256 random bits. Not a password a person chose: nothing can
    guess it, so a plain SHA-256 of it (`token_digest`) stores it safely, and checking it costs
    microseconds where Argon2 would cost 50 ms of CPU on every token request."""
    return secrets.token_urlsafe(32)


def secret_matches(secret: str, digest: str | None) -> bool:
    """Compare in constant time, so that the answer's timing tells nothing of the digest."""
    if digest is None:
        return False
    return hmac.compare_digest(token_digest(secret), digest)

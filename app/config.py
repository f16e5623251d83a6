import base64
import binascii
import logging
import os
import re
import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

log = logging.getLogger("app.config")

MIN_SECRET_BYTES = 32
NIR_KEY_BYTES = 32  # AES-256
_KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}")


class Environment(StrEnum):
    development = "development"
    production = "production"


# What DATABASE_URL may name: the embedded default and the production database.
_DATABASE_SCHEMES = ("sqlite:", "sqlite+aiosqlite:", "postgresql:", "postgresql+psycopg:")


class Settings(BaseSettings):
    # A refused value is never repeated in the error (the secrets and keys are values).
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", hide_input_in_errors=True)

    environment: Environment = Environment.development
    data_dir: Path = Path("data")
    # Default: a SQLite file inside data_dir. PostgreSQL: postgresql+psycopg://user@host/db
    database_url: str = ""
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    # Overload answers 503 quickly instead of queueing until everything times out.
    db_pool_timeout_seconds: float = Field(default=5, gt=0, le=60)
    db_lock_timeout_seconds: float = Field(default=5, gt=0, le=60)
    db_admission_timeout_seconds: float = Field(default=3, gt=0, le=60)
    # Write transactions one worker runs at once (default: the write pool's size on
    # PostgreSQL, 1 on SQLite, whose writers take turns anyway).
    db_max_writes_in_flight: int | None = Field(default=None, ge=1)
    # Reads whose work grows with the firm (deadlines, claim lists, summaries, exports) that one
    # worker runs at once, and how long another waits for its turn before 503.
    heavy_reads_in_flight: int = Field(default=1, ge=1)
    heavy_read_wait_seconds: float = Field(default=10, gt=0, le=120)

    jwt_secret: str = ""
    jwt_issuer: str = "apart-api"
    jwt_audience: str = "apart-api"
    # upper bounds (a week, a year, a day): far beyond them a moment overflows the calendar
    access_token_ttl_seconds: int = Field(default=900, ge=30, le=7 * 24 * 3600)
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=60, le=366 * 24 * 3600)
    # How long an API client's previous secret keeps working after a rotation (0: not at all).
    api_client_rotation_grace_seconds: int = Field(default=24 * 3600, ge=0, le=30 * 24 * 3600)

    # Keys that encrypt social security numbers at rest, `kid:base64key` separated by commas:
    # the first encrypts new values, the others still decrypt the values written with them.
    nir_encryption_keys: Annotated[list[str], NoDecode] = []

    signup_enabled: bool = True
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    # Any other body (JSON, forms). The largest claim allowed (2,000 lines, every text at its
    # longest, every letter \u-escaped, indented) is under 4 MB.
    max_json_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    cors_origins: Annotated[list[str], NoDecode] = []

    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=30, ge=1)
    login_failure_window_seconds: int = Field(default=900, ge=1, le=24 * 3600)
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (comma-separated addresses
    # or networks, `*` for any). Empty: none, the client address is the TCP peer's (the login
    # throttle counts per address, so no client may pick its own).
    forwarded_allow_ips: str = ""
    # How long the answer to a POST with an `Idempotency-Key` is kept for its retries.
    idempotency_ttl_seconds: int = Field(default=24 * 3600, ge=60)

    # Webhooks. Private, loopback and link-local destinations (and plain http://) are refused
    # unless this allows them: tests and development only.
    webhook_allow_private_addresses: bool = False
    # SQLite (one writer): deliver from the app's own process. PostgreSQL: run
    # `python -m app.cli worker` processes instead (or as well).
    webhook_worker_in_process: bool = False
    # Seconds before each retry after a failed attempt (jittered by ±20 %); when the last one
    # has failed too, the endpoint is disabled. The default: 9 attempts over about 37.5 hours
    # (30 at the least, every delay jittered down).
    webhook_retry_seconds: Annotated[list[int], NoDecode] = [
        5,
        300,
        1800,
        7200,
        18000,
        36000,
        36000,
        36000,
    ]
    webhook_timeout_seconds: float = Field(default=10, gt=0, le=30)
    # A claimed delivery belongs to its worker this long: longer than a request may take.
    webhook_lease_seconds: int = Field(default=120, ge=10, le=3600)
    webhook_poll_seconds: float = Field(default=2, gt=0, le=60)
    # How often a worker looks for deadlines coming due and implicit acceptances to announce.
    webhook_scan_interval_seconds: int = Field(default=3600, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _split_origins(cls, data: dict) -> dict:
        for name in ("cors_origins", "nir_encryption_keys"):
            raw = data.get(name) if isinstance(data, dict) else None
            if isinstance(raw, str):
                data[name] = [o.strip() for o in raw.split(",") if o.strip()]
        raw = data.get("webhook_retry_seconds") if isinstance(data, dict) else None
        if isinstance(raw, str):
            data["webhook_retry_seconds"] = [p.strip() for p in raw.split(",") if p.strip()]
        return data

    @model_validator(mode="after")
    def _defaults_and_secret(self) -> "Settings":
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'app.db'}"
        elif not self.database_url.startswith(_DATABASE_SCHEMES):
            raise ValueError(
                "DATABASE_URL must be a sqlite:/// or postgresql+psycopg:// URL (see the README)"
            )
        if self.jwt_secret:
            if len(self.jwt_secret.encode()) < MIN_SECRET_BYTES:
                raise ValueError(f"JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")
        elif self.environment is Environment.production:
            raise ValueError("JWT_SECRET is required in production")
        else:
            self.jwt_secret = _development_secret(self.data_dir)
        if self.nir_encryption_keys:
            _parse_keys(self.nir_encryption_keys)
        elif self.environment is Environment.production:
            raise ValueError("NIR_ENCRYPTION_KEYS is required in production")
        else:
            self.nir_encryption_keys = [_development_nir_key(self.data_dir)]
        return self

    @model_validator(mode="after")
    def _retry_schedule(self) -> "Settings":
        if not self.webhook_retry_seconds or any(
            not 0 <= s <= 7 * 24 * 3600 for s in self.webhook_retry_seconds
        ):
            raise ValueError("WEBHOOK_RETRY_SECONDS: one to many delays of 0 to 604800 seconds")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def nir_keys(self) -> list[tuple[str, bytes]]:
        """(key id, key) pairs, the key for new values first."""
        return _parse_keys(self.nir_encryption_keys)


def _parse_keys(entries: list[str]) -> list[tuple[str, bytes]]:
    """`kid:base64key` entries; the error names the entry by position and key id, never the key."""
    keys: list[tuple[str, bytes]] = []
    for position, entry in enumerate(entries, start=1):
        kid, _, encoded = entry.partition(":")
        where = f"NIR_ENCRYPTION_KEYS entry {position}"
        if not _KEY_ID.fullmatch(kid):
            raise ValueError(f"{where}: write it kid:base64key, kid of 1-32 letters, digits, _.-")
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise ValueError(f"{where} ({kid}): the key is not base64") from None
        if len(key) != NIR_KEY_BYTES:
            raise ValueError(f"{where} ({kid}): the key must be {NIR_KEY_BYTES} bytes")
        if any(kid == known for known, _ in keys):
            raise ValueError(f"{where}: key id {kid} appears twice")
        keys.append((kid, key))
    return keys


def new_nir_key(kid: str) -> str:
    """A fresh `kid:base64key` entry."""
    return f"{kid}:{base64.b64encode(secrets.token_bytes(NIR_KEY_BYTES)).decode()}"


def _development_secret(data_dir: Path) -> str:
    return _generated_once(data_dir, "jwt-secret", "a JWT secret", secrets.token_urlsafe(48))


def _development_nir_key(data_dir: Path) -> str:
    return _generated_once(data_dir, "nir-key", "a NIR encryption key", new_nir_key("dev"))


def _generated_once(data_dir: Path, name: str, what: str, value: str) -> str:
    """Generate once, then share through a file so every worker and restart agree."""
    path = data_dir / name
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = data_dir / f".{name}.{os.getpid()}"
    tmp.write_text(value)
    tmp.chmod(0o600)
    try:
        # link() is atomic and refuses an existing target: the first worker wins.
        os.link(tmp, path)
        log.warning("development mode: generated %s and stored it in %s", what, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()


def configuration_problems() -> list[str]:
    """What is wrong with the environment's settings, one line per problem (never a value: it
    may be a secret); empty when they are valid."""
    try:
        get_settings()
    except ValidationError as exc:
        lines = []
        for error in exc.errors(include_url=False, include_input=False):
            message = error["msg"].removeprefix("Value error, ")
            name = "_".join(str(part) for part in error["loc"]).upper()
            lines.append(f"{name}: {message}" if name else message)
        return lines
    except SettingsError as exc:  # e.g. a value pydantic-settings cannot decode
        return [str(exc)]
    except OSError as exc:  # the data folder cannot hold the development secrets
        return [f"DATA_DIR: {exc.strerror or type(exc).__name__}: {exc.filename or ''}".rstrip()]
    return []

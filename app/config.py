import logging
import os
import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

log = logging.getLogger("app.config")

MIN_SECRET_BYTES = 32


class Environment(StrEnum):
    development = "development"
    production = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

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
    heavy_reads_in_flight: int = Field(default=2, ge=1)
    heavy_read_wait_seconds: float = Field(default=10, gt=0, le=120)

    jwt_secret: str = ""
    jwt_issuer: str = "apart-api"
    jwt_audience: str = "apart-api"
    access_token_ttl_seconds: int = Field(default=900, ge=30)
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=60)

    signup_enabled: bool = True
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    cors_origins: Annotated[list[str], NoDecode] = []

    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=30, ge=1)
    login_failure_window_seconds: int = Field(default=900, ge=1)
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (comma-separated addresses
    # or networks, `*` for any). Empty: none, the client address is the TCP peer's (the login
    # throttle counts per address, so no client may pick its own).
    forwarded_allow_ips: str = ""

    @model_validator(mode="before")
    @classmethod
    def _split_origins(cls, data: dict) -> dict:
        raw = data.get("cors_origins") if isinstance(data, dict) else None
        if isinstance(raw, str):
            data["cors_origins"] = [o.strip() for o in raw.split(",") if o.strip()]
        return data

    @model_validator(mode="after")
    def _defaults_and_secret(self) -> "Settings":
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'app.db'}"
        if self.jwt_secret:
            if len(self.jwt_secret.encode()) < MIN_SECRET_BYTES:
                raise ValueError(f"JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")
        elif self.environment is Environment.production:
            raise ValueError("JWT_SECRET is required in production")
        else:
            self.jwt_secret = _development_secret(self.data_dir)
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _development_secret(data_dir: Path) -> str:
    """Generate once, then share through a file so every worker and restart agree."""
    path = data_dir / "jwt-secret"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = data_dir / f".jwt-secret.{os.getpid()}"
    tmp.write_text(secrets.token_urlsafe(48))
    tmp.chmod(0o600)
    try:
        # link() is atomic and refuses an existing target: the first worker wins.
        os.link(tmp, path)
        log.warning("development mode: generated a JWT secret and stored it in %s", path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()

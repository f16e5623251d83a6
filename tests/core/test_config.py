"""Settings: the JWT secret rules and the development secret shared through the data folder."""

import pytest
from pydantic import ValidationError

from app.config import Settings
from tests.conftest import test_settings


def test_production_refuses_a_missing_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("JWT_SECRET", raising=False)
    with pytest.raises(ValidationError, match="JWT_SECRET is required"):
        Settings(environment="production", data_dir=tmp_path, jwt_secret="")


def test_a_secret_shorter_than_32_bytes_is_refused(tmp_path):
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        Settings(environment="production", data_dir=tmp_path, jwt_secret="s" * 31)
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        Settings(environment="development", data_dir=tmp_path, jwt_secret="s" * 31)


def test_development_generates_one_secret_and_every_start_reuses_it(tmp_path, monkeypatch):
    monkeypatch.delenv("JWT_SECRET", raising=False)
    first = Settings(environment="development", data_dir=tmp_path, jwt_secret="")
    second = Settings(environment="development", data_dir=tmp_path, jwt_secret="")
    assert len(first.jwt_secret.encode()) >= 32
    assert first.jwt_secret == second.jwt_secret == (tmp_path / "jwt-secret").read_text().strip()
    assert (tmp_path / "jwt-secret").stat().st_mode & 0o077 == 0


def test_default_database_is_a_sqlite_file_in_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = Settings(data_dir=tmp_path, jwt_secret="s" * 32)
    assert settings.database_url == f"sqlite:///{tmp_path / 'app.db'}"


def test_cors_origins_read_as_a_comma_separated_list(tmp_path, monkeypatch):
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    settings = Settings(data_dir=tmp_path, jwt_secret="s" * 32)
    assert settings.cors_origins == ["https://a.example", "https://b.example"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("access_token_ttl_seconds", 7 * 24 * 3600 + 1),
        ("refresh_token_ttl_seconds", 366 * 24 * 3600 + 1),
        ("login_failure_window_seconds", 24 * 3600 + 1),
    ],
)
def test_lifetimes_and_the_throttle_window_have_an_upper_bound(tmp_path, name, value):
    """10**12 seconds passed the start-up check, then every login overflowed the calendar."""
    with pytest.raises(ValidationError) as raised:
        test_settings("sqlite://", tmp_path, **{name: value})
    assert raised.value.errors()[0]["loc"] == (name,)

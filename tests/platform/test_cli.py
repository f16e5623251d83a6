"""The command line: migrations, creating a firm where public sign-up is off, and configuration
errors told in one line each."""

import os
import subprocess
import sys

import pytest
from sqlmodel import Session, select

from app import cli
from app.config import get_settings
from app.db import make_sync_engine
from app.firms.models import FirmAccount, User
from tests.conftest import ROOT, ScratchDatabase


def test_create_firm_command_creates_the_firm_and_its_owner(tmp_path, monkeypatch, capsys):
    db = ScratchDatabase(tmp_path, "cli")
    monkeypatch.setenv("DATABASE_URL", db.url)
    monkeypatch.setenv("JWT_SECRET", "c" * 40)
    monkeypatch.setenv("OWNER_PASSWORD", "correct horse battery staple")
    get_settings.cache_clear()
    try:
        assert cli.main(["migrate"]) == 0
        args = [
            "create-firm", "--name", "Cabinet CLI", "--siret", "732 829 320 00074",
            "--email", "apart@cli-exemple.fr", "--owner-email", "Boss@cli-exemple.fr",
            "--owner-name", "Boss",
        ]  # fmt: skip
        assert cli.main(args) == 0
        assert cli.main(args) == 1
        assert "duplicate_email" in capsys.readouterr().err
        engine = make_sync_engine(get_settings())
        with Session(engine) as session:
            firm = session.exec(select(FirmAccount)).one()
            owner = session.exec(select(User)).one()
        engine.dispose()
        assert (firm.siret, owner.email, owner.role) == (
            "73282932000074",
            "boss@cli-exemple.fr",
            "owner",
        )
        assert owner.password_hash.startswith("$argon2id$")
    finally:
        get_settings.cache_clear()
        db.drop()


def test_create_firm_command_refuses_an_invalid_siret(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OWNER_PASSWORD", "correct horse battery staple")
    args = [
        "create-firm", "--name", "X", "--siret", "123", "--email", "a@cli-exemple.fr",
        "--owner-email", "b@cli-exemple.fr", "--owner-name", "B",
    ]  # fmt: skip
    assert cli.main(args) == 2
    assert "siret" in capsys.readouterr().err


def run_cli(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own, from an empty folder (no `.env`), with only the
    given settings."""
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=tmp_path,
        env={**base, "PYTHONPATH": str(ROOT), "DATA_DIR": str(tmp_path / "data"), **env},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


FIRM_ARGS = (
    "--name", "Cabinet", "--siret", "73282932000074", "--email", "a@cli-exemple.fr",
    "--owner-email", "b@cli-exemple.fr", "--owner-name", "Boss",
)  # fmt: skip


@pytest.mark.parametrize(
    ("command", "env", "lines"),
    [
        (("serve", "--port", "1"), {"ENVIRONMENT": "production"}, ["JWT_SECRET is required"]),
        (("migrate",), {"JWT_SECRET": "short"}, ["JWT_SECRET must be at least 32 bytes"]),
        (
            ("create-firm", *FIRM_ARGS),
            {"ACCESS_TOKEN_TTL_SECONDS": "5", "DB_POOL_SIZE": "many", "OWNER_PASSWORD": "x" * 12},
            ["DB_POOL_SIZE: Input should be", "ACCESS_TOKEN_TTL_SECONDS: Input should be"],
        ),
        (("migrate",), {"DATABASE_URL": "garbage://x"}, ["DATABASE_URL must be a sqlite"]),
        (("migrate",), {"DATA_DIR": "/proc/no-such-folder"}, ["DATA_DIR: "]),
    ],
)
def test_a_configuration_error_is_one_line_per_problem_and_exit_code_2(
    tmp_path, command, env, lines
):
    result = run_cli(tmp_path, *command, **env)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    errors = result.stderr.splitlines()
    assert len(errors) == len(lines), result.stderr
    for error, expected in zip(errors, lines, strict=True):
        assert error.startswith("configuration error: ") and expected in error, error
    assert not (tmp_path / "data" / "app.db").exists()  # nothing was migrated


def test_an_unreachable_database_is_one_line_and_exit_code_2(tmp_path):
    """Migrations run first: a database that refuses the connection was a 129-line traceback."""
    url = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"  # nothing listens on port 1
    result = run_cli(tmp_path, "migrate", DATABASE_URL=url)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert errors == [
        "error: the database cannot be reached: connection failed: connection to server at "
        '"127.0.0.1", port 1 failed: Connection refused'
    ]

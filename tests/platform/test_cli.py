"""The command line: migrations and creating a firm where public sign-up is off."""

from sqlmodel import Session, select

from app import cli
from app.config import get_settings
from app.db import make_sync_engine
from app.firms.models import FirmAccount, User
from tests.conftest import ScratchDatabase


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

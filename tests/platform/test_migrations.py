"""Migrations are the only source of the schema: reversible, and in step with the models."""

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from app.config import Settings
from app.db import make_sync_engine, metadata
from app.main import create_app
from tests.conftest import ScratchDatabase, alembic_config, test_settings
from tests.support.lifecycle import claim_for, line, setup_request


@pytest.fixture
def scratch(tmp_path):
    db = ScratchDatabase(tmp_path, "migrations")
    engine = make_sync_engine(Settings(database_url=db.url, jwt_secret="m" * 40, data_dir=tmp_path))
    yield engine
    engine.dispose()
    db.drop()


def run(engine, fn, revision):
    with engine.begin() as conn:
        fn(alembic_config(conn), revision)


def test_upgrade_downgrade_upgrade_leaves_the_models_schema(scratch):
    run(scratch, command.upgrade, "head")
    run(scratch, command.downgrade, "base")
    with scratch.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    run(scratch, command.upgrade, "head")
    with scratch.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), metadata
        )
    assert diff == []


def test_nir_encryption_migrates_existing_numbers_both_ways(scratch, tmp_path):
    """d8b73728b729: its downgrade puts the NIRs of existing lines back in clear, its upgrade
    encrypts them, and they read as before. The lines are a real claim's, made over the API."""
    run(scratch, command.upgrade, "head")
    settings = test_settings(scratch.url.render_as_string(hide_password=False), tmp_path)
    with TestClient(create_app(settings)) as client:
        ctx, request_id = setup_request(client)
        claim = claim_for(client, ctx, request_id, "2020-04", [line("E1", nir=NIR), line("E2")])
    run_with_keys(scratch, command.downgrade, "fdf643b40a06", settings)
    assert stored_nirs(scratch) == [NIR.replace(" ", ""), None]

    run_with_keys(scratch, command.upgrade, "head", settings)
    encrypted, none = stored_nirs(scratch)
    assert none is None and encrypted.startswith("v1:test1:")
    assert NIR.replace(" ", "") not in encrypted
    with TestClient(create_app(settings)) as client:
        shown = client.get(f"/v1/claims/{claim['id']}", headers=ctx["headers"]).json()
    assert [ln["nir"] for ln in shown["lines"]] == ["1 ** ** ** *** *** 91", None]


NIR = "1 85 05 78 006 084 91"


def run_with_keys(engine, fn, revision, settings):
    with engine.begin() as conn:
        config = alembic_config(conn)
        config.attributes["nir_keys"] = settings.nir_keys
        fn(config, revision)


def stored_nirs(engine) -> list[str | None]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT nir FROM claim_line ORDER BY position")).scalars())

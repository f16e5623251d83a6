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


def test_lines_filed_before_the_revision_keep_the_amounts_they_were_filed_with(scratch, tmp_path):
    """3c1e7d2a9b40: the lines of claims filed before it get the amounts of the rule then in
    force (R24: a filed claim is immutable), the drafts are computed with the revised one."""
    run(scratch, command.upgrade, "head")
    settings = test_settings(scratch.url.render_as_string(hide_password=False), tmp_path)
    with TestClient(create_app(settings)) as client:
        ctx, request_id = setup_request(client)
        lines = [
            line("E1", hourly_rate="60.00", hours_not_worked="10"),
            line("E2", hourly_rate="7.00", hours_not_worked="20"),
        ]
        filed = claim_for(client, ctx, request_id, "2020-06", lines)
        response = client.post(
            f"/v1/claims/{filed['id']}/file",
            headers=ctx["headers"],
            json={"filed_on": "2020-07-06"},
        )
        assert response.status_code == 200, response.text
        draft = claim_for(client, ctx, request_id, "2020-05", [line("E2", hourly_rate="7.00")])
    # back to before the revision (its columns dropped), then forward again: the backfill
    run(scratch, command.downgrade, "6bbfc4adb651")
    run(scratch, command.upgrade, "head")
    with TestClient(create_app(settings)) as client:
        shown = client.get(f"/v1/claims/{filed['id']}", headers=ctx["headers"]).json()
        again = client.get(f"/v1/claims/{draft['id']}", headers=ctx["headers"]).json()
    got = [
        (ln["indemnity_per_hour"], ln["indemnity_amount"], ln["allocation_amount"], ln["applied"])
        for ln in shown["lines"]
    ]
    # the previous rule, June 2020 general 70 / 60 / 8.03: E1 on the cap 45.675, 70 % = 31.9725
    # × 10 h = 319.73, 60 % = 27.405 → 274.05; E2 at its own 7.00 € (below the floor) × 20 h
    assert got == [
        ("31.9725", "319.73", "274.05", ["hourly_cap"]),
        ("7.0000", "140.00", "140.00",
         ["indemnity_floor", "indemnity_at_own_rate", "allocation_floor",
          "allocation_at_indemnity"]),
    ]  # fmt: skip
    # the draft with the revised rule: the floor 8.03 × 80 h = 642.40 for both
    assert [ln["indemnity_amount"] for ln in again["lines"]] == ["642.40"]

"""Migrations are the only source of the schema: reversible, and in step with the models."""

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.config import Settings
from app.db import make_sync_engine, metadata
from tests.conftest import ScratchDatabase, alembic_config


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

from logging.config import fileConfig
from pathlib import Path
from typing import Any, Literal

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel.sql.sqltypes import AutoString

import app.models  # noqa: F401  (registers every table on the metadata)
from app.config import get_settings
from app.core.crypto import Encrypted
from app.db import DecimalType, UTCDateTime, make_sync_engine, metadata

config = context.config
# pg_advisory_lock's key for migrations: any fixed 64-bit number that nothing else uses.
MIGRATION_LOCK_KEY = 0x61_70_61_72_74_6D_69_67  # "apartmig"
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    # Migrations are snapshots: they use plain SQLAlchemy types, never the app's own.
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})"
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, Encrypted):
        return f"sa.String(length={obj.impl_instance.length})"
    if type_ == "type" and isinstance(obj, DecimalType):
        # text on SQLite, whose NUMERIC affinity would turn exact decimals into floats
        return (
            f"sa.Numeric({obj.precision}, {obj.scale})"
            f'.with_variant(sa.String({obj.precision + 2}), "sqlite")'
        )
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_item=_render_item,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:  # tests hand over their own connection
        _run(connection)
        return
    settings = get_settings()
    if settings.is_sqlite:
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    engine = make_sync_engine(settings)
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # Replicas starting together migrate one at a time; the others then find the schema
            # at head and have nothing to do. The lock is the session's: it outlives the commit.
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            conn.commit()
            try:
                _run(conn)
            finally:
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
                conn.commit()
        else:
            _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported")
run_online()

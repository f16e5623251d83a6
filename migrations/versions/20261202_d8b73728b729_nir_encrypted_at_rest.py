"""social security numbers encrypted at rest

`claim_line.nir` holds `v1:<key id>:<base64(nonce + ciphertext)>` (AES-256-GCM, see
app.core.crypto) instead of the number: the column widens from 15 to 128 characters and the
existing numbers are encrypted, in batches, with the first of NIR_ENCRYPTION_KEYS. The downgrade
decrypts them back (every key that wrote one must still be configured) and narrows the column.

No query looks a line up by its NIR (R22's annual quota counts by employee reference), so no
searchable hash of it is stored.

Revision ID: d8b73728b729
Revises: fdf643b40a06
Create Date: 2026-12-02 04:51:35.524491
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import context, op

from app.config import get_settings
from app.core.crypto import FieldCipher

revision: str = 'd8b73728b729'
down_revision: str | None = 'fdf643b40a06'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500  # lines read and rewritten per round

claim_line = sa.table("claim_line", sa.column("id", sa.Uuid()), sa.column("nir", sa.String()))
ENCRYPTED = claim_line.c.nir.like("v1:%")


def _cipher() -> FieldCipher:
    """The keys handed over by the caller (tests), else the service's settings."""
    keys = context.config.attributes.get("nir_keys")
    return FieldCipher(keys if keys is not None else get_settings().nir_keys)


def _rewrite(pending: sa.ColumnElement[bool], convert: Callable[[FieldCipher, str], str]) -> None:
    """Rewrite the NIRs of the lines `pending` selects until none is left; each round's rewritten
    lines leave the selection."""
    connection = op.get_bind()
    cipher: FieldCipher | None = None
    select = (
        sa.select(claim_line.c.id, claim_line.c.nir)
        .where(claim_line.c.nir.is_not(None), pending)
        .order_by(claim_line.c.id)
        .limit(BATCH)
    )
    update = (
        claim_line.update()
        .where(claim_line.c.id == sa.bindparam("line_id"))
        .values(nir=sa.bindparam("value"))
    )
    while rows := connection.execute(select).all():
        cipher = cipher or _cipher()  # no keys needed for a database without NIRs
        connection.execute(
            update, [{"line_id": row.id, "value": convert(cipher, row.nir)} for row in rows]
        )


def upgrade() -> None:
    with op.batch_alter_table('claim_line', schema=None) as batch_op:
        batch_op.alter_column(
            'nir', existing_type=sa.String(length=15), type_=sa.String(length=128)
        )
    _rewrite(sa.not_(ENCRYPTED), FieldCipher.encrypt)


def downgrade() -> None:
    _rewrite(ENCRYPTED, FieldCipher.decrypt)
    with op.batch_alter_table('claim_line', schema=None) as batch_op:
        batch_op.alter_column(
            'nir', existing_type=sa.String(length=128), type_=sa.String(length=15)
        )

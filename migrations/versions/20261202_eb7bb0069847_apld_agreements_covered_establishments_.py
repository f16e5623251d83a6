"""apld agreements, covered establishments and renewals

APLD (R35-R38): a client's agreement (draft, filed, decided), the establishments it covers and
the renewals of its 6-month authorizations (bilan, decision). New tables only: nothing that
others point to is altered, so SQLite copies no table.

Revision ID: eb7bb0069847
Revises: 3c1e7d2a9b40
Create Date: 2026-12-02 08:21:06.351421
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "eb7bb0069847"
down_revision: str | None = "3c1e7d2a9b40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "apld_agreement",
        sa.Column("row_version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("firm_account_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("type", sa.String(length=30), nullable=True),
        sa.Column("start_on", sa.Date(), nullable=True),
        sa.Column("duration_months", sa.Integer(), nullable=True),
        sa.Column(
            "max_reduction", sa.Numeric(5, 2).with_variant(sa.String(7), "sqlite"), nullable=True
        ),
        sa.Column("activities", sa.Text(), nullable=True),
        sa.Column("employees_covered", sa.Text(), nullable=True),
        sa.Column("diagnostic", sa.Text(), nullable=True),
        sa.Column("commitments", sa.Text(), nullable=True),
        sa.Column("information", sa.Text(), nullable=True),
        sa.Column("has_cse", sa.Boolean(), nullable=True),
        sa.Column("document_id", sa.Uuid(), nullable=True),
        sa.Column("cse_opinion_document_id", sa.Uuid(), nullable=True),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tacit_decision_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("contract_id", sa.Uuid(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("reduction_granted", sa.Boolean(), nullable=True),
        sa.Column("neutralisation_basis", sa.String(length=30), nullable=True),
        sa.Column("neutralisation_recorded_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_apld_agreement_client_id_client")
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_apld_agreement_contract_id_contract")
        ),
        sa.ForeignKeyConstraint(
            ["cse_opinion_document_id"],
            ["document.id"],
            name=op.f("fk_apld_agreement_cse_opinion_document_id_document"),
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_apld_agreement_document_id_document")
        ),
        sa.ForeignKeyConstraint(
            ["firm_account_id"],
            ["firm_account.id"],
            name=op.f("fk_apld_agreement_firm_account_id_firm_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apld_agreement")),
    )
    op.create_index("ix_apld_agreement_client_id", "apld_agreement", ["client_id"], unique=False)
    op.create_index(
        "ix_apld_agreement_firm_account_id_id",
        "apld_agreement",
        ["firm_account_id", "id"],
        unique=False,
    )

    op.create_table(
        "apld_covered_establishment",
        sa.Column("agreement_id", sa.Uuid(), nullable=False),
        sa.Column("establishment_id", sa.Uuid(), nullable=False),
        sa.Column("firm_account_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["apld_agreement.id"],
            name=op.f("fk_apld_covered_establishment_agreement_id_apld_agreement"),
        ),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_apld_covered_establishment_establishment_id_establishment"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_account_id"],
            ["firm_account.id"],
            name=op.f("fk_apld_covered_establishment_firm_account_id_firm_account"),
        ),
        sa.PrimaryKeyConstraint(
            "agreement_id", "establishment_id", name=op.f("pk_apld_covered_establishment")
        ),
    )
    op.create_index(
        op.f("ix_apld_covered_establishment_establishment_id"),
        "apld_covered_establishment",
        ["establishment_id"],
        unique=False,
    )

    op.create_table(
        "apld_renewal",
        sa.Column("row_version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("firm_account_id", sa.Uuid(), nullable=False),
        sa.Column("agreement_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("bilan_on", sa.Date(), nullable=False),
        sa.Column("bilan_document_id", sa.Uuid(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("cap_months", sa.Integer(), nullable=False),
        sa.Column("cap_window_months", sa.Integer(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["apld_agreement.id"],
            name=op.f("fk_apld_renewal_agreement_id_apld_agreement"),
        ),
        sa.ForeignKeyConstraint(
            ["bilan_document_id"],
            ["document.id"],
            name=op.f("fk_apld_renewal_bilan_document_id_document"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_apld_renewal_client_id_client")
        ),
        sa.ForeignKeyConstraint(
            ["firm_account_id"],
            ["firm_account.id"],
            name=op.f("fk_apld_renewal_firm_account_id_firm_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apld_renewal")),
    )
    op.create_index(
        "ix_apld_renewal_agreement_id", "apld_renewal", ["agreement_id", "start_on"], unique=False
    )
    op.create_index(
        op.f("ix_apld_renewal_firm_account_id"), "apld_renewal", ["firm_account_id"], unique=False
    )


def downgrade() -> None:
    # dropping a table drops its indexes
    op.drop_table("apld_renewal")
    op.drop_table("apld_covered_establishment")
    op.drop_table("apld_agreement")

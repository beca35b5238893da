"""The bridge's tables as `create_all` made them before migrations: keys, participations, batches, meals, lease.

Revision ID: 0001
Revises:
Created: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("coordinator", sa.String(42), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_api_keys_coordinator", "api_keys", ["coordinator"])

    op.create_table(
        "batches",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("nonce", sa.BigInteger(), nullable=False),
        sa.Column("sender", sa.String(42), nullable=False),
        sa.Column("tx_hashes", sa.JSON(), nullable=False),
        sa.Column("raw_tx", sa.Text(), nullable=False),
        sa.Column("tx", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("repriced_at", sa.DateTime(), nullable=True),
        sa.Column("block", sa.BigInteger(), nullable=True),
        sa.Column("gas_used", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_batches_status", "batches", ["status"])

    op.create_table(
        "participations",
        sa.Column("participation_id", sa.String(200), primary_key=True),
        sa.Column("key", sa.String(66), nullable=False),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("member", sa.String(42), nullable=False),
        sa.Column("project_id", sa.BigInteger(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("evidence_uri", sa.Text(), nullable=True),
        sa.Column("meal", sa.Boolean(), nullable=False),
        sa.Column("coordinator", sa.String(42), nullable=False),
        sa.Column("api_key_id", sa.String(16), nullable=True),
        sa.Column("attestation", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("tx_hash", sa.String(66), nullable=True),
        sa.Column("block", sa.BigInteger(), nullable=True),
        sa.Column("minted", sa.String(80), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("key"),  # one row per key on chain: each participation is minted once
        sa.ForeignKeyConstraint(["batch_id"], ["batches.id"]),
    )
    op.create_index("ix_participations_member", "participations", ["member"])
    op.create_index("ix_participations_status", "participations", ["status"])
    op.create_index("ix_participations_batch_id", "participations", ["batch_id"])
    op.create_index("ix_participations_created_at", "participations", ["created_at"])

    op.create_table(
        "meals",
        sa.Column("participation_id", sa.String(200), primary_key=True),
        sa.Column("served_on", sa.String(10), nullable=False),
        sa.Column("served_at", sa.DateTime(), nullable=False),
        sa.Column("member", sa.String(42), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(42), nullable=False),
        sa.ForeignKeyConstraint(["participation_id"], ["participations.participation_id"]),
    )
    op.create_index("ix_meals_served_on", "meals", ["served_on"])
    op.create_index("ix_meals_member", "meals", ["member"])

    op.create_table(
        "worker_lease",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("worker_lease")
    op.drop_index("ix_meals_member", table_name="meals")
    op.drop_index("ix_meals_served_on", table_name="meals")
    op.drop_table("meals")
    op.drop_index("ix_participations_created_at", table_name="participations")
    op.drop_index("ix_participations_batch_id", table_name="participations")
    op.drop_index("ix_participations_status", table_name="participations")
    op.drop_index("ix_participations_member", table_name="participations")
    op.drop_table("participations")
    op.drop_index("ix_batches_status", table_name="batches")
    op.drop_table("batches")
    op.drop_index("ix_api_keys_coordinator", table_name="api_keys")
    op.drop_table("api_keys")

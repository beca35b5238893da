"""Members' relayed actions (gasless, ERC-2771): one row per signed forward request; what each batch cost.

Revision ID: 0003
Revises: 0002
Created: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("batches", sa.Column("cost", sa.String(80), nullable=True))
    op.add_column("batches", sa.Column("mined_at", sa.DateTime(), nullable=True))
    op.create_index("ix_batches_mined_at", "batches", ["mined_at"])
    op.create_table(
        "relays",
        sa.Column("id", sa.String(66), primary_key=True),
        sa.Column("signer", sa.String(42), nullable=False),
        sa.Column("target", sa.String(42), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("nonce", sa.BigInteger(), nullable=False),
        sa.Column("gas", sa.BigInteger(), nullable=False),
        sa.Column("deadline", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("signature", sa.String(132), nullable=False),
        sa.Column("estimate", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("batches.id"), nullable=True),
        sa.Column("tx_hash", sa.String(66), nullable=True),
        sa.Column("block", sa.BigInteger(), nullable=True),
        sa.Column("gas_used", sa.BigInteger(), nullable=True),
        sa.Column("cost", sa.String(80), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    live = sa.text("status != 'failed'")  # a failed request leaves its nonce free for the member's next one
    op.create_index(
        "ux_relays_signer_nonce",
        "relays",
        ["signer", "nonce"],
        unique=True,
        sqlite_where=live,
        postgresql_where=live,
    )
    op.create_index("ix_relays_signer_day", "relays", ["signer", "day"])
    op.create_index("ix_relays_status", "relays", ["status"])
    op.create_index("ix_relays_batch_id", "relays", ["batch_id"])
    op.create_index("ix_relays_created_at", "relays", ["created_at"])


def downgrade() -> None:
    op.drop_table("relays")
    op.drop_index("ix_batches_mined_at", table_name="batches")
    op.drop_column("batches", "mined_at")
    op.drop_column("batches", "cost")

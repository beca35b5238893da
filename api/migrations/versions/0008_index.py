"""The index: the town's events read from the chain, the blocks they are in, the cursor, and the headline figures
kept as they are read (issue 29). The tables start empty: the bridge reads the town's events into them from its
first block when it starts.

Revision ID: 0008
Revises: 0007
Created: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "index_cursor",
        sa.Column("source", sa.String(40), primary_key=True),
        sa.Column("block", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(66), nullable=False),
    )
    op.create_table(
        "index_blocks",
        sa.Column("number", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("hash", sa.String(66), nullable=False),
        sa.Column("parent", sa.String(66), nullable=False),
        sa.Column("time", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "index_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("block", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("tx", sa.String(66), nullable=False),
        sa.Column("contract", sa.String(42), nullable=False),
        sa.Column("kind", sa.String(80), nullable=False),
        sa.Column("business_id", sa.Integer(), nullable=True),
        sa.Column("account", sa.String(42), nullable=True),
        sa.Column("other", sa.String(42), nullable=True),
        sa.Column("asset", sa.String(42), nullable=True),
        sa.Column("amount", sa.String(80), nullable=True),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.UniqueConstraint("block", "log_index", name="uq_index_events_log"),
    )
    op.create_index("ix_index_events_block", "index_events", ["block"])
    op.create_index("ix_index_events_account_block", "index_events", ["account", "block"])
    op.create_index("ix_index_events_kind_block", "index_events", ["kind", "block"])
    op.create_table(
        "index_totals",
        sa.Column("key", sa.String(120), primary_key=True),
        sa.Column("value", sa.String(80), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("index_totals")
    op.drop_index("ix_index_events_kind_block", "index_events")
    op.drop_index("ix_index_events_account_block", "index_events")
    op.drop_index("ix_index_events_block", "index_events")
    op.drop_table("index_events")
    op.drop_table("index_blocks")
    op.drop_table("index_cursor")

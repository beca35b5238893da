"""The index follows the whole OST network: every event carries its town (the town's registry; the network's own
events and the shared forwarder's carry none), and each town's figures are kept apart (issue 29: the network's
figures from the index; issue 31: one bridge, many towns).

The index is read from the chain, which keeps every event: its tables are made again empty, and the bridge reads
them again from the network's first block when it starts. Nothing else is touched.

Revision ID: 0009
Revises: 0008
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def _events(town: bool) -> None:
    op.create_table(
        "index_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        *([sa.Column("town", sa.String(42), nullable=False)] if town else []),
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
    if town:
        op.create_index("ix_index_events_town_account_block", "index_events", ["town", "account", "block"])
        op.create_index("ix_index_events_town_kind_block", "index_events", ["town", "kind", "block"])
        # The network's reads (its towns, the contracts to follow) look for kinds across every town.
        op.create_index("ix_index_events_kind_block", "index_events", ["kind", "block"])
    else:
        op.create_index("ix_index_events_account_block", "index_events", ["account", "block"])
        op.create_index("ix_index_events_kind_block", "index_events", ["kind", "block"])


def _totals(town: bool) -> None:
    op.create_table(
        "index_totals",
        *([sa.Column("town", sa.String(42), primary_key=True)] if town else []),
        sa.Column("key", sa.String(120), primary_key=True),
        sa.Column("value", sa.String(80), nullable=False),
    )


def _empty_again(town: bool) -> None:
    op.drop_table("index_totals")
    op.drop_table("index_events")  # its indexes go with it
    op.execute(sa.text("DELETE FROM index_blocks"))
    op.execute(sa.text("DELETE FROM index_cursor"))
    _events(town)
    _totals(town)


def upgrade() -> None:
    _empty_again(town=True)


def downgrade() -> None:
    _empty_again(town=False)

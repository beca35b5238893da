"""Ambassadors' signed orders about phone members, one-time PINs after a reset, and when an SMS is retried.

Revision ID: 0005
Revises: 0004
Created: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "phone_orders",
        sa.Column("nonce", sa.String(66), primary_key=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("phone", sa.String(16), nullable=False),
        sa.Column("signer", sa.String(42), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_phone_orders_phone", "phone_orders", ["phone"])
    with op.batch_alter_table("phone_accounts") as table:  # SQLite alters a table by copying it
        table.add_column(sa.Column("pin_reset", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("sms_outbox") as table:
        table.add_column(sa.Column("not_before", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sms_outbox") as table:
        table.drop_column("not_before")
    with op.batch_alter_table("phone_accounts") as table:
        table.drop_column("pin_reset")
    op.drop_table("phone_orders")

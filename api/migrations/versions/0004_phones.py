"""Members with a feature phone: their custodial accounts, lost-SIM moves, the SMS outbox, the last USSD replies.

Revision ID: 0004
Revises: 0003
Created: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "phone_accounts",
        sa.Column("phone", sa.String(16), primary_key=True),
        sa.Column("address", sa.String(42), nullable=False, unique=True),
        sa.Column("sealed_key", sa.Text(), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("pin_hash", sa.Text(), nullable=True),
        sa.Column("pin_failures", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "ussd_steps",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_ussd_steps_created_at", "ussd_steps", ["created_at"])
    op.create_table(
        "phone_moves",
        sa.Column("old_phone", sa.String(16), primary_key=True),
        sa.Column("new_phone", sa.String(16), nullable=False),
        sa.Column("proposed_by", sa.String(42), nullable=False),
        sa.Column("confirmed_by", sa.String(42), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "sms_outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("dedupe", sa.String(120), nullable=False, unique=True),
        sa.Column("phone", sa.String(16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_sms_outbox_phone", "sms_outbox", ["phone"])
    op.create_index("ix_sms_outbox_status", "sms_outbox", ["status"])


def downgrade() -> None:
    op.drop_table("sms_outbox")
    op.drop_table("phone_moves")
    op.drop_table("ussd_steps")
    op.drop_table("phone_accounts")

"""The chain day each participation was minted on, so the bridge can hold each coordinator to its daily cap.

Revision ID: 0002
Revises: 0001
Created: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("participations") as table:
        table.add_column(sa.Column("minted_day", sa.BigInteger(), nullable=True))
        table.create_index("ix_participations_coordinator_day", ["coordinator", "minted_day"])


def downgrade() -> None:
    with op.batch_alter_table("participations") as table:
        table.drop_index("ix_participations_coordinator_day")
        table.drop_column("minted_day")

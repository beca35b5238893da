"""An index to sum what each coordinator had minted through the bridge since a block, for its daily cap.

Revision ID: 0002
Revises: 0001
Created: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_participations_coordinator_block", "participations", ["coordinator", "block"])


def downgrade() -> None:
    op.drop_index("ix_participations_coordinator_block", table_name="participations")

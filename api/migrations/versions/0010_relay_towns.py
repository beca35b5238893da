"""A relayed request records its town (its registry): one bridge relays for every town it serves, each town's
requests take their turn in a batch, its members' day quotas are its own, and /healthz says what each town's cost.
Rows already there belong to the bridge's first town: they are given "" here, and the bridge names its first town
in them when it starts (a migration does not know which town that is).

Revision ID: 0010
Revises: 0009
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("relays") as batch:
        batch.add_column(sa.Column("town", sa.String(42), nullable=False, server_default=""))
    op.create_index("ix_relays_town_status", "relays", ["town", "status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_relays_town_status", table_name="relays")
    with op.batch_alter_table("relays") as batch:
        batch.drop_column("town")

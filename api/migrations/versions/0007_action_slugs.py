"""A relayed request records its member action by slug ("send-inf"), not by its English words ("send INF"): the
SMS receipts and the API read the action from the registry (ost_chain/actions.py), so renaming the words no longer
breaks a receipt. Rows already there move to their slugs; the downgrade moves them back.

Revision ID: 0007
Revises: 0006
Created: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

# The words each action was recorded by before this revision, and its slug: fixed here, as they were then (the
# registry may word them differently later; a migration must not follow it).
SLUGS = {
    "send INF": "send-inf",
    "redeem a basket": "redeem-basket",
    "permit INF": "permit-inf",
    "claim profit": "claim-profit",
    "claim investor profit": "claim-investor-profit",
    "buy shares": "buy-shares",
    "take a refund": "take-refund",
    "send shares": "send-shares",
}
relays = sa.table("relays", sa.column("action", sa.String(40)))


def _rename(pairs: dict[str, str]) -> None:
    for old, new in pairs.items():
        op.execute(relays.update().where(relays.c.action == old).values(action=new))


def upgrade() -> None:
    _rename(SLUGS)


def downgrade() -> None:
    _rename({slug: words for words, slug in SLUGS.items()})

"""Each coordinator's participation ids are its own: a participation is keyed by its id and its coordinator, its key
on chain is unique among its coordinator's, and a meal points at the participation by both (issue 26 #3: a rogue
coordinator could take an honest one's id first, and the honest one's member was never paid).

The two tables are made anew and their rows copied across, the same way on SQLite and PostgreSQL (their first
revision left the constraints unnamed, which each names its own way). Rows keep their keys: they were minted, or
will be, under the keys they were queued with.

Revision ID: 0006
Revises: 0005
Created: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

PARTICIPATION_COLUMNS = (
    "participation_id key body_hash member project_id minutes evidence_uri meal coordinator api_key_id attestation "
    "status batch_id tx_hash block minted reason attempts created_at updated_at"
).split()
MEAL_COLUMNS = "participation_id served_on served_at member note recorded_by".split()
PARTICIPATION_INDEXES = {
    "ix_participations_member": ["member"],
    "ix_participations_status": ["status"],
    "ix_participations_batch_id": ["batch_id"],
    "ix_participations_created_at": ["created_at"],
    "ix_participations_coordinator_block": ["coordinator", "block"],
}
UNIQUE = {True: "uq_participations_coordinator_key", False: "uq_participations_key"}
MEAL_INDEXES = {"ix_meals_served_on": ["served_on"], "ix_meals_member": ["member"]}


def _participations(name: str, *, scoped: bool) -> None:
    """The participations table as ``name``: keyed by id and coordinator (``scoped``), or by id alone as before."""
    key = ["participation_id", "coordinator"] if scoped else ["participation_id"]
    op.create_table(
        name,
        sa.Column("participation_id", sa.String(200), nullable=False),
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
        # Named apart from the table it replaces: on PostgreSQL a key's name is its index's, one per schema.
        sa.PrimaryKeyConstraint(*key, name="pk_participations" if scoped else "participations_pkey"),
        sa.UniqueConstraint(*(["coordinator", "key"] if scoped else ["key"]), name=UNIQUE[scoped]),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.id"], name="fk_participations_batch"),
    )


def _meals(name: str, participations: str, *, scoped: bool) -> None:
    key = ["participation_id", "recorded_by"] if scoped else ["participation_id"]
    op.create_table(
        name,
        sa.Column("participation_id", sa.String(200), nullable=False),
        sa.Column("served_on", sa.String(10), nullable=False),
        sa.Column("served_at", sa.DateTime(), nullable=False),
        sa.Column("member", sa.String(42), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(42), nullable=False),
        sa.PrimaryKeyConstraint(*key, name="pk_meals" if scoped else "meals_pkey"),
        sa.ForeignKeyConstraint(
            key,
            [f"{participations}.participation_id", *([f"{participations}.coordinator"] if scoped else [])],
            name="fk_meals_participation",
        ),
    )


def _move(*, scoped: bool) -> None:
    _participations("participations_next", scoped=scoped)
    _meals("meals_next", "participations_next", scoped=scoped)
    listed = ", ".join(PARTICIPATION_COLUMNS)
    op.execute(f"INSERT INTO participations_next ({listed}) SELECT {listed} FROM participations")
    listed = ", ".join(MEAL_COLUMNS)
    op.execute(f"INSERT INTO meals_next ({listed}) SELECT {listed} FROM meals")
    op.drop_table("meals")
    op.drop_table("participations")
    op.rename_table("participations_next", "participations")
    op.rename_table("meals_next", "meals")
    for index, columns in PARTICIPATION_INDEXES.items():
        op.create_index(index, "participations", columns)
    for index, columns in MEAL_INDEXES.items():
        op.create_index(index, "meals", columns)


def upgrade() -> None:
    _move(scoped=True)


def downgrade() -> None:
    _move(scoped=False)

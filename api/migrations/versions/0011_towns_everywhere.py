"""Every row records its town (its registry): participations and their batches, meals, API keys, phone accounts,
ambassadors' orders and moves, SMS receipts. One bridge serves every town of a country; a coordinator's key acts in
its own town, a participation id is its coordinator's in its town, and each town's worker queue, caps and kitchen are
its own.

A participation is now keyed by its id, its coordinator and its town (a coordinator of two towns may use the same id
in each: they are two rewards, each on its town's INFINITY), and a meal points at it by all three. Those two tables are
made anew and their rows copied across, as revision 0006 did; the others gain a column. Rows already there get "":
the bridge names its first town in them when it starts (a migration does not know which town that is), and the key
of a meal follows its participation's (ON UPDATE CASCADE).

Revision ID: 0011
Revises: 0010
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision: str | None = "0010"
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
TOWN_INDEXES = {"ix_participations_town_status": ["town", "status", "created_at"]}
MEAL_INDEXES = {"ix_meals_served_on": ["served_on"], "ix_meals_member": ["member"]}
MEAL_TOWN_INDEXES = {"ix_meals_town_served_on": ["town", "served_on"]}
# The tables that gain a column, and the index each gets on it.
GAINING = {
    "batches": None,
    "api_keys": None,
    "phone_accounts": "ix_phone_accounts_town",
    "phone_orders": None,
    "phone_moves": None,
    "sms_outbox": None,
}
NAMES = {  # the constraints' names on each side: on PostgreSQL a key's name is its index's, one per schema
    True: ("pk_participations_town", "uq_participations_town_key", "pk_meals_town"),
    False: ("pk_participations", "uq_participations_coordinator_key", "pk_meals"),
}


def _participations(name: str, *, towns: bool) -> None:
    town = [sa.Column("town", sa.String(42), nullable=False, server_default="")] if towns else []
    key = ["participation_id", "coordinator", *(["town"] if towns else [])]
    primary, unique, _ = NAMES[towns]
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
        *town,
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
        sa.PrimaryKeyConstraint(*key, name=primary),
        sa.UniqueConstraint(*(["town"] if towns else []), "coordinator", "key", name=unique),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.id"], name="fk_participations_batch"),
    )


def _meals(name: str, participations: str, *, towns: bool) -> None:
    town = [sa.Column("town", sa.String(42), nullable=False, server_default="")] if towns else []
    key = ["participation_id", "recorded_by", *(["town"] if towns else [])]
    op.create_table(
        name,
        sa.Column("participation_id", sa.String(200), nullable=False),
        sa.Column("served_on", sa.String(10), nullable=False),
        sa.Column("served_at", sa.DateTime(), nullable=False),
        sa.Column("member", sa.String(42), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(42), nullable=False),
        *town,
        sa.PrimaryKeyConstraint(*key, name=NAMES[towns][2]),
        sa.ForeignKeyConstraint(
            key,
            [f"{participations}.participation_id", f"{participations}.coordinator"]
            + ([f"{participations}.town"] if towns else []),
            name="fk_meals_participation",
            onupdate="CASCADE" if towns else None,
        ),
    )


def _move(*, towns: bool) -> None:
    _participations("participations_next", towns=towns)
    _meals("meals_next", "participations_next", towns=towns)
    listed = ", ".join(PARTICIPATION_COLUMNS)
    op.execute(f"INSERT INTO participations_next ({listed}) SELECT {listed} FROM participations")
    listed = ", ".join(MEAL_COLUMNS)
    op.execute(f"INSERT INTO meals_next ({listed}) SELECT {listed} FROM meals")
    op.drop_table("meals")
    op.drop_table("participations")
    op.rename_table("participations_next", "participations")
    op.rename_table("meals_next", "meals")
    for index, columns in (PARTICIPATION_INDEXES | (TOWN_INDEXES if towns else {})).items():
        op.create_index(index, "participations", columns)
    for index, columns in (MEAL_INDEXES | (MEAL_TOWN_INDEXES if towns else {})).items():
        op.create_index(index, "meals", columns)


def upgrade() -> None:
    _move(towns=True)
    op.create_index("ix_relays_town_day", "relays", ["town", "day"])  # a town's day's gas, against its budget
    for table, index in GAINING.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("town", sa.String(42), nullable=False, server_default=""))
        if index:
            op.create_index(index, table, ["town"])


def downgrade() -> None:
    """Back to one town's tables (bridges of 0010 relay for several towns, but take the rest for their first town
    only). A row would lose its town and be taken for the first town (a second town's keys, phones and queued
    participations as the first's), so the downgrade is refused while those tables name more than one town; the one
    they name must be the bridge's first (the migration cannot tell which that is: `alembic downgrade` is a
    developer's step, no `ost` command's)."""
    bind = op.get_bind()
    towns: set[str] = set()
    for table in ("participations", "meals", *GAINING):
        towns |= {t for (t,) in bind.execute(sa.text(f"SELECT DISTINCT town FROM {table}")) if t}
    if len(towns) > 1:
        raise RuntimeError(
            "This database holds rows of several towns: a downgrade would give them all to one. Keep this version, "
            "or move each town's rows to a database of its own first."
        )
    for table, index in GAINING.items():
        if index:
            op.drop_index(index, table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("town")
    op.drop_index("ix_relays_town_day", table_name="relays")
    _move(towns=False)

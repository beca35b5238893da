"""Alembic's environment for the bridge's database.

It migrates the connection that :mod:`api.migrate` passes in ``config.attributes["connection"]``,
inside the transaction the caller holds (and commits); there is no URL, no alembic.ini and no
offline (SQL script) mode. Run migrations with ``ost api db upgrade`` or :func:`api.migrate.upgrade`.
"""

from __future__ import annotations

from alembic import context

from api.db import Base

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError(
        "The bridge's migrations run through api.migrate.upgrade (or `ost api db upgrade`), "
        "which passes them a connection."
    )

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite alters a table by copying it: Alembic's batch mode does that
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

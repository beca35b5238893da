"""Schema migrations of the bridge's database: Alembic, configured in code (no alembic.ini).

The revisions live in ``api/migrations`` and ship with the package. :func:`upgrade` brings a database
to the newest revision: it creates the tables in an empty database, and adopts a database made by
the bridge before migrations existed (its tables, no ``alembic_version``) by stamping it at the
first revision, which describes exactly those tables: nothing is dropped or copied.

Several replicas may start at once against one database: the upgrade runs in one transaction that
first takes a lock (SQLite's write lock, a PostgreSQL advisory lock), so the second replica waits,
then finds the database at the newest revision and does nothing. On other databases a replica that
loses the race to create a table rolls back and checks again.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from ost_chain.exceptions import ConfigError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
INITIAL = "0001"  # the revision that creates the tables the bridge made with `create_all` before
INITIAL_TABLES = ("api_keys", "participations", "batches", "meals", "worker_lease")
_ADVISORY_LOCK = 0x6F73745F6272  # PostgreSQL advisory lock key of the bridge's migrations ("ost_br")
_in_process = threading.Lock()  # Alembic's `context` and `op` are module globals: one command at a time


def config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the bridge; ``connection`` is the one ``env.py`` migrates."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))  # ConfigParser interpolates %
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    """The newest revision."""
    revision = ScriptDirectory.from_config(config()).get_current_head()
    assert revision is not None, f"no revisions in {MIGRATIONS}"
    return revision


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def current(engine: Engine) -> str | None:
    """The revision the database is at; None for a database that has never been migrated."""
    with engine.connect() as connection:
        return _revision(connection)


def _lock(connection: Connection) -> None:
    """Begin the transaction holding a lock that keeps other replicas' upgrades out until it ends."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        # pysqlite would begin only at the first INSERT, leaving the DDL before it outside any
        # transaction; IMMEDIATE takes the write lock now (waiting for the busy timeout if needed).
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif dialect == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_ADVISORY_LOCK})")


def _upgrade(connection: Connection) -> None:
    _lock(connection)
    cfg = config(connection)
    if _revision(connection) is None:
        existing = [t for t in INITIAL_TABLES if inspect(connection).has_table(t)]
        if len(existing) == len(INITIAL_TABLES):
            log.info("Adopting the bridge's database made before migrations: stamping it at %s.", INITIAL)
            command.stamp(cfg, INITIAL)
        elif existing:
            raise ConfigError(
                f"The bridge's database has some of its tables ({', '.join(existing)}) but not all and no "
                "alembic_version: it was not made by the bridge, or only in part. Point --database-url "
                "at the bridge's database, or at an empty one."
            )
    command.upgrade(cfg, "head")
    connection.commit()


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest revision (a no-op when it is there already)."""
    with _in_process:
        try:
            with engine.connect() as connection:
                _upgrade(connection)
        except DBAPIError as error:
            # Where no lock is taken above, another replica may have created a table between our look
            # and our CREATE; its work is committed by now, so look again, once.
            log.warning("Migrating the bridge's database failed (%s); trying once more.", error.orig)
            with engine.connect() as connection:
                _upgrade(connection)

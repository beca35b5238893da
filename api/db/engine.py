"""The bridge's database: SQLite by default (WAL, so readers never wait for the writer), or any SQLAlchemy URL, e.g.
PostgreSQL, for several replicas; its tables made and migrated when an engine is made; sessions whose writes take
one turn; and an outage told apart from a mistake, in one sentence that never shows a password."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ost_chain.exceptions import OstError

from ..i18n import _

AWAY = _("The bridge's database is not answering just now; nothing accepted before is lost. Retry in a few seconds.")


class DatabaseUnavailable(OstError):
    """The bridge's database cannot be used: its driver is missing, its server is down, or it does not exist."""


def database_url(url: str) -> URL:
    """``url`` as SQLAlchemy takes it; a bare ``postgresql://`` (or ``postgres://``) URL uses psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseUnavailable(
            f"The database URL {url.split('@')[-1]!r} is not one SQLAlchemy reads: write e.g. "
            "sqlite:///bridge.sqlite or postgresql://user:password@host:5432/ost."
        ) from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def shown(url: str | URL) -> str:
    """The database URL with its password hidden, to say in a message or a log line."""
    parsed = url if isinstance(url, URL) else database_url(url)
    hidden = parsed.set(query=dict.fromkeys(parsed.query, "***")) if parsed.query else parsed  # ?password=… too
    return hidden.render_as_string(hide_password=True)


_SQLITE_OUTAGES = ("locked", "busy", "unable to open", "disk i/o", "database or disk is full")


def is_outage(exc: BaseException) -> bool:
    """True when ``exc`` says the database could not be reached or dropped the connection (not a bad query: SQLite
    reports both as OperationalError, so for SQLite only a lock, a busy or missing file or a disk error counts)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    if type(exc.orig).__module__.startswith("sqlite3"):
        return any(word in str(exc.orig).lower() for word in _SQLITE_OUTAGES)
    return True


def cause(exc: BaseException) -> str:
    """The driver's own first line, without SQLAlchemy's SQL echo and link: one line for a log."""
    orig = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    return f"{type(orig).__name__}: {lines[0] if lines else 'no detail'}"


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the tables created; SQLite in WAL mode with a busy timeout.

    A driver that is not installed, a server that is down or a database that does not exist is a
    :class:`DatabaseUnavailable` with one sentence naming the URL (its password hidden)."""
    parsed = database_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    options: dict[str, Any] = (
        {"connect_args": {"timeout": 30, "check_same_thread": False}, "pool_size": 20, "max_overflow": 40}
        if sqlite
        # A server that is down is told in seconds, not after the operating system's TCP timeout.
        else {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20, "connect_args": {"connect_timeout": 3}}
    )
    try:
        engine = create_engine(parsed, **options)
    except (ModuleNotFoundError, NoSuchModuleError) as exc:
        raise DatabaseUnavailable(
            f"The driver for {parsed.get_backend_name()} is not installed ({exc}): run `make setup`, "
            "or pip install 'ost-chain[api]'."
        ) from exc
    if sqlite:

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")  # durable across process crashes; WAL keeps it consistent
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

    from ..migrate import upgrade  # Alembic is loaded when an engine is made, not at every import of api.db

    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as exc:
        engine.dispose()
        raise DatabaseUnavailable(
            f"The bridge's database {shown(parsed)} cannot be used ({cause(exc)}): start its server, or create "
            "the database, then run the same command again."
        ) from None
    upgrade(engine)
    return engine


class BridgeSession(Session):
    """A session whose writes go through :meth:`writing`.

    SQLite lets one transaction write at a time and makes the others sleep-poll for their turn (up
    to 100 ms a try); threads of one process take turns on a lock instead, which costs microseconds.
    """

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Make changes inside the block; they are flushed and committed at its end, as one turn."""
        gate = self.info.get("gate")
        self.connection()  # hold a connection before the turn: the turn's holder never waits for the pool
        with gate if gate is not None else nullcontext():
            yield
            self.commit()

    def save(self) -> None:
        """Write what changed in memory, taking the database's write turn only now."""
        with self.writing():
            pass


def sessions(engine: Engine) -> sessionmaker[BridgeSession]:
    gate = threading.Lock() if engine.dialect.name == "sqlite" else None
    # No autoflush: nothing is written outside `writing()`, so nothing holds SQLite's write lock unawares.
    return sessionmaker(engine, class_=BridgeSession, expire_on_commit=False, autoflush=False, info={"gate": gate})

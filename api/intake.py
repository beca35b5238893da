"""Group commit for accepted participations: many requests, one transaction.

Each request hands its row to the intake and waits; a single thread writes every row waiting at
that moment in one ``INSERT … ON CONFLICT DO NOTHING`` and one commit, then answers each request
with the row the database holds for its id — its own, or the one an earlier request stored (a
retry, or a conflict if the body differs). Nothing is acknowledged before it is committed.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError

from .db import Participation, is_outage

log = logging.getLogger("ost.bridge.intake")
MOST_PER_COMMIT = 500
COLUMNS = [c.name for c in Participation.__table__.columns]


class Intake:
    def __init__(self, make_session: Any) -> None:
        self.queued: Callable[[], None] = lambda: None  # told when rows are in (the worker's wake)
        self.make_session = make_session
        self._queue: queue.SimpleQueue[tuple[dict[str, Any], Future[dict[str, Any] | None]] | None] = (
            queue.SimpleQueue()
        )
        self._thread = threading.Thread(target=self._run, name="ost-bridge-intake", daemon=True)
        self._thread.start()

    def submit(self, row: dict[str, Any]) -> Future[dict[str, Any] | None]:
        """Store ``row`` unless its id (or on-chain key) is taken; the future gives the stored row for the id,
        or None when another id already maps to the same on-chain key."""
        done: Future[dict[str, Any] | None] = Future()
        self._queue.put((row, done))
        return done

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            waiting = [first]
            while len(waiting) < MOST_PER_COMMIT:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)
                    break
                waiting.append(item)
            try:
                stored = self._write([row for row, _ in waiting])
            except Exception as exc:
                if not is_outage(exc):  # an outage is logged once per request, by the request's handler
                    log.exception("intake: %s", exc)
                for _, done in waiting:
                    done.set_exception(exc)
                continue
            for row, done in waiting:
                done.set_result(stored.get(_identity(row)))

    def _write(self, rows: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
        """Store ``rows`` (those already there are left as they are) and read them back. Two replicas writing at
        once take their row locks in the same order (by id), so they wait for each other instead of deadlocking;
        a transaction the server still rolls back to resolve a conflict is tried again."""
        for attempt in range(3):
            try:
                return self._write_once(rows)
            except DBAPIError as exc:
                if attempt == 2 or str(getattr(exc.orig, "sqlstate", "") or "")[:2] != "40":  # 40: roll back, retry
                    raise
        raise AssertionError("unreachable")

    def _write_once(self, rows: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
        unique = list({_identity(row): row for row in rows}.values())  # duplicates in one group: first wins
        unique.sort(key=_identity)  # one lock order for every writer
        with self.make_session() as session:
            dialect = session.get_bind().dialect.name
            with session.writing():
                if dialect in ("sqlite", "postgresql"):
                    module = sqlite if dialect == "sqlite" else postgresql
                    session.execute(module.insert(Participation).on_conflict_do_nothing(), unique)
                else:  # no portable "do nothing": one savepoint per row
                    for row in unique:
                        try:
                            with session.begin_nested():
                                session.execute(insert(Participation), [row])
                        except IntegrityError:
                            pass
            self.queued()
            ids = [row["participation_id"] for row in unique]
            found = (
                session.execute(select(*Participation.__table__.columns).where(Participation.participation_id.in_(ids)))
                .mappings()
                .all()
            )
            return {_identity(r): dict(r) for r in found}


def _identity(row: Any) -> tuple[str, str, str]:
    """A participation is its coordinator's id in its town: the id, the coordinator and the town."""
    return row["participation_id"], row["coordinator"], row["town"]

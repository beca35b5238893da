"""The index as the bridge runs it: a thread that holds the index's lease (one writer across replicas) and follows
the chain, and reads that are as fresh as the confirmations allow: a replica holding the lease reads what is new
before it answers, so a page never shows less than the chain has confirmed; any other replica answers from the
index as its writer left it, and says how far behind it is."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from sqlalchemy.orm import sessionmaker

from ost_chain.artifacts import Artifacts
from ost_chain.manifest import TownManifest
from ost_chain.redact import scrub

from ..db import BridgeSession
from ..nodelink import NodeLink
from ..settings import BridgeSettings
from ..worker.lease import LeaseKeeper
from .book import Book
from .follow import IndexFollower
from .reads import IndexReader

log = logging.getLogger("ost.bridge.index")
INDEX_LEASE = 2  # the lease row of the index's writer (the worker's is 1)
DEVELOPMENT_CHAIN = 31337


@dataclass(frozen=True)
class Lag:
    """How far the index stands behind the chain."""

    indexed: int | None  # the last block read; None before the first read
    head: int
    behind: int  # blocks between the head and the last block read, less the confirmations it waits for
    limit: int

    @property
    def late(self) -> bool:
        return self.behind > self.limit


class TownIndex:
    """The bridge's index of its town: followed by a thread of its own, read by every route that shows history."""

    def __init__(
        self,
        make_session: sessionmaker[BridgeSession],
        rpc_url: str,
        manifest: TownManifest,
        artifacts: Artifacts,
        settings: BridgeSettings,
    ) -> None:
        self.rpc_url, self.settings = rpc_url, settings
        confirmations = settings.index_confirmations
        if confirmations is None:  # the development chain mines a block a transaction and never reorganises
            confirmations = 0 if manifest.chainId == DEVELOPMENT_CHAIN else 2
        start = int(manifest.contracts["TownRegistry"].block or 0)
        self.link = NodeLink(rpc_url, settings.rpc_timeout)
        self.follower = IndexFollower(make_session, self.link, Book(manifest, artifacts), start, confirmations)
        self.reader = IndexReader(make_session, manifest.projects, manifest.timeZone, confirmations)
        self.lease = LeaseKeeper(make_session, INDEX_LEASE)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None

    @property
    def confirmations(self) -> int:
        return self.follower.confirmations

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="ost-bridge-index", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        try:
            self.lease.release()
        except Exception:  # noqa: BLE001 - the database may be away at the end: the lease expires by itself
            pass

    def _run(self) -> None:
        pause = 0.0
        while not self._stop.wait(pause):
            try:
                held, _ = self.lease.hold()
                moved = held and self.follower.step()
                pause = 0.0 if moved else self.settings.index_poll_seconds
                self.last_error = None
            except Exception as exc:  # noqa: BLE001 - the chain or the database is away: wait, then read on
                error = scrub(f"{type(exc).__name__}: {exc}", self.rpc_url)[:300]
                if error != self.last_error:
                    log.warning("index: %s", error)
                self.last_error = error
                pause = 2.0

    def fresh(self, head: int) -> IndexReader:
        """The reader, once the index has read what ``head`` confirms (when this replica is its writer)."""
        cursor = self.reader.cursor()
        if self.lease.leader and (cursor is None or cursor[0] < head - self.confirmations):
            self.follower.catch_up(most=5)
        return self.reader

    def lag(self, head: int) -> Lag:
        cursor = self.reader.cursor()
        indexed = None if cursor is None else cursor[0]
        behind = max(0, head - self.confirmations - (indexed if indexed is not None else self.follower.start - 1))
        return Lag(indexed, head, behind, self.settings.index_lag_limit)

    def rebuild(self) -> int:
        """Read the whole index again from the chain (``ost api index rebuild``): the steps it took."""
        return self.follower.rebuild()

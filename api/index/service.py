"""The index as the bridge runs it: a thread that holds the index's lease (one writer across replicas) and follows
the chain, and reads that are as fresh as the confirmations allow: a replica holding the lease reads what is new
before it answers, so a page never shows less than the chain has confirmed; any other replica answers from the
index as its writer left it, and says how far behind it is."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from math import inf
from typing import Any

from sqlalchemy.orm import sessionmaker

from ost_chain.artifacts import Artifacts
from ost_chain.manifest import TownManifest
from ost_chain.redact import scrub

from ..db import BridgeSession, Lease, utcnow
from ..nodelink import NodeLink
from ..settings import BridgeSettings
from ..worker.lease import LeaseKeeper
from .book import Book, checksummed, first_block
from .follow import IndexFollower, Superseded
from .network import network_figures
from .reads import IndexReader

log = logging.getLogger("ost.bridge.index")
INDEX_LEASE = 2  # the lease row of the index's writer (the worker's is 1)
DEVELOPMENT_CHAIN = 31337
FRESH_BLOCKS = 8  # a request reads ahead only this close behind (further, the thread is at it: it is read as it is)
FRESH_WAIT = 0.5  # seconds a request waits for a step under way before it reads what there is


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
        start = first_block(manifest)
        self.link = NodeLink(rpc_url, settings.rpc_timeout)
        self.lease = LeaseKeeper(make_session, INDEX_LEASE)
        book = Book(manifest, artifacts)
        self.follower = IndexFollower(make_session, self.link, book, start, confirmations, holds=self._holds)
        self.make_session = make_session
        self.reader = self.reader_for(manifest)  # the bridge's first town (the index reads every town of its network)
        self._network: tuple[tuple[int, str], dict[str, Any]] | None = None  # the last drawn, and where it stood
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._tried = -inf  # when a request last tried to take the lease (monotonic)
        self.last_error: str | None = None

    def _holds(self, session: BridgeSession) -> bool:
        """Whether the index's lease is still this replica's, as the database has it now (checked as it writes)."""
        row = session.get(Lease, INDEX_LEASE)
        return row is not None and row.holder == self.lease.holder and row.expires_at > utcnow()

    def _renew(self) -> bool:
        """Renew the lease before a step: False when it is lost."""
        held, _ = self.lease.hold()
        return held

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
            except Superseded as lost:
                log.info("index: %s; reading on if the lease comes back", lost)
                pause = self.settings.index_poll_seconds
            except Exception as exc:  # noqa: BLE001 - the chain or the database is away, or the node refused
                error = scrub(f"{type(exc).__name__}: {exc}", self.rpc_url)[:300]
                if error != self.last_error:
                    log.warning("index: %s", error)
                self.last_error = error
                pause = 2.0

    def fresh(self, head: int) -> IndexReader:
        """The reader, once the index has read what ``head`` confirms, when this replica is its writer (or may
        become it: no other holds the lease) and it is only a few blocks behind; else as it stands. Whatever goes
        wrong on the way (the node, another writer) leaves the index as it was: it is read as it stands."""
        if not self.settings.run_index:
            return self.reader
        cursor = self.reader.cursor()
        behind = head - self.confirmations - (cursor[0] if cursor else self.follower.start - 1)
        if 0 < behind <= FRESH_BLOCKS and self._may_write():
            try:
                self.follower.catch_up(most=2, wait=FRESH_WAIT, before=self._renew)
            except Exception as exc:  # noqa: BLE001 - the thread reports it; this request reads what there is
                log.debug("index: a request's read-ahead stopped: %s", scrub(str(exc), self.rpc_url)[:200])
        return self.reader

    def reader_for(self, manifest: TownManifest) -> IndexReader:
        """The reader of a town of the network this index follows (it reads every town of it)."""
        registry = checksummed(manifest.address("TownRegistry"))
        start = first_block(manifest)
        return IndexReader(self.make_session, registry, manifest.projects, manifest.timeZone, self.confirmations, start)

    def _may_write(self) -> bool:
        if self.lease.leader:
            return True
        now = time.monotonic()
        if now - self._tried < 1.0:  # a replica that is not the writer asks at most once a second
            return False
        self._tried = now
        return self._renew()

    def network(self) -> dict[str, Any]:
        """The OST network's towns with their figures (:func:`network_figures`), drawn again only when the index has
        read further."""
        stand = self.reader.stand()
        kept = self._network
        if stand is not None and kept is not None and kept[0] == stand:
            return kept[1]
        drawn = network_figures(self.make_session)
        if stand is not None:
            self._network = (stand, drawn)
        return drawn

    def lag(self, head: int) -> Lag:
        cursor = self.reader.cursor()
        return Lag(None if cursor is None else cursor[0], head, self.reader.behind(head), self.settings.index_lag_limit)

    def catch_up(self) -> int:
        """Read all the chain confirms now, as the writer (taking the lease, if no other holds it): the steps taken
        (none when another replica writes)."""
        return self.follower.catch_up(most=10_000_000, before=self._renew)

    def rebuild(self) -> int:
        """Read the whole index again from the chain (``ost api index rebuild``), renewing the lease as it goes: the
        steps it took."""
        return self.follower.rebuild(before=self._renew)

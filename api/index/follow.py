"""The indexer: reads the town's events into the bridge's database, from its first block, a window at a time, then
live, ``confirmations`` blocks behind the chain's head; and undoes what a reorganisation took back.

A step asks the node for the window's last block, the window's logs and that block again, in one JSON-RPC batch: if
the two answers differ the chain moved under the read, and the step is tried again. Each block an event is in is kept
with its hash, as is the block the cursor stands on. When the chain's hash at the cursor is no longer the one kept,
the index walks back through the blocks it kept to the newest the chain still has (their common ancestor), deletes
every event after it, computes the figures again from what is left, and reads on from there.

Only the holder of the index's lease writes (one indexer across replicas); every replica reads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import sessionmaker

from ..db import BridgeSession, IndexCursor, IndexedBlock, IndexedEvent, IndexTotal
from ..nodelink import NodeLink
from .book import Book, Event
from .figures import columns, tally

log = logging.getLogger("ost.bridge.index")

SOURCE = "town"
WINDOW = 2_000  # blocks one step reads at most
ANCESTORS = 32  # kept blocks asked for in one batch while walking back to a common ancestor


class ChainMoved(Exception):
    """The chain changed while a step read it: the step is tried again."""


class IndexFollower:
    """Follows one town's contracts into the index tables."""

    def __init__(
        self,
        make_session: sessionmaker[BridgeSession],
        link: NodeLink,
        book: Book,
        start: int,
        confirmations: int,
        window: int = WINDOW,
    ) -> None:
        self.make_session, self.link, self.book = make_session, link, book
        self.start, self.confirmations, self.window = start, confirmations, window
        self._lock = threading.Lock()  # one step at a time in this process
        self._learned = False

    # ── reading the node ──

    def _ask(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        answers = self.link.ask(calls)
        for answer in answers:
            if "error" in answer:
                raise ChainMoved(str(answer["error"])[:200])
        return [answer.get("result") for answer in answers]

    def _header(self, number: int) -> tuple[str, list[Any]]:
        return ("eth_getBlockByNumber", [hex(number), False])

    def _logs(self, low: int, high: int, addresses: Sequence[str]) -> tuple[str, list[Any]]:
        return ("eth_getLogs", [{"fromBlock": hex(low), "toBlock": hex(high), "address": list(addresses)}])

    # ── one step ──

    def step(self) -> bool:
        """Read the next window the confirmations allow, or undo a reorganisation: True if the index moved."""
        with self._lock:
            if not self._learned:
                self._learn_listed()
            try:
                return self._step()
            except ChainMoved as moved:
                log.info("index: the chain moved during a read (%s); reading again", moved)
                return True

    def catch_up(self, most: int = 50) -> int:
        """Step until the index is as far as the confirmations allow (at most ``most`` steps): the steps taken."""
        for taken in range(most):
            if not self.step():
                return taken
        return most

    def _cursor(self) -> tuple[int, str | None]:
        with self.make_session() as session:
            row = session.get(IndexCursor, SOURCE)
            return (row.block, row.hash) if row else (self.start - 1, None)

    def _step(self) -> bool:
        done, kept = self._cursor()
        asked = [("eth_blockNumber", [])] + ([self._header(done)] if kept else [])
        answers = self._ask(asked)
        head = int(answers[0], 16)
        if kept and (answers[1] is None or answers[1]["hash"] != kept):
            self._undo_reorg()
            return True
        target = head - self.confirmations
        if target <= done:
            return False
        end = min(target, done + self.window)
        window = self._logs(done + 1, end, self.book.addresses())
        before, logs, after = self._ask([self._header(end), window, self._header(end)])
        if before is None or after is None or before["hash"] != after["hash"]:
            raise ChainMoved(f"block {end} changed while its window was read")
        events = self._decoded(logs)
        new = self.book.learn(events)
        while new:  # a listing in the window: its sale's and token's events from there on
            first = min(e.block for e in events if e.kind == "BusinessFactory.BusinessListed")
            more, again = self._ask([self._logs(first, end, new), self._header(end)])
            if again is None or again["hash"] != after["hash"]:
                raise ChainMoved(f"block {end} changed while new sales were read")
            found = self._decoded(more)
            events += found
            new = self.book.learn(found)
        events = sorted({(e.block, e.log_index): e for e in events}.values(), key=lambda e: (e.block, e.log_index))
        headers = {end: after}
        wanted = sorted({e.block for e in events} - set(headers))
        for number, header in zip(wanted, self._ask([self._header(n) for n in wanted]) if wanted else [], strict=True):
            headers[number] = header
        if any(headers[e.block] is None or headers[e.block]["hash"] != e.block_hash for e in events):
            raise ChainMoved("an event's block is no longer the one it was read from")
        self._write(events, headers, end)
        return True

    def _decoded(self, logs: list[dict[str, Any]]) -> list[Event]:
        return [e for e in (self.book.decode(log) for log in logs if not log.get("removed")) if e is not None]

    # ── writing ──

    def _write(self, events: list[Event], headers: dict[int, dict[str, Any]], end: int) -> None:
        with self.make_session() as session, session.writing():
            for number, header in headers.items():
                if session.get(IndexedBlock, number) is None:
                    session.add(
                        IndexedBlock(
                            number=number,
                            hash=header["hash"],
                            parent=header["parentHash"],
                            time=int(header["timestamp"], 16),
                        )
                    )
            for e in events:
                session.add(
                    IndexedEvent(
                        block=e.block,
                        log_index=e.log_index,
                        tx=e.tx,
                        contract=e.contract,
                        kind=e.kind,
                        business_id=e.business_id,
                        args=e.args,
                        **columns(e, self.book.asset),
                    )
                )
            totals = {t.key: int(t.value) for t in session.scalars(select(IndexTotal))}
            self._save_totals(session, tally(events, totals))
            cursor = session.get(IndexCursor, SOURCE)
            if cursor is None:
                session.add(IndexCursor(source=SOURCE, block=end, hash=headers[end]["hash"]))
            else:
                cursor.block, cursor.hash = end, headers[end]["hash"]

    def _save_totals(self, session: BridgeSession, totals: dict[str, int]) -> None:
        kept = {t.key: t for t in session.scalars(select(IndexTotal))}
        for key, value in totals.items():
            if key in kept:
                kept[key].value = str(value)
            else:
                session.add(IndexTotal(key=key, value=str(value)))
        for key, row in kept.items():
            if key not in totals:
                session.delete(row)

    # ── reorganisations ──

    def _undo_reorg(self) -> None:
        """Back to the newest kept block the chain still has; every event after it deleted, the figures computed
        again from the rest."""
        with self.make_session() as session:
            numbers = list(session.scalars(select(IndexedBlock.number).order_by(IndexedBlock.number.desc())))
            kept = {b.number: b.hash for b in session.scalars(select(IndexedBlock))}
        ancestor, ancestor_hash = self.start - 1, None
        for at in range(0, len(numbers), ANCESTORS):
            part = numbers[at : at + ANCESTORS]
            found = next(
                (
                    (n, h["hash"])
                    for n, h in zip(part, self._ask([self._header(n) for n in part]), strict=True)
                    if h is not None and h["hash"] == kept[n]
                ),
                None,
            )
            if found is not None:
                ancestor, ancestor_hash = found
                break
        log.warning("index: the chain reorganised; reading again after block %s", ancestor)
        self.rewind(ancestor, ancestor_hash)

    def rewind(self, ancestor: int, ancestor_hash: str | None) -> None:
        """Forget everything after block ``ancestor`` (its hash ``ancestor_hash``; None: forget everything)."""
        with self.make_session() as session, session.writing():
            session.execute(delete(IndexedEvent).where(IndexedEvent.block > ancestor))
            session.execute(delete(IndexedBlock).where(IndexedBlock.number > ancestor))
            rest = [as_event(row) for row in session.scalars(select(IndexedEvent).order_by(IndexedEvent.id))]
            self._save_totals(session, tally(rest))
            cursor = session.get(IndexCursor, SOURCE)
            if ancestor_hash is None:
                if cursor is not None:
                    session.delete(cursor)
            elif cursor is None:
                session.add(IndexCursor(source=SOURCE, block=ancestor, hash=ancestor_hash))
            else:
                cursor.block, cursor.hash = ancestor, ancestor_hash
        self._learned = False  # the sales the rolled-back listings named are followed no more

    def rebuild(self) -> int:
        """Forget the whole index and read it again from the town's first block: the steps taken."""
        with self._lock:
            self.rewind(self.start - 1, None)
        return self.catch_up(most=1_000_000)

    def _learn_listed(self) -> None:
        """The sales and share tokens the index has read listings of: followed from the start."""
        self.book.forget_listed()
        with self.make_session() as session:
            listings = session.scalars(
                select(IndexedEvent).where(IndexedEvent.kind == "BusinessFactory.BusinessListed")
            )
            self.book.learn(as_event(row) for row in listings)
        self._learned = True


def as_event(row: IndexedEvent) -> Event:
    """An indexed row as the event it was read as."""
    return Event(row.block, row.log_index, "", row.tx, row.contract, row.kind, dict(row.args), row.business_id)

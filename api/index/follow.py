"""The indexer: reads the OST network's events (every town's, each with its town) into the bridge's database, from
the network's first block, a window at a time, then
live, ``confirmations`` blocks behind the chain's head; and undoes what a reorganisation took back.

A step asks the node, in one JSON-RPC batch, for the block the cursor stands on, the window's last block, the
window's logs and that last block again: if the cursor's block is no longer the one kept, or the last block changed
while the logs were read, the chain moved under the read and nothing is written. Each block an event is in is kept
with its hash, as is the block the cursor stands on (the others, once well behind, are let go). When the chain's
hash at the cursor is no longer the one kept, the index walks back through the blocks it kept to the newest the chain
still has (their common ancestor), deletes every event after it, computes the figures again from what is left, and
reads on from there. A node that is behind (it has not the cursor's block yet) is waited for, never taken for a
reorganisation.

Only the holder of the index's lease writes (one indexer across replicas), and a write lands only if the cursor is
still where its step found it and the lease is still this writer's: a step that outlived its lease writes nothing.
A node's refusal (a window too wide for it, a rate limit) narrows the window, down to one block, and is reported.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.orm import sessionmaker

from ..db import BridgeSession, IndexCursor, IndexedBlock, IndexedEvent, IndexTotal
from ..nodelink import NodeLink
from .book import LEARNING, Book, Event
from .figures import columns, tally

log = logging.getLogger("ost.bridge.index")

SOURCE = "town"
WINDOW = 2_000  # blocks one step reads at most
ANCESTORS = 32  # kept blocks asked for in one batch while walking back to a common ancestor
KEEP_BLOCKS = 256  # blocks without events kept behind the cursor (a reorganisation deeper than this reads more again)


class ChainMoved(Exception):
    """The chain changed while a step read it: the step is tried again."""


class NodeRefused(Exception):
    """The node answered a request with an error (a window too wide, a rate limit): the window narrows."""


class Superseded(Exception):
    """Another writer moved the index, or this one's lease ran out: nothing was written."""


class IndexFollower:
    """Follows the network's contracts, and every town's, into the index tables."""

    def __init__(
        self,
        make_session: sessionmaker[BridgeSession],
        link: NodeLink,
        book: Book,
        start: int,
        confirmations: int,
        window: int = WINDOW,
        holds: Callable[[BridgeSession], bool] | None = None,
    ) -> None:
        self.make_session, self.link, self.book = make_session, link, book
        self.start, self.confirmations, self.widest = start, confirmations, window  # the widest window asked
        self.window = window  # narrowed after a node's refusal, widened again (to the widest) after each answered
        self.holds = holds  # whether this writer still holds the index's lease (checked as it writes)
        self._lock = threading.Lock()  # one step at a time in this process
        self._learned = False
        self._learnt_up_to = 0  # the last row naming contracts (a town, a listing) read into the book

    # ── reading the node ──

    def _ask(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        answers = self.link.ask(calls)
        for answer in answers:
            if "error" in answer:
                raise NodeRefused(str(answer["error"])[:200])
        return [answer.get("result") for answer in answers]

    def _header(self, number: int) -> tuple[str, list[Any]]:
        return ("eth_getBlockByNumber", [hex(number), False])

    def _logs(self, low: int, high: int, addresses: Sequence[str]) -> tuple[str, list[Any]]:
        return ("eth_getLogs", [{"fromBlock": hex(low), "toBlock": hex(high), "address": list(addresses)}])

    # ── one step ──

    def step(self, wait: float = -1) -> bool:
        """Read the next window the confirmations allow, or undo a reorganisation: True if the index moved. A node's
        refusal narrows the window and is raised; ``wait``: seconds to wait for another step under way (-1: as long
        as it takes; when it does not end in time, False)."""
        if not self._lock.acquire(timeout=wait):
            return False
        try:
            self._learn()
            try:
                moved = self._step()
            except ChainMoved as moved_under:
                log.info("index: the chain moved during a read (%s); reading again", moved_under)
                return True
            except NodeRefused:
                self.window = max(1, self.window // 2)
                self.widest = min(self.widest, max(1, self.window))  # what it refused is not asked again
                raise
            self.window = min(self.widest, self.window * 2)
            return moved
        finally:
            self._lock.release()

    def catch_up(self, most: int = 50, wait: float = -1, before: Callable[[], bool] | None = None) -> int:
        """Step until the index is as far as the confirmations allow (at most ``most`` steps): the steps taken.
        ``before`` each step (the lease's renewal): False stops."""
        for taken in range(most):
            if (before is not None and not before()) or not self.step(wait):
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
        if head < done or (kept and answers[1] is None):
            return False  # a node behind the index (still syncing, or one of several behind a balancer): wait
        if kept and answers[1]["hash"] != kept:
            self._undo_reorg(done, kept)
            return True
        target = head - self.confirmations
        if target <= done:
            return False
        end = min(target, done + self.window)
        window = self._logs(done + 1, end, self.book.addresses())
        asked = [self._header(done)] if kept else []
        answered = self._ask([*asked, self._header(end), window, self._header(end)])
        if kept and (answered[0] is None or answered[0]["hash"] != kept):
            raise ChainMoved(f"block {done}, where the index stands, changed")
        before, logs, after = answered[-3:]
        if before is None or after is None or before["hash"] != after["hash"]:
            raise ChainMoved(f"block {end} changed while its window was read")
        events = self._decoded(logs)
        new = self.book.learn(events)
        while new:  # a town created or a business listed in the window: their contracts' events from there on
            first = min(e.block for e in events if e.kind in LEARNING)
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
        self._write(events, headers, (done, kept), end)
        return True

    def _decoded(self, logs: list[dict[str, Any]]) -> list[Event]:
        return [e for e in (self.book.decode(log) for log in logs if not log.get("removed")) if e is not None]

    # ── writing ──

    def _claim(self, session: BridgeSession, was: tuple[int, str | None], now: tuple[int, str] | None) -> None:
        """Move the cursor from ``was`` to ``now`` (None: to before the town's first block), if it still stands at
        ``was`` and this writer still holds the lease; else :class:`Superseded` (the transaction is not committed)."""
        if self.holds is not None and not self.holds(session):
            raise Superseded("the index's lease is no longer this writer's")
        block, hash_ = was
        if hash_ is None:
            if session.get(IndexCursor, SOURCE) is not None:
                raise Superseded("another writer began the index")
            if now is not None:
                session.add(IndexCursor(source=SOURCE, block=now[0], hash=now[1]))
            return
        where = (IndexCursor.source == SOURCE, IndexCursor.block == block, IndexCursor.hash == hash_)
        if now is None:
            moved = session.execute(delete(IndexCursor).where(*where)).rowcount  # type: ignore[attr-defined]
        else:
            values = {"block": now[0], "hash": now[1]}
            moved = session.execute(update(IndexCursor).where(*where).values(**values)).rowcount  # type: ignore[attr-defined]
        if not moved:
            raise Superseded("another writer moved the index")

    def _write(
        self, events: list[Event], headers: dict[int, dict[str, Any]], was: tuple[int, str | None], end: int
    ) -> None:
        with self.make_session() as session, session.writing():
            self._claim(session, was, (end, headers[end]["hash"]))
            have = set(session.scalars(select(IndexedBlock.number).where(IndexedBlock.number.in_(list(headers)))))
            blocks = [
                {"number": n, "hash": h["hash"], "parent": h["parentHash"], "time": int(h["timestamp"], 16)}
                for n, h in headers.items()
                if n not in have
            ]
            if blocks:
                session.execute(insert(IndexedBlock), blocks)
            rows = [
                {
                    "town": e.town,
                    "block": e.block,
                    "log_index": e.log_index,
                    "tx": e.tx,
                    "contract": e.contract,
                    "kind": e.kind,
                    "business_id": e.business_id,
                    "args": e.args,
                    **columns(e, self.book.asset),
                }
                for e in events
            ]
            if rows:
                session.execute(insert(IndexedEvent), rows)  # one statement for the window's events
            for town in sorted({e.town for e in events}):
                kept = self._kept(session, town)
                totals = {key: int(row.value) for key, row in kept.items()}
                self._save_totals(session, town, tally((e for e in events if e.town == town), totals), kept)
            eventful = exists().where(IndexedEvent.block == IndexedBlock.number)
            session.execute(delete(IndexedBlock).where(IndexedBlock.number < end - KEEP_BLOCKS, ~eventful))

    def _kept(self, session: BridgeSession, town: str) -> dict[str, IndexTotal]:
        return {t.key: t for t in session.scalars(select(IndexTotal).where(IndexTotal.town == town))}

    def _save_totals(
        self, session: BridgeSession, town: str, totals: dict[str, int], kept: dict[str, IndexTotal] | None = None
    ) -> None:
        """``town``'s figures as ``totals`` has them (one it no longer has is deleted); ``kept``: its rows, where the
        caller read them already."""
        kept = self._kept(session, town) if kept is None else kept
        for key, value in totals.items():
            if key in kept:
                kept[key].value = str(value)
            else:
                session.add(IndexTotal(town=town, key=key, value=str(value)))
        for key, row in kept.items():
            if key not in totals:
                session.delete(row)

    # ── reorganisations ──

    def _undo_reorg(self, done: int, kept: str) -> None:
        """Back to the newest kept block the chain still has; every event after it deleted, the figures computed
        again from the rest."""
        ancestor: tuple[int, str] | None = None
        below = done + 1
        while ancestor is None:
            with self.make_session() as session:
                page = list(
                    session.scalars(
                        select(IndexedBlock)
                        .where(IndexedBlock.number < below)
                        .order_by(IndexedBlock.number.desc())
                        .limit(ANCESTORS)
                    )
                )
            if not page:
                break
            headers = self._ask([self._header(b.number) for b in page])
            same = [(b.number, b.hash) for b, h in zip(page, headers, strict=True) if h and h["hash"] == b.hash]
            ancestor = same[0] if same else None
            below = page[-1].number
        log.warning("index: the chain reorganised; reading again after block %s", ancestor[0] if ancestor else "none")
        self._rewind((done, kept), ancestor)

    def _rewind(self, was: tuple[int, str | None], ancestor: tuple[int, str] | None) -> None:
        """Forget everything after ``ancestor`` (block and hash; None: everything), the cursor moving from ``was``."""
        after = ancestor[0] if ancestor else self.start - 1
        with self.make_session() as session, session.writing():
            self._claim(session, was, ancestor)
            session.execute(delete(IndexedEvent).where(IndexedEvent.block > after))
            session.execute(delete(IndexedBlock).where(IndexedBlock.number > after))
            rest = [
                as_event(row)
                for row in session.scalars(select(IndexedEvent).order_by(IndexedEvent.block, IndexedEvent.log_index))
            ]
            towns = {e.town for e in rest} | set(session.scalars(select(IndexTotal.town).distinct()))
            for town in sorted(towns):
                self._save_totals(session, town, tally(e for e in rest if e.town == town))
        self._learned = False  # the towns and sales the rolled-back events named are followed no more

    def rebuild(self, before: Callable[[], bool] | None = None) -> int:
        """Forget the whole index and read it again from the town's first block: the steps taken. ``before`` each
        step: the lease's renewal."""
        with self._lock:
            self._rewind(self._cursor(), None)
        return self.catch_up(most=10_000_000, before=before)

    def _learn(self) -> None:
        """The contracts of every town created and every listing the index holds, followed: those read since the last
        look (another writer may have read them while this one did not hold the lease); after a rewind, all again."""
        if not self._learned:
            self.book.forget_learned()
            self._learnt_up_to = 0
        with self.make_session() as session:
            rows = list(
                session.scalars(
                    select(IndexedEvent)
                    .where(IndexedEvent.kind.in_(LEARNING), IndexedEvent.id > self._learnt_up_to)
                    .order_by(IndexedEvent.block, IndexedEvent.log_index)
                )
            )
        self.book.learn(as_event(row) for row in rows)
        self._learnt_up_to = max([self._learnt_up_to, *(row.id for row in rows)])
        self._learned = True


def as_event(row: IndexedEvent) -> Event:
    """An indexed row as the event it was read as."""
    return Event(
        row.block, row.log_index, "", row.tx, row.contract, row.kind, dict(row.args), row.business_id, row.town
    )

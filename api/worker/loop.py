"""The worker's loop: hold the lease, reconcile after a start or an outage, advance the open batch or send one."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker

from ost_chain.redact import scrub
from ost_chain.townclient import Town

from ..chain import ChainView
from ..db import (
    Batch,
    BatchKind,
    BatchStatus,
    BridgeSession,
    Participation,
    Status,
    cause,
    name_unnamed_rows,
    utcnow,
)
from ..settings import BridgeSettings
from . import budget, pipeline
from .forward import Forwarding
from .lease import LeaseKeeper
from .mint import TownMinting
from .relay import InfinityCodecs, Relay, RelayerProblem, Reverted, Rpc
from .settle import MAX_ATTEMPTS, Settlement

log = logging.getLogger("ost.bridge.worker")
RECEIPT_GRACE_SECONDS = 10.0
IDLE_SECONDS = 0.05  # between passes when nothing moved (with batches in flight, or rows waiting)
QUIET_SECONDS = 0.4  # the longest wait between passes with nothing in flight and nothing queued: a row queued by
# this process wakes the worker at once (``wake``), one queued by another replica is seen within this
RESEND_SECONDS = 2.0  # between two sends of a batch the node does not have
NAME_EVERY = 60.0  # seconds between two looks for rows a replica of the previous version wrote without their town


class Worker:
    def __init__(
        self,
        settings: BridgeSettings,
        make_session: sessionmaker[BridgeSession],
        chain: ChainView,
        relayer: LocalAccount,
        infinity_abi: list[dict[str, Any]],
        forwarder_abi: list[dict[str, Any]],
    ) -> None:
        self.settings, self.make_session, self.chain, self.relayer = settings, make_session, chain, relayer
        self.codecs = InfinityCodecs.of(infinity_abi)
        self.lease = LeaseKeeper(make_session)
        self.relay = Relay(settings, relayer)
        self.settlement = Settlement(self.codecs, relayer.address)
        self.sizes = pipeline.Sizes()
        self.forwarding = Forwarding(self.relay, forwarder_abi, settings.batch_size, self.sizes)
        self.problem: str | None = None  # why minting is paused, for /healthz
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()  # set when this process queues a row: the next pass starts at once
        self._idle = False  # the last pass found nothing in flight and nothing queued
        self._thread: threading.Thread | None = None
        self._reconciled = False
        self.day_start = budget.DayStart()  # the chain's day: one for every town
        # Each town's participations, the first town's first; the towns with rows waiting take turns.
        self.towns = [TownMinting(settings, to_checksum_address(chain.manifest.address("TownRegistry")), chain)]
        self._town_turn = 0
        self._named_at = time.monotonic()  # the bridge named the older rows when it started
        self._spent_seen: dict[int, float] = {}  # batch → when its nonce was first seen spent without a receipt
        self._resent: dict[int, float] = {}  # batch → when it was last sent again
        self._relayed_last = False  # members' relayed actions take turns with participations
        self.last_mined = time.monotonic()  # when a batch was last mined (for /healthz: rows waiting, nothing mined)

    def mint_for(self, chains: list[ChainView]) -> None:
        """Mint the participations of every town of ``chains`` (each its view of the chain), the first first."""
        registries = [to_checksum_address(c.manifest.address("TownRegistry")) for c in chains]
        self.towns = [TownMinting(self.settings, r, c) for r, c in zip(registries, chains, strict=True)]

    @property
    def capped(self) -> list[str]:
        """Why coordinators' rows wait for a new day, in every town."""
        return [why for town in self.towns for why in town.capped.values()]

    @property
    def paused(self) -> list[str]:
        """Why minting is paused in a town, for each town where it is."""
        return [f"Minting in {t.chain.manifest.town} is paused: {t.problem}" for t in self.towns if t.problem]

    @property
    def relayer_capped(self) -> list[str]:
        """Why the relayer's rows wait for a new day, in each town where they do."""
        return [town.relayer_capped for town in self.towns if town.relayer_capped]

    @property
    def leader(self) -> bool:
        return self.lease.leader

    @property
    def confirmed(self) -> int:
        return self.settlement.confirmed

    # ── life ──

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="ost-bridge-worker", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """A row was queued: look at once (with nothing to do, the worker waits up to ``QUIET_SECONDS``)."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.lease.release()

    def _run(self) -> None:
        pause, quiet = 0.0, IDLE_SECONDS
        while not self._stop.is_set():
            self._wake.wait(pause)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                held, fresh = self.lease.hold()
                if not held:
                    pause = 1.0
                    continue
                if fresh or not self._reconciled:
                    self.reconcile()
                    self._reconciled = True
                moved = self.step()
                # Nothing to do: each pass waits longer, up to QUIET_SECONDS (a queued row wakes it at once).
                quiet = min(QUIET_SECONDS, quiet * 2) if self._idle and not moved else IDLE_SECONDS
                pause = 0.0 if moved else quiet
                if self.last_error is not None:
                    log.info("worker: working again after: %s", self.last_error)
                self.last_error = None
            except RelayerProblem as exc:
                self.problem = str(exc)
                log.warning("minting paused: %s", exc)
                pause = 5.0
            except Exception as exc:  # noqa: BLE001 - the chain or the database is away: wait, then reconcile
                said = cause(exc) if isinstance(exc, DBAPIError) else f"{type(exc).__name__}: {exc}"
                error = scrub(said, self.chain.rpc_url)
                if error != self.last_error:  # one line when it starts (or changes), not one per retry
                    log.warning("worker: %s", error)
                self.last_error = error
                self._reconciled = False
                pause = min(2.0, max(0.2, pause * 2))

    def reconcile(self) -> None:
        """After a start or an outage: participations still queued that the chain already rewarded are confirmed."""
        for minting in self.towns:
            minting.tally.forget()
            self.settlement.reconcile(self.make_session, minting.town())
        with self.make_session() as session:
            self.forwarding.reconcile(session, self.chain.town())

    # ── one step ──

    def step(self) -> bool:
        """Settle what was mined, re-send what the node lost, re-price what is stuck, and send the next batch while
        the pipeline has room; True if anything moved."""
        town = self.chain.town()
        rpc = Rpc(town)
        if time.monotonic() - self._named_at > NAME_EVERY:
            # During a rolling upgrade a replica of the previous version writes rows without their town: they were
            # its first town's, and are named so within a minute (not at the next start), so they take their turn.
            self._named_at = time.monotonic()
            name_unnamed_rows(self.make_session, self.towns[0].registry)
        with self.make_session() as session:
            open_batches = list(
                session.scalars(select(Batch).where(Batch.status == BatchStatus.SENT).order_by(Batch.nonce))
            )
            self._idle = not open_batches and not self._waiting_rows(session)
            if self._idle:
                return False  # nothing in flight, nothing queued: no call to the chain
            seen = pipeline.look(rpc, self.relayer.address, open_batches)
            moved = False
            for batch in open_batches:
                # Settled against the contract it called, even of a town this bridge no longer serves.
                minting = self._minting(batch)
                moved |= self._advance(session, minting.town() if minting else town, batch, seen)
            in_flight = [b for b in open_batches if b.status == BatchStatus.SENT]
            if pipeline.fill_gap(rpc, self.relayer, town.client.chain_id, seen, in_flight):
                return True
            if not pipeline.has_room(seen, in_flight, self.settings.in_flight_blocks, self.settings.max_in_flight):
                return moved
            nonce = pipeline.next_nonce(seen, in_flight)
            # While batches are in flight, only full ones go: a partial one would take a place in the pipeline that a
            # full one fills, and its rows reach the chain no later by going now than with the next block.
            full_only = bool(in_flight)
            if not self._relayed_last and self.forwarding.waiting(session):
                self._relayed_last = True
                return self.forwarding.send(session, town, seen.latest, nonce, full_only=full_only) or moved
            self._relayed_last = False
            taken = self._take(session, pipeline.room(seen.latest), full_only)
            if taken is None:
                return moved
            return self._send(session, *taken, seen.latest, nonce) or moved

    def _waiting_rows(self, session: BridgeSession) -> bool:
        # Another town's rows (or unnamed ones) are not this bridge's; a paused town's wait (no pass looks at the
        # chain for them until its pause ends).
        served = [m.registry for m in self.towns if not m.paused]
        queued = session.scalar(
            select(Participation.participation_id).where(
                Participation.status == Status.QUEUED, Participation.town.in_(served)
            )
        )
        return queued is not None or self.forwarding.waiting(session)

    def _take(
        self, session: BridgeSession, gas_room: int, full_only: bool = False
    ) -> tuple[TownMinting, list[Participation]] | None:
        """The next town's rows to send: the towns with rows waiting take a batch each in turn, so no town's backlog
        holds up another's."""
        count = len(self.towns)
        for step in range(count):
            minting = self.towns[(self._town_turn + step) % count]
            rows = minting.take(session, self.sizes, gas_room, full_only)
            if rows:
                self._town_turn = (self._town_turn + step + 1) % count
                return minting, rows
        return None

    def _minting(self, batch: Batch) -> TownMinting | None:
        """The town whose participations ``batch`` carries (a relay batch: the first's, whose forwarder it calls);
        None for a town this bridge no longer serves (its batch is settled against the contract it called)."""
        if batch.kind == BatchKind.RELAY:
            return self.towns[0]
        return next((m for m in self.towns if m.registry == batch.town), None)

    def _send(
        self,
        session: BridgeSession,
        minting: TownMinting,
        rows: list[Participation],
        latest: dict[str, Any],
        nonce: int,
    ) -> bool:
        """Simulate a batch of one town's rows, settling what the contract refuses and halving what overflows a
        batch's room or fails without a reason; send the rest at ``nonce``."""
        town = minting.town()
        rpc = Rpc(town)
        most = pipeline.room(latest)
        kind = BatchKind.ATTESTATION if rows[0].attestation else BatchKind.BATCH
        if rows[0].attestation is None:
            since = self.day_start.block(town, latest)
            rows = minting.within_caps(session, town, self.relayer.address, since, rows)
        while rows:
            data = self.codecs.calldata(rows)
            try:
                estimate = self.relay.estimate(rpc, town.infinity.address, data)
            except Reverted as exc:
                if exc.empty and len(rows) > 1:  # no reason given: too big for this node, or one row's trouble
                    rows = rows[: len(rows) // 2]
                    continue
                if exc.empty:  # one participation the chain refuses without a reason: it alone is set aside
                    self._set_aside(session, rows[0], exc.certain)
                    return True
                revert = town.client.artifacts.errors.decode(exc.data)
                try:
                    rows = self.settlement.refused(session, town, rows, revert)
                except RelayerProblem as problem:  # this town's alone (its role, its token): the others go on
                    minting.pause(str(problem))
                    log.warning("minting paused in %s: %s", town.record.town, problem)
                    return True
                minting.tally.forget()  # an id confirmed from the logs counts against its coordinator's day
                continue
            self.sizes.measured(kind, estimate, len(rows))
            gas = pipeline.with_margin(estimate)
            if gas > most and len(rows) > 1:
                rows = rows[: len(rows) // 2]  # too big for a batch: the rest waits for the next one
                continue
            break
        if not rows:
            return True
        self.problem = minting.problem = None
        self.relay.send(session, town, rows, data, gas, latest, nonce)
        return True

    def _set_aside(self, session: BridgeSession, row: Participation, certain: bool) -> None:
        """A participation whose simulation fails without a reason: failed at once when the node's answer is certain,
        else tried again in a later batch and failed after a few tries; never a pause of everyone's minting."""
        row.attempts += 1
        if certain or row.attempts >= MAX_ATTEMPTS:
            row.status = Status.FAILED
            row.reason = (
                "The chain refused it without giving a reason (it reverted without data, or ran out of gas), so "
                "nothing was minted; check the member, the project and the minutes, and submit it under a new id."
            )
        session.save()

    def _advance(self, session: BridgeSession, town: Town, batch: Batch, seen: pipeline.Look) -> bool:
        """Settle ``batch`` if its nonce is spent; if it is next to be mined, send it again when the node lost it, or
        re-price it when stuck. True if anything moved."""
        if batch.nonce < seen.mined:  # spent: by a version of this batch, or by a transaction we do not know
            mined = seen.receipt(batch)
            if mined is not None:
                self._spent_seen.pop(batch.id, None)
                self.last_mined = time.monotonic()
                return self._mined(session, town, batch, *mined)
            # A node may count the nonce before it serves the receipt: look again for a while before deciding
            # that the nonce went to a transaction of ours it never mined.
            first_seen = self._spent_seen.setdefault(batch.id, time.monotonic())
            if time.monotonic() - first_seen < RECEIPT_GRACE_SECONDS:
                return False
            self._spent_seen.pop(batch.id, None)
            if batch.kind == BatchKind.RELAY:
                self.forwarding.lost(session, town, batch)
            else:
                self.settlement.lost(session, town, batch)
                for minting in filter(None, [self._minting(batch)]):
                    minting.tally.forget()  # rows it confirmed from the logs count against their day
            return True
        if batch.nonce != seen.mined:
            return False  # behind another batch of ours: the node mines nonces in order
        if not any(seen.known.get(h) for h in batch.tx_hashes):
            # The node lost it (restarted, dropped it, or we stopped before broadcasting): send it again — at once the
            # first time, then every few seconds, never a pass after pass (the node may keep refusing it).
            now = time.monotonic()
            if now - self._resent.get(batch.id, -RESEND_SECONDS) < RESEND_SECONDS:
                return False
            self._resent[batch.id] = now
            self.relay.broadcast(session, town, batch)
            return False
        since = batch.repriced_at or batch.sent_at
        if (utcnow() - since).total_seconds() > self.settings.stuck_after:
            self.relay.reprice(session, town, batch, seen.latest)
            return True
        return False

    def _mined(self, session: BridgeSession, town: Town, batch: Batch, tx_hash: str, receipt: dict[str, Any]) -> bool:
        """Settle a mined batch from its receipt, and count its API-key mints against their coordinators' day."""
        if batch.kind == BatchKind.RELAY:
            self.forwarding.mined(session, town, batch, tx_hash, receipt)
            return True
        self.settlement.mined(session, town, batch, tx_hash, receipt)
        minting = self._minting(batch)
        if batch.status == BatchStatus.CONFIRMED and batch.block is not None and minting is not None:
            minting.minted(session, batch)
        return True

    def since_mined(self) -> float | None:
        """Seconds since one of this worker's batches was last seen mined (None where it does not lead)."""
        return round(time.monotonic() - self.last_mined, 1) if self.leader else None

    def stalled(self, oldest: float | None) -> str | None:
        """Why the worker is stalled — rows have waited, and nothing was mined, longer than ``stall_after`` — or
        None. Only the leader can tell: a replica that does not lead sends nothing."""
        limit = self.settings.stall_after
        quiet = time.monotonic() - self.last_mined
        if not self.leader or oldest is None or oldest < limit or quiet < limit:
            return None
        return (
            f"Nothing was mined for {quiet:.0f} s while the oldest row has waited {oldest:.0f} s: the worker is "
            "stalled. Its last error and the warnings above say why."
        )

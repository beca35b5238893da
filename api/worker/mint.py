"""One town's participations in the worker: its queue taken fairly, its coordinators' and the relayer's daily caps.

A bridge serving several towns mints each town's INFINITY in its own batches (a batch calls one town's token); the
worker gives the towns with participations waiting a batch each in turn (:meth:`Worker._take`), so one town's
backlog never holds up another's."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select

from ost_chain.townclient import Town

from ..chain import ChainView
from ..db import BatchKind, BridgeSession, Participation, Status, utcnow
from ..settings import BridgeSettings
from . import budget, pipeline

log = logging.getLogger("ost.bridge.worker")
PAUSE_SECONDS = 5.0  # a town whose minting the chain refuses the relayer waits this long before it is tried again


class TownMinting:
    """A town's participations: which to send next, and which fit the caps its contracts hold them to."""

    def __init__(self, settings: BridgeSettings, registry: str, chain: ChainView) -> None:
        self.settings, self.registry, self.chain = settings, registry, chain
        self.tally = budget.Tally(registry)
        self.capped: dict[str, str] = {}  # coordinator → why its rows wait for a new day
        self.relayer_capped: str | None = None
        self._caps_checked = 0.0
        self._signed_last = False  # the kind of the last batch: the kinds take turns
        # Why the town's minting is paused (the relayer may not mint there: its role, its token paused), and until
        # when: the other towns go on meanwhile.
        self.problem: str | None = None
        self._paused_until = 0.0

    @property
    def paused(self) -> bool:
        return time.monotonic() < self._paused_until

    def pause(self, problem: str) -> None:
        """The chain refuses the relayer in this town: its rows wait ``PAUSE_SECONDS``, the other towns' do not."""
        self.problem, self._paused_until = problem, time.monotonic() + PAUSE_SECONDS

    def town(self) -> Town:
        return self.chain.town()

    def take(
        self, session: BridgeSession, sizes: pipeline.Sizes, gas_room: int, full_only: bool
    ) -> list[Participation]:
        """The town's next rows to send, of one kind — signed participations, or API-key ones — the kinds in turn,
        each taken fairly: every coordinator's oldest first, in turn. API-key rows of coordinators (or, the relayer
        being capped, all of them) waiting for a new day are left out."""
        if self.paused:
            return []
        kinds = [True, False] if not self._signed_last else [False, True]
        for signed in kinds:
            kind = BatchKind.ATTESTATION if signed else BatchKind.BATCH
            rows = self._fair(session, signed, sizes.rows(kind, gas_room, self.settings.batch_size), full_only)
            if rows:
                self._signed_last = signed
                return rows
        return []

    def _fair(self, session: BridgeSession, signed: bool, most: int, full_only: bool) -> list[Participation]:
        kind = Participation.attestation.is_not(None) if signed else Participation.attestation.is_(None)
        conditions = [Participation.town == self.registry, Participation.status == Status.QUEUED, kind]
        if not signed:
            waiting = self._waiting()
            if waiting is None:
                return []
            conditions.append(Participation.coordinator.not_in(waiting))
        turn = (
            func.row_number()
            .over(partition_by=Participation.coordinator, order_by=Participation.created_at)
            .label("turn")
        )
        fair = select(Participation.participation_id, Participation.coordinator, turn).where(*conditions).subquery()
        rows = list(
            session.scalars(
                select(Participation)
                .join(
                    fair,
                    (fair.c.participation_id == Participation.participation_id)
                    & (fair.c.coordinator == Participation.coordinator)
                    & (Participation.town == self.registry),
                )
                .order_by(fair.c.turn, Participation.created_at)
                .limit(most)
            )
        )
        if rows and len(rows) < most:
            oldest = min(r.created_at for r in rows)
            waited = (utcnow() - oldest).total_seconds()
            if (full_only and waited < pipeline.PARTIAL_AFTER) or waited < self.settings.batch_wait:
                return []
        return rows

    def _waiting(self) -> list[str] | None:
        """Coordinators whose rows wait for a new day (looked at again every few seconds), or None if all do."""
        if time.monotonic() > self._caps_checked + self.settings.cap_cache_seconds / 2:
            self.capped, self.relayer_capped = {}, None
        if self.relayer_capped is not None:
            return None
        return sorted(self.capped)

    def within_caps(
        self,
        session: BridgeSession,
        town: Town,
        relayer: str,
        since: int,
        rows: list[Participation],
    ) -> list[Participation]:
        """The rows that fit their coordinators' and the relayer's daily caps in the town (the chain's day began at
        block ``since``); those of a revoked coordinator fail."""
        bridged = self.tally.of(session, since)
        flying = budget.in_flight(session, self.chain, self.registry)  # sent, not yet mined: charged already
        counted = defaultdict(int, {c: bridged.get(c, 0) + flying.get(c, 0) for c in {*bridged, *flying}})
        chosen = budget.plan(town, self.chain, relayer, rows, counted, sum(flying.values()))
        if chosen.refused:
            for row in rows:
                if (row.participation_id, row.coordinator) in chosen.refused:
                    row.status, row.reason = Status.FAILED, chosen.refused[(row.participation_id, row.coordinator)]
            session.save()
        self.capped.update(chosen.capped)
        self.relayer_capped = chosen.relayer_capped
        if chosen.capped or chosen.relayer_capped:
            self._caps_checked = time.monotonic()
        for reason in [*chosen.capped.values(), *filter(None, [chosen.relayer_capped])]:
            log.warning("%s", reason)
        return chosen.chosen

    def minted(self, session: BridgeSession, batch: Any) -> None:
        """Count a mined batch's API-key mints against their coordinators' day."""
        found = session.execute(  # columns, read afresh: the bulk update left the loaded rows as they were
            select(Participation.coordinator, Participation.minted).where(
                Participation.batch_id == batch.id, Participation.api_key_id.is_not(None)
            )
        )
        self.tally.add(batch.block, [(coordinator, int(amount or 0)) for coordinator, amount in found])

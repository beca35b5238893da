"""Daily caps, held by the bridge for the coordinators whose participations it relays.

API-key participations are minted by the relayer's ``rewardBatch``: the chain checks the
relayer's role and charges the relayer's cap, not the coordinator's who confirmed them. So before
each batch the bridge holds every submitting coordinator to what the chain would hold it to if it
minted directly — its role now, and its own daily cap less what it minted today on chain and
through the bridge — and the relayer to its own cap. A coordinator over its cap waits (its rows
stay queued until the chain's day turns); a revoked one's rows fail with the reason; nobody else
waits behind either.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ost_chain.enums import Role
from ost_chain.townclient import Town
from ost_chain.units import format_amount

from ..chain import ChainView
from ..db import BridgeSession, Participation, Status

DAY = 86_400


@dataclass
class Plan:
    """What one batch may carry: the rows chosen, the rows refused with a reason, who waits for a new day."""

    chosen: list[Participation] = field(default_factory=list)
    refused: dict[tuple[str, str], str] = field(default_factory=dict)  # (participation id, coordinator) → reason
    capped: dict[str, str] = field(default_factory=dict)  # coordinator → why its rows wait
    relayer_capped: str | None = None


class DayStart:
    """The first block of the chain's current day (as the contract counts days: block time // 86,400), found by
    bisection once a day and remembered: what the bridge minted since then counts against today's caps."""

    def __init__(self) -> None:
        self._day, self._block = -1, 0

    def block(self, town: Town, latest: dict[str, Any]) -> int:
        day, number = int(latest["timestamp"], 16) // DAY, int(latest["number"], 16)
        if day != self._day:
            low, high = (self._block if day > self._day else 0), number
            while low < high:  # the first block whose time is in ``day``
                middle = (low + high) // 2
                if int(town.client.w3.eth.get_block(middle)["timestamp"]) // DAY < day:
                    low = middle + 1
                else:
                    high = middle
            self._day, self._block = day, low
        return self._block


class Tally:
    """What each coordinator had minted through the bridge today in a town (its registry), counted once a day from
    the database and kept up to date as batches are mined (the worker alone writes mints, so the count stays true
    while it leads)."""

    def __init__(self, town: str) -> None:
        self.town = town
        self.since = -1
        self.minted: defaultdict[str, int] = defaultdict(int)

    def of(self, session: BridgeSession, since: int) -> dict[str, int]:
        if since != self.since:
            self.since, self.minted = since, _minted_through_bridge(session, since, self.town)
        return self.minted

    def add(self, block: int, minted: list[tuple[str, int]]) -> None:
        if block >= self.since >= 0:
            for coordinator, amount in minted:
                self.minted[coordinator] += amount

    def forget(self) -> None:
        """Count again from the database (after a start, an outage or a lease taken over)."""
        self.since = -1


def plan(
    town: Town,
    chain: ChainView,
    relayer: str,
    rows: list[Participation],
    bridged: dict[str, int],
    flying: int = 0,
) -> Plan:
    """Choose, in the order given, the API-key ``rows`` that fit their coordinators' and the relayer's caps:
    ``bridged`` is what each coordinator had minted through the bridge today or has in flight, ``flying`` all that
    is in flight (the chain's count of the relayer's day has not seen it yet)."""
    out = Plan()
    coordinators = sorted({r.coordinator for r in rows})
    infinity, registry = town.infinity.functions, town.registry.functions
    answers = town.client.call_many(
        [registry.hasRole(Role.id(Role.COORDINATOR), c) for c in coordinators]
        + [infinity.coordinatorDay(c) for c in [*coordinators, relayer]]
    )
    roles = dict(zip(coordinators, answers[: len(coordinators)], strict=True))
    days = dict(zip([*coordinators, relayer], answers[len(coordinators) :], strict=True))
    left = {c: int(days[c][0]) - int(days[c][1]) - bridged[c] for c in coordinators}
    relayer_cap, relayer_minted = (int(v) for v in days[relayer])
    relayer_left = relayer_cap - relayer_minted - flying
    for row in rows:
        coordinator = row.coordinator
        if not roles[coordinator]:
            out.refused[(row.participation_id, row.coordinator)] = (
                f"{coordinator} no longer holds COORDINATOR_ROLE in this town, so nothing was minted for this "
                "participation; a coordinator who holds the role may submit it again."
            )
            continue
        project = chain.project(row.project_id)
        if not project.active or not project.shiftMinutes:
            out.chosen.append(row)  # the simulation refuses it with the contract's own reason
            continue
        amount = row.minutes * int(project.tokensPerShift) // int(project.shiftMinutes)
        if amount > left[coordinator]:
            cap = int(days[coordinator][0])
            out.capped[coordinator] = (
                f"{coordinator} has reached its daily cap of {format_amount(cap, 18)} INF in {town.record.town}: its "
                "participations there wait for the chain's next day (00:00 UTC)."
            )
            continue
        if amount > relayer_left:
            out.relayer_capped = (
                f"The relayer {relayer} has minted {format_amount(relayer_minted, 18)} of its daily cap of "
                f"{format_amount(relayer_cap, 18)} INF in {town.record.town}: participations there with an API key "
                "wait for the chain's next day (00:00 UTC), or for its Town Ambassador to raise the cap."
            )
            continue
        left[coordinator] -= amount
        relayer_left -= amount
        out.chosen.append(row)
    return out


def in_flight(session: BridgeSession, chain: ChainView, town: str) -> dict[str, int]:
    """INF each coordinator has in ``town``'s API-key batches sent and not yet mined: with several batches in flight,
    a cap is charged when a batch is sent, not when it is mined (or the pipeline would carry a coordinator past it)."""
    flying: defaultdict[str, int] = defaultdict(int)
    found = session.execute(
        select(Participation.coordinator, Participation.minutes, Participation.project_id).where(
            Participation.status == Status.SUBMITTED,
            Participation.api_key_id.is_not(None),
            Participation.town == town,
        )
    )
    for coordinator, minutes, project_id in found:
        project = chain.project(project_id)
        if project.active and project.shiftMinutes:
            flying[coordinator] += minutes * int(project.tokensPerShift) // int(project.shiftMinutes)
    return flying


def _minted_through_bridge(session: BridgeSession, since: int, town: str) -> defaultdict[str, int]:
    """INF each coordinator had minted in ``town`` through the bridge's relayer from block ``since`` on (API-key rows
    only)."""
    minted: defaultdict[str, int] = defaultdict(int)
    found = session.execute(
        select(Participation.coordinator, Participation.minted).where(
            Participation.block >= since,
            Participation.town == town,
            Participation.status == Status.CONFIRMED,
            Participation.api_key_id.is_not(None),
        )
    )
    for coordinator, amount in found:
        minted[coordinator] += int(amount or 0)
    return minted

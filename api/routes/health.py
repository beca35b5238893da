"""Health: is the chain reachable, how deep is the queue, can the relayer pay for gas."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ost_chain.redact import scrub
from ost_chain.units import money

from .. import relay_quota
from ..bridge import Bridge
from ..chain import Unreachable
from ..db import AWAY, cause, is_outage
from ..deps import BridgeDep
from ..models import ChainHealth, DatabaseHealth, Health, IndexHealth, QueueHealth, RelayerHealth, TownRelays
from ..problems import UNREACHABLE
from ..towns import ServedTown
from ..worker import report

router = APIRouter(tags=["health"])
log = logging.getLogger("ost.bridge")


def _spend(relayer: RelayerHealth, spent_and_relayed: tuple[int, int], coin: str) -> None:
    """The relayer's last 24 hours of gas, and how long its balance lasts at that rate, in numbers and words (the
    coin in whole units with its name; the time in years, months, days or hours, never a float's exponent)."""
    spent, relayed = spent_and_relayed
    relayer.spent_last_day, relayer.relayed_last_day = str(spent), relayed
    balance = int(relayer.balance) if relayer.balance is not None else None
    if balance is None:
        return
    if spent == 0:
        relayer.sentence = f"The relayer holds {money(balance, 18, coin)} and spent none in a day."
        return
    relayer.days_left = round(balance / spent, 1)
    actions = f"{relayed:,} member's action" if relayed == 1 else f"{relayed:,} members' actions"
    relayer.sentence = (
        f"The relayer spent {money(spent, 18, coin)} on gas in the last 24 hours ({actions} among it); its "
        f"{money(balance, 18, coin)} last {_lasting(balance / spent)} at that rate."
    )


def _lasting(days: float) -> str:
    """How long, in the largest unit that reads well: ``about 30 years``, ``about 5 months``, ``about 3 days``; past
    a century, ``more than a hundred years`` (a development chain's relayer holds thousands of coins)."""
    if days >= 100 * 365:
        return "more than a hundred years"
    for unit, length in (("year", 365.0), ("month", 30.0), ("day", 1.0), ("hour", 1 / 24)):
        if days >= 2 * length:
            return f"about {days / length:,.0f} {unit}s"
    return "less than two hours"


def _index(bridge: Bridge, head: int | None, warnings: list[str]) -> IndexHealth | None:
    """How far the index stands behind the chain (unknown without the chain's head or the database)."""
    if head is None:
        return None
    index = bridge.index
    try:
        lag = index.lag(head)
    except Exception as exc:
        if not is_outage(exc):
            raise
        return None
    health = IndexHealth(
        indexedBlock=lag.indexed,
        confirmations=index.confirmations,
        behind=lag.behind,
        limit=lag.limit,
        writer=index.lease.leader,
        late=lag.late,
    )
    if lag.late:
        warnings.append(
            f"The index is {lag.behind} blocks behind the chain (more than {lag.limit}): the page's figures and "
            "histories are late."
        )
    if index.last_error:
        warnings.append(f"The index's last error: {index.last_error[:200]}")
    return health


def _unappointed(bridge: Bridge) -> list[ServedTown]:
    """The towns where the relayer is not a coordinator (a warning, not a fault: a bridge may relay members'
    actions and signed participations only); a town whose answer cannot be read is left out."""
    towns = []
    for served in bridge.towns.values():
        try:
            if not served.chain.is_coordinator(bridge.relayer.address):
                towns.append(served)
        except Unreachable:
            continue
    return towns


@router.get(
    "/healthz",
    response_model=Health,
    responses={503: {"description": "The chain or the database is unreachable, or the index is late."}},
)
def health(bridge: BridgeDep) -> JSONResponse:
    """Chain and database reachable, queue depth and oldest waiting item, relayer balance (warned when low)."""
    warnings: list[str] = []
    chain = ChainHealth(chainId=bridge.chain_id, reachable=False)
    relayer = RelayerHealth(address=bridge.relayer.address)
    low = bridge.options.low_balance_wei
    try:
        town = bridge.chain.town()
        chain.reachable, chain.block = True, int(town.client.w3.eth.block_number)
        balance = town.client.balance(bridge.relayer.address)
        relayer.balance, relayer.low = str(balance), balance < low
        unappointed = _unappointed(bridge)
        for served in unappointed:  # it mints every town's API-key participations: each town refuses them without it
            warnings.append(
                f"The relayer {bridge.relayer.address} is not a coordinator of {served.manifest.town}: participations "
                f"sent there with an API key are refused until its Town Ambassador appoints it (`ost coordinators "
                f"add {bridge.relayer.address} --manifest {served.path.name}`)."
            )
        if balance < low:
            warnings.append(
                f"The relayer {bridge.relayer.address} holds {balance} wei, below {low}: fund it "
                "before it runs out of gas."
            )
    except Exception as exc:  # noqa: BLE001 - any failure means unreachable here
        bridge.chain.forget_connection()
        chain.error = UNREACHABLE
        log.warning("health: the chain cannot be reached: %s", scrub(str(exc), bridge.settings.chain_url))
        warnings.append("The chain cannot be reached: participations are accepted and wait in the queue.")
    database = DatabaseHealth(reachable=True)
    depth: int | None = None
    relays: int | None = None
    oldest: float | None = None
    try:
        depth, oldest, relays = report.queue_stats(bridge.sessions)
        _spend(relayer, report.spend(bridge.sessions), bridge.options.native_symbol)
        by_town = report.spend_by_town(bridge.sessions)
        relayer.towns = {}
        with bridge.sessions() as session:  # each town's day, in its time zone: its budget's day
            used = {
                t.registry: relay_quota.town_used_today(session, relay_quota.today(t.manifest)[0], t.registry)
                for t in bridge.towns.values()
            }
        for slug, served in bridge.towns.items():
            spent, relayed, minted = by_town.get(served.registry, (0, 0, 0))
            today, budget = used[served.registry], served.desk.budget
            relayer.towns[slug] = TownRelays(
                spent_last_day=str(spent),
                relayed_last_day=relayed,
                minted_last_day=minted,
                gas_today=today,
                gas_budget=budget or None,
                gas_left=max(0, budget - today) if budget else None,
            )
    except Exception as exc:
        if not is_outage(exc):
            raise
        database.reachable, database.error = False, AWAY
        log.warning("health: the database is not answering: %s", scrub(cause(exc)))
        warnings.append("The database is not answering: new participations are refused until it returns.")
    if bridge.worker.problem:
        warnings.append(f"Minting is paused: {bridge.worker.problem}")
    warnings.extend(bridge.worker.paused)
    warnings.extend(bridge.worker.capped)
    warnings.extend(bridge.worker.relayer_capped)
    if bridge.worker.last_error:
        warnings.append(f"The worker's last error: {bridge.worker.last_error[:200]}")
    stalled = bridge.worker.stalled(oldest)
    if stalled:
        warnings.append(stalled)
    index = _index(bridge, chain.block if database.reachable else None, warnings)
    healthy = chain.reachable and database.reachable and not (index is not None and index.late)
    body = Health(
        status="stalled"
        if stalled
        else "ok"
        if healthy and not bridge.worker.problem and not bridge.worker.paused
        else "degraded",
        chain=chain,
        database=database,
        queue=QueueHealth(
            depth=depth,
            oldestWaitingSeconds=oldest,
            workerLeader=bridge.worker.leader,
            relayDepth=relays,
            lastMinedSeconds=bridge.worker.since_mined(),
            stalled=stalled is not None,
        ),
        relayer=relayer,
        index=index,
        warnings=warnings,
    )
    return JSONResponse(
        body.model_dump(mode="json", exclude_unset=True),
        status_code=200 if healthy and not stalled else 503,
    )

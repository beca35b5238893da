"""What the worker's queue and relayer report to ``/healthz``: read from the database, by any replica."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from ..db import Batch, BatchKind, BatchStatus, BridgeSession, Participation, RelayRequest, RelayStatus, Status, utcnow


def queue_stats(make_session: sessionmaker[BridgeSession]) -> tuple[int, float | None, int]:
    """Participations waiting or on their way, the oldest one's age in seconds, and relayed actions likewise."""
    with make_session() as session:
        depth, oldest = session.execute(
            select(func.count(), func.min(Participation.created_at)).where(
                Participation.status.in_((Status.QUEUED, Status.SUBMITTED)),
                Participation.town != "",  # a rolling upgrade's twin left unnamed: never sent, not waiting
            )
        ).one()
        relays, oldest_relay = session.execute(
            select(func.count(), func.min(RelayRequest.created_at)).where(
                RelayRequest.status.in_((RelayStatus.QUEUED, RelayStatus.SUBMITTED))
            )
        ).one()
    first = min((t for t in (oldest, oldest_relay) if t is not None), default=None)
    age = (utcnow() - first).total_seconds() if first is not None else None
    return int(depth), age, int(relays)


def spend(make_session: sessionmaker[BridgeSession]) -> tuple[int, int]:
    """What the relayer paid for gas in the last 24 hours (wei), and how many members' actions it relayed."""
    since = utcnow() - timedelta(days=1)
    with make_session() as session:
        costs = session.scalars(select(Batch.cost).where(Batch.mined_at >= since, Batch.cost.is_not(None)))
        spent = sum(int(c or 0) for c in costs)
        relayed = session.scalar(
            select(func.count())
            .select_from(RelayRequest)
            .where(RelayRequest.updated_at >= since, RelayRequest.block.is_not(None))
        )
    return spent, int(relayed or 0)


def spend_by_town(make_session: sessionmaker[BridgeSession]) -> dict[str, tuple[int, int, int]]:
    """By town (its registry), over the last 24 hours: what the relayer paid for it (wei: its members' relayed
    actions, each its part of its batch, and its participations' batches), its members' actions relayed, and its
    participations minted. The towns' spends add up to the relayer's, but for a relay transaction that reverted as
    a whole (out of gas: nobody's action ran, and they are sent again)."""
    since = utcnow() - timedelta(days=1)
    towns: dict[str, tuple[int, int, int]] = {}
    with make_session() as session:
        relays = session.execute(
            select(RelayRequest.town, RelayRequest.cost).where(
                RelayRequest.updated_at >= since, RelayRequest.block.is_not(None)
            )
        ).all()
        batches = session.execute(
            select(Batch.town, Batch.cost, Batch.size, Batch.status).where(
                Batch.mined_at >= since, Batch.cost.is_not(None), Batch.kind != BatchKind.RELAY
            )
        ).all()
    for town, cost in relays:
        spent, relayed, minted = towns.get(town, (0, 0, 0))
        towns[town] = (spent + int(cost or 0), relayed + 1, minted)
    for town, cost, size, status in batches:  # a reverted batch was paid for; its rows are minted again later
        spent, relayed, minted = towns.get(town, (0, 0, 0))
        done = int(size or 0) if status == BatchStatus.CONFIRMED else 0
        towns[town] = (spent + int(cost or 0), relayed, minted + done)
    return towns

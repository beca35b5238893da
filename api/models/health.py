"""The bridge's health report: the chain, the database, the queue and the relayer."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import BaseModel

# ── health ──


class ChainHealth(BaseModel):
    chainId: int
    reachable: bool
    block: int | None = None
    error: str | None = None


class DatabaseHealth(BaseModel):
    reachable: bool
    error: str | None = None


class QueueHealth(BaseModel):
    depth: int | None = Field(default=None, description="Unknown while the database is away.")
    oldestWaitingSeconds: float | None
    workerLeader: bool
    relayDepth: int | None = Field(default=None, description="Members' relayed actions waiting or on their way.")
    lastMinedSeconds: float | None = Field(
        default=None, description="Seconds since this worker last saw one of its batches mined (its leader only)."
    )
    stalled: bool = Field(default=False, description="Rows wait and nothing was mined for a while: 503.")


class TownRelays(BaseModel):
    spent_last_day: str = Field(
        description="Wei the relayer paid for this town in 24 hours: its members' relayed actions and its "
        "participations' batches (the towns' add up to the relayer's)."
    )
    relayed_last_day: int = Field(description="This town's members' actions relayed in the last 24 hours.")
    minted_last_day: int = Field(description="Participations of this town in batches mined in the last 24 hours.")
    gas_today: int = Field(description="Gas its members' actions took of the town's day so far (used, else estimated).")
    gas_budget: int | None = Field(
        description="Gas the relayer spends at most on the town in its day (null: no budget)."
    )
    gas_left: int | None = Field(description="Gas left of today's budget (null: no budget).")


class RelayerHealth(BaseModel):
    address: str
    balance: str | None = Field(default=None, description="Wei, as a decimal string.")
    low: bool | None = None
    spent_last_day: str | None = Field(default=None, description="Wei the relayer paid for gas in the last 24 hours.")
    relayed_last_day: int | None = Field(default=None, description="Members' actions it relayed in the last 24 hours.")
    days_left: float | None = Field(
        default=None, description="Days its balance lasts at the last 24 hours' rate (absent when it spent nothing)."
    )
    sentence: str | None = Field(default=None, description="The same, in words.")
    towns: dict[str, TownRelays] | None = Field(
        default=None,
        description="By town served (its slug): what its members' relayed actions cost the relayer in the last 24 "
        "hours. One relayer pays for every town.",
    )


class IndexHealth(BaseModel):
    indexedBlock: int | None = Field(default=None, description="The last block the index has read (null before).")
    confirmations: int = Field(description="Blocks it stays behind the chain's head on purpose.")
    behind: int | None = Field(default=None, description="Blocks it is behind, beyond its confirmations.")
    limit: int = Field(description="Blocks behind past which it is late: then 503.")
    writer: bool = Field(description="This replica holds the index's lease and follows the chain into it.")
    late: bool = False


class Health(BaseModel):
    status: Literal["ok", "degraded", "stalled"]
    chain: ChainHealth
    database: DatabaseHealth
    queue: QueueHealth
    relayer: RelayerHealth
    index: IndexHealth | None = None
    warnings: list[str]

"""Request and response bodies of every endpoint: the bridge's OpenAPI document is typed from these."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel as _PydanticModel
from pydantic import ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from ost_chain.units import valid_address

from .db import Status


class BaseModel(_PydanticModel):
    """Every body of the API: camelCase keys, as the CLI's JSON (``participationId``, ``txHash``); a request may
    also use the snake_case names of the first version."""

    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )


ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/@#+=-]{0,199}$"


def _phone_like(value: str) -> bool:
    """A phone number as a coordinator would write it (``+27 82 123 4567``), to resolve to its member's address."""
    return value.startswith("+") and 8 <= sum(c.isdigit() for c in value) <= 15 and set(value) <= set("+0123456789 -")


def check_address(value: str) -> str:
    """``value`` checksummed, or a ValueError saying what an address must look like."""
    checked = valid_address(value)
    if checked is None:
        raise ValueError("expected an address: 0x and 40 hex digits, with a valid EIP-55 checksum if mixed case")
    return checked


# ── participations ──


class Attestation(BaseModel):
    """A coordinator's EIP-712 signature of the participation (see ``participation_typed_data``)."""

    model_config = ConfigDict(extra="forbid")
    coordinator: str = Field(description="The signing coordinator's address.")
    deadline: int = Field(ge=0, lt=2**64, description="Last second (unix time) at which it may be relayed.")
    signature: str = Field(pattern=r"^0x[0-9a-fA-F]{130}$", description="65-byte signature, hex.")

    _check = field_validator("coordinator")(lambda cls, v: check_address(v))


class ParticipationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participation_id: str = Field(pattern=ID_PATTERN, description="Unique id; letters, digits and ._:/@#+=- only.")
    member: str = Field(description="The member's address, or a phone member's number (+27…).")
    project_id: int = Field(ge=0, lt=2**64)
    minutes_worked: int | None = Field(
        default=None, gt=0, le=1440, alias="minutes", description="Minutes worked, as `ost reward --minutes` takes."
    )
    hours: Decimal | None = Field(
        default=None, gt=0, le=24, description="Or hours worked, in whole minutes (e.g. 3 or 1.5): give one of the two."
    )
    evidence_uri: str | None = Field(default=None, max_length=2048)
    meal: bool = Field(default=False, description="A community-kitchen meal goes with this participation.")
    attestation: Attestation | None = None

    _check = field_validator("member")(lambda cls, v: v if _phone_like(v) else check_address(v))

    @field_validator("hours")
    @classmethod
    def _whole_minutes(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and value * 60 != (value * 60).to_integral_value():
            raise ValueError("hours must come to a whole number of minutes (e.g. 1.5, not 1.51)")
        return value

    @model_validator(mode="after")
    def _one_duration(self) -> ParticipationCreate:
        if (self.minutes_worked is None) == (self.hours is None):
            raise ValueError("give the time worked once: minutes (e.g. 180) or hours (e.g. 3), not both or neither")
        return self

    @property
    def minutes(self) -> int:
        return self.minutes_worked if self.minutes_worked is not None else int((self.hours or 0) * 60)


class Links(BaseModel):
    self: str


class ParticipationPublic(BaseModel):
    """Where a participation stands. Who it names — the member, the coordinator, the meal, the evidence — is shown
    only to a coordinator's key; anyone holding the id (a signer without a key) sees its progress."""

    participation_id: str
    status: Status
    member: str | None
    project_id: int
    minutes: int
    coordinator: str | None
    meal: bool | None
    evidence_uri: str | None
    tx_hash: str | None
    block: int | None
    minted: str | None = Field(description="INF minted, in wei (10^-18 INF), as a decimal string.")
    reason: str | None
    created_at: datetime
    updated_at: datetime
    links: Links


# ── relayed actions (gasless) ──


class RelayCreate(BaseModel):
    """A member's signed forward request: the ``ForwardRequest`` message they signed (``eth_signTypedData_v4``,
    domain: this town's ``TownForwarder``) and the signature. Numbers may be JSON numbers or decimal strings."""

    model_config = ConfigDict(extra="forbid")
    sender: str = Field(alias="from", description="The member's address: who signed, and who acts.")
    to: str = Field(description="The town's contract called: INFINITY, the profit distributor, a sale or share token.")
    value: int = Field(default=0, ge=0, lt=2**256, description="Always 0: a relayed action carries no coin.")
    gas: int = Field(gt=0, lt=2**256, description="Gas the call may use.")
    nonce: int = Field(ge=0, lt=2**63, description="The member's next nonce at the town's forwarder.")
    deadline: int = Field(ge=0, lt=2**48, description="Unix time after which the forwarder refuses the request.")
    data: str = Field(pattern=r"^0x([0-9a-fA-F]{2}){4,}$", max_length=8_192, description="The call's data, hex.")
    signature: str = Field(pattern=r"^0x[0-9a-fA-F]{130}$", description="65-byte signature, hex.")

    _check = field_validator("sender", "to")(lambda cls, v: check_address(v))


class PhoneOrderCreate(BaseModel):
    """An ambassador's order about a phone member: the ``PhoneOrder`` they signed (``eth_signTypedData_v4``, domain
    ``OST bridge``, this town's registry) and the signature; a reset also carries the one-time PIN it signed."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["sign-up", "reset-pin", "propose-move", "confirm-move", "list"]
    phone: str = Field(max_length=32, description="The member's number (the lost SIM's, for a move); empty to list.")
    detail: str = Field(max_length=80, description="The name (sign-up), the new number (a move), the PIN's digest.")
    deadline: int = Field(ge=0, lt=2**63, description="Unix time after which the order is refused.")
    nonce: str = Field(pattern=r"^0x[0-9a-fA-F]{64}$", description="32 random bytes, hex: each order is used once.")
    signature: str = Field(pattern=r"^0x[0-9a-fA-F]{130}$", description="65-byte signature, hex.")
    one_time_pin: str | None = Field(default=None, max_length=6, description="A reset's one-time PIN.")


class RelayPublic(BaseModel):
    """Where a member's relayed action stands, to its block."""

    relay_id: str = Field(description="The EIP-712 hash the member signed: the same request always has this id.")
    status: Status
    signer: str
    action: str = Field(description="What it does, in words: send INF, redeem a basket, claim profit, …")
    target: str
    nonce: int
    tx_hash: str | None
    block: int | None
    gas_used: int | None = Field(description="Its part of the relay transaction's gas.")
    cost: str | None = Field(description="What the relayer paid for it, in wei, as a decimal string.")
    reason: str | None
    created_at: datetime
    updated_at: datetime
    links: Links


class RelayQuota(BaseModel):
    """What a member has left of today's free actions (the town's day, in its time zone)."""

    address: str
    day: str = Field(description="The town's day, YYYY-MM-DD.")
    free_actions: int
    used: int
    left: int
    gas_used: int
    gas_per_day: int
    next_day: str = Field(description="When the next day's actions begin, e.g. 00:00 SAST.")
    sentence: str


# ── meals ──


class MealCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participation_id: str = Field(pattern=ID_PATTERN)
    served_at: datetime | None = Field(
        default=None, description="Default: now. Without an offset, the town's local time (its plan's time zone)."
    )
    note: str | None = Field(default=None, max_length=500)


class MealPublic(BaseModel):
    participation_id: str
    member: str
    served_on: str
    served_at: datetime
    note: str | None
    recorded_by: str


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


class Health(BaseModel):
    status: Literal["ok", "degraded", "stalled"]
    chain: ChainHealth
    database: DatabaseHealth
    queue: QueueHealth
    relayer: RelayerHealth
    warnings: list[str]


# ── the town, its businesses and members ──


class Pool(BaseModel):
    perMemberTotal: str
    carried: str
    deposited: str


class TownPublic(BaseModel):
    town: str
    country: str
    chainId: int
    launched: bool
    launchedAt: int = Field(default=0, description="When the town launched, unix time; 0 before.")
    members: int
    infinityIssued: str = Field(description="Every INF ever minted (all rewards), in wei, as a decimal string.")
    infinityRedeemed: str = Field(description="INF burned for baskets, in wei.")
    infinityInCirculation: str = Field(description="INF issued less redeemed (the token's supply), in wei.")
    businesses: int
    profit: Pool = Field(description="Profit in the native coin, in wei.")
    block: int
    participations: dict[str, int] = Field(description="The bridge's participations by status.")
    meals_served: int = Field(default=0, description="Meals the community kitchen recorded, all told.")


class DocumentPublic(BaseModel):
    """A document as the town published it on chain: check the bytes you fetch against ``sha256``."""

    sha256: str = Field(description="The SHA-256 of the document's bytes, hex.")
    version: int = Field(description="1 for the first version; each change publishes the next.")
    uri: str = Field(description="Where to fetch it: this bridge's /v1/documents/<sha256>, ipfs://… or https://….")


class BusinessPublic(BaseModel):
    id: int
    name: str
    symbol: str
    phase: str
    sold: int
    minimum: int
    offered: int
    price: str = Field(description="Price of one share in the asset's smallest unit, as a decimal string.")
    asset: str
    assetSymbol: str
    assetDecimals: int
    phaseEndsIn: int | None = Field(description="Seconds until the phase ends; null once closed.")
    finalized: bool
    sale: str
    token: str
    whoMayBuy: str
    documents: dict[str, DocumentPublic] = Field(
        default_factory=dict, description="Its business plan and investor pack, when published."
    )


class EligibilityPublic(BaseModel):
    eligible: bool
    reason: str
    sentence: str
    maxShares: int
    opensAt: int


class Holding(BaseModel):
    businessId: int
    symbol: str
    shares: int
    phase: str


class RefundDue(BaseModel):
    businessId: int
    asset: str
    amount: str = Field(description="In the asset's smallest unit, as a decimal string.")


class InvestorOwed(BaseModel):
    asset: str
    amount: str = Field(description="In the asset's smallest unit, as a decimal string.")
    businessId: int
    symbol: str


class MemberPublic(BaseModel):
    address: str
    member: bool
    tier: str
    recoveredTo: str | None
    memberSinceEpoch: int | None
    pastPeriods: int
    infinity: str = Field(description="INF held, in wei, as a decimal string.")
    shares: list[Holding]
    claimable: dict[str, str] = Field(
        description="The member share of profit claimable, by asset, in its smallest unit."
    )
    claimableAsInvestor: list[InvestorOwed] = Field(
        description="Profit claimable as a shareholder of a business with an investor part, by business and asset."
    )
    refundsDue: list[RefundDue]
    meals: int
    participationsPending: int


class RecoveryPublic(BaseModel):
    lost: str
    status: Literal["none", "proposed", "confirmed"]
    replacement: str | None
    proposer: str | None


class RewardPublic(BaseModel):
    member: str
    amount: str
    block: int
    time: int = Field(description="When, unix time (the block's).")
    tx: str
    minutes: int
    project: int
    projectName: str


class ProfitPublic(BaseModel):
    asset: str = Field(description="The coin: the native coin's stand-in address, or an ERC-20's.")
    symbol: str
    decimals: int
    deposited: str = Field(description="All profit deposited in this coin, in its smallest unit.")
    claimed: str = Field(description="Every part claimed of it, members' and investors', in its smallest unit.")
    claimedByMembers: str = Field(description="The members' parts claimed, in its smallest unit.")
    claimedByInvestors: str = Field(description="The investors' parts claimed, in its smallest unit.")


class ActivityPublic(BaseModel):
    rewards: list[RewardPublic]
    profitClaimed: str = Field(description="Every part claimed in the native coin, in wei (also in ``profit``).")
    profit: list[ProfitPublic] = Field(description="Each coin the town has shared profit in; the native coin first.")


class EnumsPublic(BaseModel):
    phases: list[str]
    openPhases: list[str] = Field(description="The phases in which shares may be bought, in order.")
    closedPhases: list[str]
    failedPhase: str = Field(description="The phase of a failed raise, whose buyers may take refunds.")
    tiers: list[str]
    eligibility: list[str]


class ForwarderPublic(BaseModel):
    """The town's forwarder, as a wallet signs a forward request for it (the EIP-712 domain: name, version 1)."""

    address: str
    name: str
    types: dict[str, list[dict[str, str]]] = Field(
        description="The EIP-712 types a member's wallet signs on the page (EIP712Domain, ForwardRequest, Permit): the "
        "bridge's own, so the page and the bridge can never sign two different documents."
    )


class CoinPublic(BaseModel):
    name: str
    symbol: str
    decimals: int


class ChainPublic(BaseModel):
    chainName: str
    nativeCurrency: CoinPublic
    rpcUrls: list[str] = Field(
        description="Public addresses only; empty when the town gives none (then a wallet must know the chain already)."
    )


class ConfigPublic(BaseModel):
    chainId: int
    town: str
    contracts: dict[str, str]
    selectors: dict[str, str]
    relayable: list[str] = Field(
        description="The selectors of the calls the page may have the bridge relay for a member without coin for gas "
        "(from the bridge's registry of member actions)."
    )
    native: str = Field(description="The address that stands for the chain's native coin.")
    enums: EnumsPublic
    forwarder: ForwarderPublic = Field(description="Where a member without coin for gas signs requests to.")
    chain: ChainPublic = Field(description="The chain as a wallet adds it (EIP-3085), and its coin.")

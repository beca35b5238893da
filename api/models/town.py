"""What the bridge shows of the town: its pools, documents, businesses and sales, members and their holdings,
rewards, profits, and the page's configuration."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .base import BaseModel

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
    indexedBlock: int | None = Field(
        default=None,
        description="The last block the bridge's index has read: the members and INF figures are as of it (null "
        "before its first read).",
    )
    indexBehind: int | None = Field(
        default=None, description="Blocks the index is behind the chain, beyond the confirmations it waits for."
    )
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
    sharesMove: bool = Field(description="Its shares may change hands: its raise succeeded and the sale is settled.")
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


class ServedTownPublic(BaseModel):
    slug: str = Field(description="The town's part of this bridge's URLs: /v1/towns/{slug}/… and /towns/{slug}/.")
    town: str
    registry: str = Field(description="The town's registry: the address the OST network knows it by.")
    page: str = Field(description="The town's page on this bridge.")
    api: str = Field(description="Where this bridge answers for the town.")
    first: bool = Field(description="Whether it is the bridge's first town: the one the plain /v1/… means.")


class ActivityPublic(BaseModel):
    rewards: list[RewardPublic]
    profitClaimed: str = Field(description="Every part claimed in the native coin, in wei (also in ``profit``).")
    profit: list[ProfitPublic] = Field(description="Each coin the town has shared profit in; the native coin first.")
    indexedBlock: int | None = Field(
        default=None, description="The block the index stood at for all of this (as ``/v1/town``'s; null before)."
    )


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
    minInfTransfer: str = Field(
        description="The least INF a relayed transfer may send, in its smallest unit (the bridge refuses less)."
    )
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
    calls: dict[str, dict[str, Any]] = Field(
        description="Each of the page's calls by name: its ABI fragment, from the compiled contracts (the page encodes "
        "its calls from these)."
    )
    relayable: list[str] = Field(
        description="The selectors of the calls the page may have the bridge relay for a member without coin for gas "
        "(from the bridge's registry of member actions)."
    )
    native: str = Field(description="The address that stands for the chain's native coin.")
    enums: EnumsPublic
    forwarder: ForwarderPublic = Field(description="Where a member without coin for gas signs requests to.")
    chain: ChainPublic = Field(description="The chain as a wallet adds it (EIP-3085), and its coin.")

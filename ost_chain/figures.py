"""The town's headline figures, each defined once here, for everything that shows one: the bridge's index keeps
them as it reads the town's events (``api/index/``), and ``ost town show``, ``ost network show`` and the network
page compute them from the same events read from the chain, through the same functions.

- **INF issued**: every INF minted (a transfer from the zero address: only ever a reward). The weekly bars add up
  to it.
- **INF redeemed**: what baskets took; **INF in circulation**: issued less every INF burned.
- **members**: the member count the registry last said.
- **Profit deposited** (in each asset): every deposit, the investors' parts included.
- **Profit claimed** (in each asset): every part claimed, members' and investors'; each part is also given by name
  (``claimedByMembers``, ``claimedByInvestors``), and a sentence that shows one part names it.
- **Sold** (shares) and **raised** (in the sale's asset), per business: bought, less what was refunded.
- **Rewards per project**: the shifts rewarded on it (a project worked on at all is under way in the town's plan).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .enums import NATIVE

if TYPE_CHECKING:
    from ._town_reads import TownReader

ZERO = "0x" + "00" * 20


@dataclass(frozen=True)
class Event:
    """One event of the town's contracts: where and what it is (``kind``: "InfinityToken.Rewarded"), and its
    arguments by name."""

    block: int
    log_index: int
    block_hash: str
    tx: str
    contract: str  # its address
    kind: str
    args: dict[str, Any]
    business_id: int | None = None
    town: str = ""  # the registry of the town whose contract emitted it ("" for the OST network's own)


def changes(event: Event) -> tuple[dict[str, int], dict[str, int]]:
    """What ``event`` adds to the figures, and what it sets (the member count): (added, set)."""
    a, kind = event.args, event.kind
    if kind == "InfinityToken.Transfer":
        value = int(a["value"])
        return {"inf.issued": value} if a["from"] == ZERO else {"inf.burned": value} if a["to"] == ZERO else {}, {}
    if kind == "InfinityToken.Rewarded":
        return {f"rewards:{int(a['projectId'])}": 1}, {}
    if kind == "InfinityToken.BasketRedeemed":
        return {"inf.redeemed": int(a["amount"])}, {}
    if kind in ("TownRegistry.MemberAdded", "TownRegistry.MemberRemoved"):
        return {}, {"members": int(a["memberCount"])}
    if kind == "ProfitDistributor.ProfitDeposited":
        return {f"profit.deposited:{a['asset']}": int(a["amount"])}, {}
    if kind == "ProfitDistributor.ProfitClaimed":
        return {f"profit.claimed.members:{a['asset']}": int(a["amount"])}, {}
    if kind == "ProfitDistributor.InvestorProfitClaimed":
        return {f"profit.claimed.investors:{a['asset']}": int(a["amount"])}, {}
    if kind == "ShareSale.SharesPurchased" and event.business_id is not None:
        return {f"sold:{event.business_id}": int(a["shares"]), f"raised:{event.business_id}": int(a["cost"])}, {}
    if kind == "ShareSale.Refunded" and event.business_id is not None:
        return {f"sold:{event.business_id}": -int(a["shares"]), f"raised:{event.business_id}": -int(a["amount"])}, {}
    return {}, {}


def tally(events: Iterable[Event], totals: dict[str, int] | None = None) -> dict[str, int]:
    """``totals`` (or none) with ``events``, in their order, added."""
    out = dict(totals or {})
    for event in events:
        added, fixed = changes(event)
        for key, value in added.items():
            out[key] = out.get(key, 0) + value
        out.update(fixed)
    return out


def headline(totals: dict[str, int], assets: Iterable[str] = (NATIVE,)) -> dict[str, Any]:
    """The figures every view shows, from the index's totals: INF issued, redeemed and in circulation, members, and
    profit deposited and claimed (as a whole and by part) in each of ``assets``."""
    profit = []
    for asset in assets:
        members = totals.get(f"profit.claimed.members:{asset}", 0)
        investors = totals.get(f"profit.claimed.investors:{asset}", 0)
        profit.append(
            {
                "asset": asset,
                "deposited": totals.get(f"profit.deposited:{asset}", 0),
                "claimed": members + investors,
                "claimedByMembers": members,
                "claimedByInvestors": investors,
            }
        )
    issued = totals.get("inf.issued", 0)
    return {
        "infinityIssued": issued,
        "infinityRedeemed": totals.get("inf.redeemed", 0),
        "infinityInCirculation": issued - totals.get("inf.burned", 0),
        "members": totals.get("members", 0),
        "profit": profit,
    }


def _read(kind: str, logs: Iterable[Any]) -> list[Event]:
    """Events as web3 decoded them, as the index keeps them."""
    return [
        Event(
            int(e["blockNumber"]),
            int(e["logIndex"]),
            "",
            e["transactionHash"].to_0x_hex(),
            e["address"],
            kind,
            dict(e["args"]),
        )
        for e in logs
    ]


def _in_order(events: list[Event]) -> list[Event]:
    return sorted(events, key=lambda e: (e.block, e.log_index))


def infinity(town: TownReader) -> dict[str, int]:
    """INF issued, redeemed and in circulation (in wei), from the token's mints, burns and baskets read at one block
    (a basket mined between two reads at "latest" would be counted twice)."""
    block = town.client.w3.eth.block_number
    events, start = town.infinity.events, town._from_block
    found = [
        *_read(
            "InfinityToken.Transfer",
            events.Transfer().get_logs(from_block=start, to_block=block, argument_filters={"from": ZERO}),
        ),
        *_read(
            "InfinityToken.Transfer",
            events.Transfer().get_logs(from_block=start, to_block=block, argument_filters={"to": ZERO}),
        ),
        *_read("InfinityToken.BasketRedeemed", events.BasketRedeemed().get_logs(from_block=start, to_block=block)),
    ]
    shown = headline(tally(_in_order(found)))
    return {
        "issued": shown["infinityIssued"],
        "redeemed": shown["infinityRedeemed"],
        "inCirculation": shown["infinityInCirculation"],
    }


def profit(town: TownReader, asset: str = NATIVE) -> dict[str, Any]:
    """Profit deposited and claimed in ``asset`` (its smallest unit), claimed as a whole and by part."""
    asset = town.address(asset, "asset")
    events, start, only = town.distributor.events, town._from_block, {"asset": asset}
    block = town.client.w3.eth.block_number
    found = [
        *_read(
            "ProfitDistributor.ProfitDeposited",
            events.ProfitDeposited().get_logs(from_block=start, to_block=block, argument_filters=only),
        ),
        *_read(
            "ProfitDistributor.ProfitClaimed",
            events.ProfitClaimed().get_logs(from_block=start, to_block=block, argument_filters=only),
        ),
        *_read(
            "ProfitDistributor.InvestorProfitClaimed",
            events.InvestorProfitClaimed().get_logs(from_block=start, to_block=block, argument_filters=only),
        ),
    ]
    (part,) = headline(tally(_in_order(found)), [asset])["profit"]
    return part


def raised(town: TownReader) -> dict[int, int]:
    """What each business's sale raised (in its sale's asset, smallest unit): bought, less what was refunded. Every
    sale's purchases and refunds in one log query each, read at one block."""
    listed = town.businesses()
    if not listed:
        return {}
    by_sale: dict[str, int] = {str(sale.address): n for n, (sale, _) in enumerate(listed)}
    template, block = listed[0][0], town.client.w3.eth.block_number
    found: list[Event] = []
    for kind, event in (
        ("ShareSale.SharesPurchased", template.events.SharesPurchased()),
        ("ShareSale.Refunded", template.events.Refunded()),
    ):
        query = {"address": list(by_sale), "topics": [event.topic], "fromBlock": town._from_block, "toBlock": block}
        logs = [event.process_log(log) for log in town.client.w3.eth.get_logs(query)]  # type: ignore[arg-type]
        found += [replace(e, business_id=by_sale[e.contract]) for e in _read(kind, logs)]
    totals = tally(_in_order(found))
    return {business: totals.get(f"raised:{business}", 0) for business in by_sale.values()}

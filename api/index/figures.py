"""Whom each event is about, and the town's headline figures, each defined once here and kept by the index as it
reads (the page, the phone, the network view and ``ost`` show the same numbers because they read these):

- ``inf.issued``: every INF minted (a transfer from the zero address: only ever a reward);
- ``inf.burned``: every INF burned; ``inf.redeemed``: what baskets took (INF in circulation is issued less burned);
- ``members``: the member count the registry last said;
- ``profit.deposited:ASSET``, ``profit.claimed.members:ASSET``, ``profit.claimed.investors:ASSET``: profit in each
  asset, deposited (the investors' parts included) and claimed by each part;
- ``sold:BUSINESS`` (shares) and ``raised:BUSINESS`` (in the sale's asset): bought, less what was refunded;
- ``rewards:PROJECT``: the shifts rewarded on a project (one worked on at all is under way in the town's plan).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ost_chain.enums import NATIVE

from .book import Event

ZERO = "0x" + "00" * 20
# kind → (the account it is about, the other named, the amount's argument): the columns a read filters by.
PARTIES: dict[str, tuple[str | None, str | None, str | None]] = {
    "InfinityToken.Rewarded": ("member", "coordinator", "amount"),
    "InfinityToken.BasketRedeemed": ("member", None, "amount"),
    "InfinityToken.Transfer": ("from", "to", "value"),
    "InfinityToken.MemberDayMoved": ("lost", "replacement", None),
    "TownRegistry.MemberAdded": ("member", None, None),
    "TownRegistry.MemberRemoved": ("member", None, None),
    "TownRegistry.RecoveryProposed": ("lost", "replacement", None),
    "TownRegistry.RecoveryConfirmed": ("lost", "replacement", None),
    "TownRegistry.RoleGranted": ("account", "sender", None),
    "TownRegistry.RoleRevoked": ("account", "sender", None),
    "ProfitDistributor.ProfitDeposited": ("depositor", None, "amount"),
    "ProfitDistributor.ProfitClaimed": ("member", None, "amount"),
    "ProfitDistributor.InvestorProfitClaimed": ("holder", None, "amount"),
    "ShareSale.SharesPurchased": ("buyer", None, "cost"),
    "ShareSale.Refunded": ("buyer", None, "amount"),
    "ShareToken.Transfer": ("from", "to", "value"),
    "TownForwarder.ExecutedForwardRequest": ("signer", None, None),
}


def columns(event: Event, sale_asset: dict[int, str]) -> dict[str, Any]:
    """The columns an event is found by: its account, the other it names, its asset and amount."""
    account, other, amount = PARTIES.get(event.kind, (None, None, None))
    asset = event.args.get("asset")
    if event.kind.startswith("InfinityToken."):
        asset = "INF"
    elif event.kind.startswith("ShareSale.") and event.business_id is not None:
        asset = sale_asset.get(event.business_id)
    return {
        "account": event.args.get(account) if account else None,
        "other": event.args.get(other) if other else None,
        "asset": asset,
        "amount": event.args.get(amount) if amount else None,
    }


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

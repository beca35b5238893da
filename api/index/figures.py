"""Whom each event is about: the columns a read of the index filters by. The headline figures the index keeps are
``ost_chain.figures``' (one definition for the index, ``ost town show`` and ``ost network show``):

- ``inf.issued``: every INF minted (a transfer from the zero address: only ever a reward);
- ``inf.burned``: every INF burned; ``inf.redeemed``: what baskets took (INF in circulation is issued less burned);
- ``members``: the member count the registry last said;
- ``profit.deposited:ASSET``, ``profit.claimed.members:ASSET``, ``profit.claimed.investors:ASSET``: profit in each
  asset, deposited (the investors' parts included) and claimed by each part;
- ``sold:BUSINESS`` (shares) and ``raised:BUSINESS`` (in the sale's asset): bought, less what was refunded;
- ``rewards:PROJECT``: the shifts rewarded on a project (one worked on at all is under way in the town's plan).
"""

from __future__ import annotations

from typing import Any

from ost_chain.figures import Event, changes, headline, tally

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


def columns(event: Event, sale_asset: dict[tuple[str, int], str]) -> dict[str, Any]:
    """The columns an event is found by: its account, the other it names, its asset and amount (``sale_asset``: the
    asset of each town's sale, by town and business)."""
    account, other, amount = PARTIES.get(event.kind, (None, None, None))
    asset = event.args.get("asset")
    if event.kind.startswith("InfinityToken."):
        asset = "INF"
    elif event.kind.startswith("ShareSale.") and event.business_id is not None:
        asset = sale_asset.get((event.town, event.business_id))
    return {
        "account": event.args.get(account) if account else None,
        "other": event.args.get(other) if other else None,
        "asset": asset,
        "amount": event.args.get(amount) if amount else None,
    }


__all__ = ["PARTIES", "Event", "changes", "columns", "headline", "tally"]

"""What the town owes one address in profit: its member part and its investor part in each business, in every asset
profit was ever accepted in, read in one batch of calls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .enums import NATIVE

if TYPE_CHECKING:
    from ._town_reads import TownReader


@dataclass(frozen=True)
class Owed:
    """One amount owed: the members' split (``business_id`` None) or one business's investor part, in ``asset``."""

    asset: str
    amount: int
    business_id: int | None = None
    symbol: str | None = None  # the business's, for an investor part

    @property
    def as_investor(self) -> bool:
        return self.business_id is not None

    def as_json(self) -> dict[str, Any]:
        return {"asset": self.asset, "amount": str(self.amount), "businessId": self.business_id, "symbol": self.symbol}


def profit_assets(town: TownReader) -> list[str]:
    """The native coin, then every asset the town ever accepted profit in (one no longer accepted may still be
    owed), in the order they were first accepted."""
    events = town.distributor.events.AssetAcceptanceSet().get_logs(from_block=town._from_block)
    assets = [NATIVE]
    for event in events:
        asset = str(event["args"]["asset"])
        if asset not in assets:
            assets.append(asset)
    return assets


def owed(town: TownReader, address: str) -> list[Owed]:
    """Every non-zero amount ``address`` may claim now: member parts first, then investor parts by business."""
    address = town.address(address)
    assets = profit_assets(town)
    listed = town.businesses()
    d = town.distributor.functions
    investing = range(len(listed))  # investor profit stays owed even after a business's investor part went to 0
    fns = [d.claimable(address, asset) for asset in assets]
    fns += [d.claimableAsInvestor(i, address, asset) for i in investing for asset in assets]
    values = [int(v) for v in town.client.call_many(fns)]
    found = [Owed(asset, amount) for asset, amount in zip(assets, values, strict=False) if amount]
    rest = iter(values[len(assets) :])
    for business_id in investing:
        for asset in assets:
            amount = next(rest)
            if amount:
                found.append(Owed(asset, amount, business_id, town._symbol(business_id)))
    return found

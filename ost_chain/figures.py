"""The town's headline figures, each defined once and read in one place, for everything that shows one: the town
page's tiles and charts, `ost town show`, `ost network show` and the network page.

- **INF issued**: every INF ever minted, which is only ever as a reward. The chart's weekly bars add up to it.
- **INF redeemed**: INF burned for baskets.
- **INF in circulation**: issued less redeemed, which is the token's total supply.
- **Profit deposited** (in each asset): every deposit, the investors' parts included.
- **Profit claimed** (in each asset): every part claimed, members' and investors'; each part is also given by name
  (``claimedByMembers``, ``claimedByInvestors``), and a sentence that shows one part names it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .enums import NATIVE

if TYPE_CHECKING:
    from ._town_reads import TownReader


def infinity(town: TownReader) -> dict[str, int]:
    """INF issued, redeemed and in circulation (in wei): the supply and the baskets' events read at one block (a
    basket mined between two reads at "latest" would be counted twice)."""
    block = town.client.w3.eth.block_number
    supply = int(town.infinity.functions.totalSupply().call(block_identifier=block))
    baskets = town.infinity.events.BasketRedeemed().get_logs(from_block=town._from_block, to_block=block)
    redeemed = sum(int(e["args"]["amount"]) for e in baskets)
    return {"issued": supply + redeemed, "redeemed": redeemed, "inCirculation": supply}


def profit(town: TownReader, asset: str = NATIVE) -> dict[str, Any]:
    """Profit deposited and claimed in ``asset`` (its smallest unit), claimed as a whole and by part."""
    asset = town.address(asset, "asset")
    events, start, only = town.distributor.events, town._from_block, {"asset": asset}
    members = sum(
        int(e["args"]["amount"]) for e in events.ProfitClaimed().get_logs(from_block=start, argument_filters=only)
    )
    investors = sum(
        int(e["args"]["amount"])
        for e in events.InvestorProfitClaimed().get_logs(from_block=start, argument_filters=only)
    )
    return {
        "asset": asset,
        "deposited": town.pool(asset)["deposited"],
        "claimed": members + investors,
        "claimedByMembers": members,
        "claimedByInvestors": investors,
    }

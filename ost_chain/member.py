"""One member of a town, as every channel that serves members sees them: what they hold, and each action they may
take, prepared as a call for whoever sends it for them (their own wallet, the town's relay, the bridge's custody of a
phone member's key). The phone menu, the relay desk and the routes ask a :class:`Member`; none of them calls a
contract's function itself, so a change to a contract's functions is made here once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .units import hash_id

if TYPE_CHECKING:
    from ._town_reads import TownReader


def basket_id(month: str) -> str:
    """The redemption id of a member's basket for ``month`` (YYYY-MM): one basket a month, whoever sends it."""
    return f"basket/{month}"


@dataclass(frozen=True)
class Member:
    """``address``'s standing in ``town``, and its actions as calls (``ContractFunction``), not yet sent."""

    town: TownReader
    address: str

    # ── what the member holds ──

    def inf(self) -> int:
        """The member's INF, in its smallest units."""
        return int(self.town.infinity.functions.balanceOf(self.address).call())

    def took_basket(self, month: str) -> bool:
        """Whether the member took ``month``'s basket already."""
        return bool(self.town.infinity.functions.isRedeemed(self.address, hash_id(basket_id(month))).call())

    def moved_to(self) -> str:
        """Where a lost wallet's membership moved (the zero address when it did not)."""
        return str(self.town.registry.functions.recoveredTo(self.address).call())

    # ── what the member may do, prepared ──

    def send_inf(self, to: str, amount: int) -> Any:
        return self.town.infinity.functions.transfer(to, amount)

    def send_shares(self, token: str, to: str, shares: int) -> Any:
        """``shares`` of a business (its share token, ``token``) to ``to``: whole shares, as the token counts them."""
        return self.town.client.at("ShareToken", token).functions.transfer(to, shares)

    def take_basket(self, price: int, month: str) -> Any:
        """``month``'s basket for ``price`` INF (its id is the month's: a second one that month is refused)."""
        return self.town.infinity.functions.redeem(price, hash_id(basket_id(month)), f"monthly basket {month}")

    def claim(self, asset: str, business_id: int | None = None) -> Any:
        """The member's share of profit in ``asset``: as a member, or as an investor in ``business_id``."""
        d = self.town.distributor.functions
        return d.claim(asset) if business_id is None else d.claimAsInvestor(business_id, asset)

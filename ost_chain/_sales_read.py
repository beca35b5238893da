"""What the town's reads return of its sales: a sale's status (phase, shares sold, price, when the phase ends) and
whether a buyer may buy, with the sentence that says why not."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .enums import Phase


@dataclass(frozen=True)
class SaleStatus:
    business_id: int
    name: str
    symbol: str
    phase: str
    sold: int
    minimum: int
    offered: int
    price: int
    asset: str
    phase_ends_in: int | None  # seconds, None once closed
    finalized: bool = False
    sale: str = ""
    token: str = ""

    @property
    def shares_move(self) -> bool:
        """Whether its shares may change hands: once the raise has succeeded and the sale is settled (its share
        token refuses a transfer before)."""
        return self.finalized and self.phase == Phase.SUCCEEDED.label


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str
    sentence: str
    max_shares: int
    opens_at: int
    moved_to: str = ""  # a recovered address's new one


def sale_status(
    business_id: int, listed: tuple[str, str], named: tuple[str, str], read: Sequence[Any], now: int
) -> SaleStatus:
    """A sale's status from its five reads (terms, phase, schedule, shares sold, finalized) at the chain's ``now``."""
    sale, token = listed
    terms, phase_index, schedule, sold, finalized = read
    phase = Phase(phase_index).label
    start, local_end, country_end, world_end = schedule
    ends = {"pending": start, "local": local_end, "country": country_end, "world": world_end}.get(phase)
    name, symbol = named
    return SaleStatus(
        business_id,
        name,
        symbol,
        phase,
        int(sold),
        terms.minShares,
        terms.sharesOffered,
        terms.price,
        terms.paymentAsset,
        None if ends is None else max(0, ends - now),
        bool(finalized),
        sale,
        token,
    )

"""A share sale's terms, as the contracts take them."""

from __future__ import annotations

from dataclasses import dataclass

from .enums import NATIVE


@dataclass(frozen=True)
class SaleTerms:
    """A share sale's terms, as the contracts take them (see ``IShareSale.Terms``)."""

    price: int
    shares_offered: int
    min_shares: int
    start: int
    local_duration: int
    treasury: str
    country_duration: int = 0
    world_duration: int = 0
    max_per_buyer: int = 0
    payment_asset: str = NATIVE

    def as_tuple(self) -> tuple[object, ...]:
        return (
            self.price,
            self.shares_offered,
            self.min_shares,
            self.max_per_buyer,
            self.start,
            self.local_duration,
            self.country_duration,
            self.world_duration,
            self.treasury,
            self.payment_asset,
        )

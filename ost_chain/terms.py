"""A share sale's terms, as the contracts take them."""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cache

from pydantic.alias_generators import to_camel

from .enums import NATIVE
from .exceptions import ConfigError


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
        """The terms as the contracts take the struct: its fields in the order the compiled ABI gives them (never an
        order written here), each by its name there (``shares_offered`` is ``sharesOffered``)."""
        values = {to_camel(f.name): getattr(self, f.name) for f in fields(self)}
        order = component_names()
        if set(order) != set(values):
            raise ConfigError(
                f"IShareSale.Terms has the fields {', '.join(order)}; SaleTerms has {', '.join(values)}: "
                "run `ost compile`, or bring SaleTerms to the contracts."
            )
        return tuple(values[name] for name in order)


@cache
def component_names() -> tuple[str, ...]:
    """``IShareSale.Terms``'s fields in their ABI order: what ``BusinessFactory.listBusiness`` takes last."""
    from .abi import Function
    from .artifacts import Artifacts
    from .settings import get_settings

    abi = Artifacts(get_settings().build_dir).get("BusinessFactory")["abi"]
    return Function.of(abi, "listBusiness").fields(3)

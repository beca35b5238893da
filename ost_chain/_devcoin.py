"""The development chain's stablecoin: a plan's sale may take ``dev:stablecoin`` (tZAR, 6 decimals, ERC-2612
permits), deployed with the town and handed to its development accounts, so a sample town has a sale a newcomer can
buy into without gas (the permit signed with the purchase). On any other chain the plan names its coin's address."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .chain import DEV_CHAIN_ID, dev_accounts
from .exceptions import ConfigError
from .plan import DEV_STABLECOIN, ResolvedBusiness, TownPlan

if TYPE_CHECKING:
    from .deploy import Deployment

HANDED_OUT = 1_000 * 10**6  # tZAR each development account of the plan's members and residents receives


def holders(plan: TownPlan) -> list[str]:
    """The plan's members and country residents that are development accounts: they get tZAR to buy with."""
    dev = {a.address for a in dev_accounts()}
    return [a for a in dict.fromkeys([*plan.members, *plan.country_residents]) if a in dev]


def steps(plan: TownPlan, businesses: list[ResolvedBusiness]) -> int:
    """The deployment steps the coin takes: none when no sale takes it."""
    return 1 + len(holders(plan)) if any(b.asset == DEV_STABLECOIN for b in businesses) else 0


def check(plan: TownPlan, businesses: list[ResolvedBusiness], chain_id: int) -> None:
    """Before anything is sent: ``dev:stablecoin`` on another chain than the development one is a sentence."""
    taking = [b.symbol for b in businesses if b.asset == DEV_STABLECOIN]
    if taking and chain_id != DEV_CHAIN_ID:
        raise ConfigError(
            f"{', '.join(taking)} take {DEV_STABLECOIN}, a test coin of the development chain only: on chain "
            f"{chain_id}, give the stablecoin's address as the sale's asset (and its asset_decimals)."
        )


def deploy(d: Deployment, businesses: list[ResolvedBusiness]) -> list[ResolvedBusiness]:
    """``businesses`` with ``dev:stablecoin`` replaced by the coin's address: the coin deployed (once, resumably)
    and each holder handed :data:`HANDED_OUT`, when a sale takes it."""
    if not any(b.asset == DEV_STABLECOIN for b in businesses):
        return businesses
    ambassador = d.plan.town_ambassador
    coin = d.contract("TestStablecoin", "TestStablecoin", [], ambassador)
    for holder in holders(d.plan):
        d.step(
            f"tZAR:{holder}",
            coin.functions.mint(holder, HANDED_OUT),
            ambassador,
            done=lambda h=holder: int(coin.functions.balanceOf(h).call()) > 0,  # type: ignore[misc]
        )
    return [b.model_copy(update={"asset": coin.address}) if b.asset == DEV_STABLECOIN else b for b in businesses]

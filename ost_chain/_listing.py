"""The businesses' stage of a deployment: each business of the plan listed with its sale's terms (found on chain by
its symbol when a run stopped before recording it), its documents published and its investor part set, then the
town's 12-month plan and page published."""

from __future__ import annotations

from typing import TYPE_CHECKING

from web3.contract import Contract
from web3.logs import DISCARD

from . import documents
from .enums import OwnershipPolicy
from .plan import ResolvedBusiness
from .terms import SaleTerms

if TYPE_CHECKING:
    from .deploy import Deployment


def businesses(d: Deployment) -> None:
    """The stage that lists each business of the plan, publishes its documents and sets its investor part, then
    publishes the town's 12-month plan and page."""
    registry, factory, distributor = d.town.registry, d.town.factory, d.town.distributor
    ambassador = d.plan.town_ambassador
    start = sales_start(d)
    for index, business in enumerate(d.businesses):
        listed = list_business(d, factory, business, start, ambassador)
        documents.publish_business_documents(d, factory, listed, d.plan.businesses[index], ambassador)
        key = f"investor:{business.symbol}"
        if business.investor_bps or d.manifest.has_step(key):  # set once, or changed since
            bps = business.investor_bps
            d.step(
                key,
                distributor.functions.setInvestorShare(listed, bps),
                ambassador,
                done=lambda i=listed, b=bps: investor_share(distributor, i) == b,  # type: ignore[misc]
                ensure=True,
            )
        else:
            d.progress.advance(f"investor part of {business.symbol}")
    documents.publish_town_plan(d, registry, ambassador)  # the 12-month plan, its hash on record
    documents.publish_town_page(d, registry, ambassador)


def list_business(d: Deployment, factory: Contract, business: ResolvedBusiness, start: int, sender: str) -> int:
    """The business's id: as recorded, as found on chain by its symbol (a run stopped before recording it), or
    listed now with its sale's terms."""
    recorded = d.manifest.business(business.symbol)
    if recorded:
        d.progress.advance(f"list {business.symbol}")
        return int(recorded["id"])
    # A listing sent by a run that stopped before recording it is found on chain by its symbol.
    for business_id in range(len(d.manifest.businesses()), factory.functions.businessCount().call()):
        sale, token = factory.functions.business(business_id).call()
        if d.client.at("ShareToken", token).functions.symbol().call() == business.symbol:
            d.manifest.record_business(business.symbol, business_id, sale, token)
            d.progress.advance(f"list {business.symbol}")
            return business_id
    terms = SaleTerms(
        price=business.price_units,
        shares_offered=business.shares,
        min_shares=business.minimum,
        max_per_buyer=business.max_per_buyer,
        start=start,
        local_duration=business.local_seconds,
        country_duration=business.country_seconds,
        world_duration=business.world_seconds,
        treasury=business.treasury,
        payment_asset=business.asset,
    )
    signer = d.signer(sender, f"list {business.symbol}")
    receipt = d.client.transact(
        factory.functions.listBusiness(
            business.name,
            business.symbol,
            OwnershipPolicy.KEEP_LOCAL if business.keep_local else OwnershipPolicy.OPEN,
            terms.as_tuple(),
        ),
        signer,
    )
    d.tick()
    (event,) = factory.events.BusinessListed().process_receipt(receipt, errors=DISCARD)
    args = event["args"]
    d.manifest.record_business(
        business.symbol,
        args["businessId"],
        args["sale"],
        args["token"],
        tx=receipt["transactionHash"].to_0x_hex(),
        block=receipt["blockNumber"],
    )
    d.progress.advance(f"list {business.symbol}")
    return int(args["businessId"])


def sales_start(d: Deployment) -> int:
    """When every sale starts: the plan's time, or the first run's (recorded, so a resumed run keeps it)."""
    if isinstance(d.plan.sales_start, int):
        return d.plan.sales_start
    recorded = d.manifest.sales_start()
    if recorded is None:
        recorded = int(d.client.w3.eth.get_block("latest")["timestamp"])
        d.manifest.record_sales_start(recorded)
    return recorded


def investor_share(distributor: Contract, business_id: int) -> int:
    return int(distributor.functions.investorShare(business_id).call())

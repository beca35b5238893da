"""The town's businesses: each share sale's phase and progress, and who may buy now."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ost_chain.enums import Phase
from ost_chain.townclient import as_dict

from ..deps import BridgeDep, path_address
from ..models import BusinessPublic, DocumentPublic, EligibilityPublic
from ..problems import Problem

router = APIRouter(prefix="/v1/businesses", tags=["businesses"])


@router.get("")
def list_businesses(bridge: BridgeDep) -> list[BusinessPublic]:
    """Every business's sale: phase, shares sold against minimum and offer, price, time left, who may buy."""
    out = []
    documents = bridge.chain.documents()
    for sale in bridge.chain.sales():
        symbol, decimals = bridge.chain.asset(sale.asset)
        fields = as_dict(sale)  # the sale's status as `ost sale status --json` gives it, in the API's keys
        fields.update(id=fields.pop("businessId"), price=str(sale.price))
        out.append(
            BusinessPublic(
                **fields,
                assetSymbol=symbol,
                assetDecimals=decimals,
                whoMayBuy=Phase[sale.phase.upper()].who_may_buy,
                documents={k: DocumentPublic(**v) for k, v in documents.get(sale.business_id, {}).items()},
            )
        )
    return out


@router.get("/{business_id}/eligibility")
def business_eligibility(
    business_id: int, bridge: BridgeDep, address: Annotated[str, Query(description="The would-be buyer.")]
) -> EligibilityPublic:
    """Whether ``address`` may buy this business's shares now and, if not, why, in plain words."""
    verdict = bridge.chain.eligibility(business_id, path_address(address))
    if verdict is None:
        raise Problem(404, f"No business #{business_id} in this town.", kind="not-found")
    return EligibilityPublic(
        eligible=verdict.eligible,
        reason=verdict.reason,
        sentence=verdict.sentence,
        maxShares=verdict.max_shares,
        opensAt=verdict.opens_at,
    )

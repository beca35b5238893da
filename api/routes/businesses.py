"""The town's businesses: each share sale's phase and progress, and who may buy now."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from ost_chain.enums import Eligibility, Phase
from ost_chain.townclient import as_dict

from ..deps import ChainDep, IndexDep, LanguageDep, TownRecordDep, path_address
from ..i18n import Words, in_language, moment
from ..models import BusinessPublic, DocumentPublic, EligibilityPublic
from ..problems import Problem

router = APIRouter(prefix="/v1/businesses", tags=["businesses"])


@router.get("")
def list_businesses(chain: ChainDep, index: IndexDep, town: TownRecordDep) -> list[BusinessPublic]:
    """Every business's sale: phase, shares sold against minimum and offer, price, time left, who may buy (from the
    index, at the time of the chain's latest block)."""
    out = []
    documents = index.documents()
    for sale in index.sales(chain.time_at(chain.head())):
        symbol, decimals = chain.asset(sale.asset)
        fields = as_dict(sale)  # the sale's status as `ost sale status --json` gives it, in the API's keys
        fields.update(id=fields.pop("businessId"), price=str(sale.price))
        out.append(
            BusinessPublic(
                **fields,
                assetSymbol=symbol,
                assetDecimals=decimals,
                whoMayBuy=Phase[sale.phase.upper()].who_may_buy,
                sharesMove=sale.shares_move,
                documents={k: DocumentPublic(**v) for k, v in documents.get(sale.business_id, {}).items()},
            )
        )
    return out


@router.get("/{business_id}/eligibility")
def business_eligibility(
    business_id: int,
    chain: ChainDep,
    town: TownRecordDep,
    language: LanguageDep,
    address: Annotated[str, Query(description="The would-be buyer.")],
) -> EligibilityPublic:
    """Whether ``address`` may buy this business's shares now and, if not, why, in plain words (in the language
    ``Accept-Language`` asks for, when the town speaks it)."""
    verdict = chain.eligibility(business_id, path_address(address))
    if verdict is None:
        raise Problem(404, Words("No business #{id} in this town.", id=business_id), kind="not-found")
    return EligibilityPublic(
        eligible=verdict.eligible,
        reason=verdict.reason,
        sentence=in_language(_why(verdict, town.timeZone, language), language),
        maxShares=verdict.max_shares,
        opensAt=verdict.opens_at,
    )


def _why(verdict: Any, zone: str, language: str) -> Words:
    """The verdict's sentence as words the catalogs translate (the date written in ``language``)."""
    if verdict.reason == "Recovered":
        return Words(
            "this address lost its wallet and was moved to {to}; it is no longer used in this town", to=verdict.moved_to
        )
    reason = next(e for e in Eligibility if e.solidity_name == verdict.reason)
    said = Words(reason.sentence)
    if reason in (Eligibility.PHASE_NOT_REACHED, Eligibility.NOT_MEMBER) and verdict.opens_at:
        return Words(
            "{reason} (it opens to this address on {date} if the raise is still short)",
            reason=said,
            date=moment(verdict.opens_at, zone, language),
        )
    return said

"""The OST network's figures from the index: its towns (as ``OstNetwork.TownCreated`` named them), each with the
headline figures the index keeps for it, and each country's ambassador — in the shape ``ost network show`` and the
chain's own read (``ost_chain.ostnetwork.figures``) give, through the same definitions (``ost_chain/figures.py``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from ost_chain.enums import NATIVE
from ost_chain.figures import ZERO

from ..db import BridgeSession, IndexedEvent, IndexTotal
from .figures import headline

KINDS = (
    "OstNetwork.TownCreated",
    "OstNetwork.CountryAmbassadorAppointed",
    "OstNetwork.CountryAmbassadorRevoked",
    "TownRegistry.TownLaunched",
    "TownRegistry.TownPageSet",
    "BusinessFactory.BusinessListed",
)


def _country(word: str) -> str:
    """A country code as an indexed ``bytes2`` reads ("0x5a41"): "ZA"."""
    return bytes.fromhex(word[2:6]).decode()


def network_figures(make_session: sessionmaker[BridgeSession]) -> dict[str, Any]:
    """Every town of the network in the order the network made them, with its figures (amounts in the smallest
    unit; what each raised by the asset its sales are paid in), and each country's ambassador (the zero address where
    none is appointed now). The caller adds what only the chain knows of an asset: its symbol and decimals."""
    with make_session() as session:
        rows = list(
            session.scalars(
                select(IndexedEvent)
                .where(IndexedEvent.kind.in_(KINDS))
                .order_by(IndexedEvent.block, IndexedEvent.log_index)
            )
        )
        totals: dict[str, dict[str, int]] = {}
        for t in session.scalars(select(IndexTotal)):
            totals.setdefault(t.town, {})[t.key] = int(t.value)
    towns: list[dict[str, Any]] = []
    launched, pages, assets, ambassadors = set(), {}, {}, {}
    for r in rows:
        a = r.args
        if r.kind == "OstNetwork.TownCreated":
            towns.append(
                {
                    "id": int(a["townId"]),
                    "name": a["name"],
                    "country": _country(a["country"]),
                    **{key: a[key] for key in ("registry", "infinity", "factory", "distributor")},
                }
            )
        elif r.kind == "OstNetwork.CountryAmbassadorAppointed":
            ambassadors[_country(a["country"])] = a["ambassador"]
        elif r.kind == "OstNetwork.CountryAmbassadorRevoked":
            ambassadors[_country(a["country"])] = ZERO
        elif r.kind == "TownRegistry.TownLaunched":
            launched.add(r.town)
        elif r.kind == "TownRegistry.TownPageSet":
            pages[r.town] = a["url"]
        else:
            assets[(r.town, int(a["businessId"]))] = a["terms"]["paymentAsset"]
    out = []
    for town in towns:
        kept = totals.get(town["registry"], {})
        shown = headline(kept, [NATIVE])
        raised: dict[str, int] = {}
        for (where, business), asset in assets.items():
            if where == town["registry"]:
                raised[asset] = raised.get(asset, 0) + kept.get(f"raised:{business}", 0)
        out.append(
            {
                **town,
                "members": shown["members"],
                "launched": town["registry"] in launched,
                "infIssued": shown["infinityIssued"],
                "infRedeemed": shown["infinityRedeemed"],
                "infInCirculation": shown["infinityInCirculation"],
                "raised": raised,
                "profitDeposited": shown["profit"][0]["deposited"],
                "page": pages.get(town["registry"], ""),
            }
        )
    countries = sorted({t["country"] for t in out})
    return {"countryAmbassadors": {c: ambassadors.get(c, ZERO) for c in countries}, "towns": out}

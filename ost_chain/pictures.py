"""The town in pictures, as series read from its events: each sale's raise over time by phase, INF issued per week,
profit deposited and claimed over time (the native coin), members over time. Dates are the town's days (its time
zone), so a chart reads as the town lives."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .enums import NATIVE, Phase


def pictures(town: Any) -> dict[str, Any]:
    """Every series the town page draws; each point a day (``YYYY-MM-DD``) and a value (amounts in the smallest
    unit, as decimal strings)."""
    start = town._from_block
    inf, reg, dist = town.infinity.events, town.registry.events, town.distributor.events
    rewards = inf.Rewarded().get_logs(from_block=start)
    membership = [*reg.MemberAdded().get_logs(from_block=start), *reg.MemberRemoved().get_logs(from_block=start)]
    deposits = dist.ProfitDeposited().get_logs(from_block=start, argument_filters={"asset": NATIVE})
    claims = [
        *dist.ProfitClaimed().get_logs(from_block=start, argument_filters={"asset": NATIVE}),
        *dist.InvestorProfitClaimed().get_logs(from_block=start, argument_filters={"asset": NATIVE}),
    ]
    purchases = _purchases(town, start)
    blocks = {e["blockNumber"] for e in [*rewards, *membership, *deposits, *claims, *purchases]}
    zone = ZoneInfo(town.record.timeZone)
    day = {n: _day(int(town.client.w3.eth.get_block(n)["timestamp"]), zone) for n in sorted(blocks)}
    kinds = {
        "ProfitDeposited": "ProfitDistributor.",
        "ProfitClaimed": "ProfitDistributor.",
        "InvestorProfitClaimed": "ProfitDistributor.",
        "MemberAdded": "TownRegistry.",
        "MemberRemoved": "TownRegistry.",
        "Rewarded": "InfinityToken.",
        "SharesPurchased": "ShareSale.",
    }
    events = [
        (int(e["blockNumber"]), int(e["logIndex"]), kinds[e["event"]] + e["event"], e.get("businessId"), e["args"])
        for e in [*rewards, *membership, *deposits, *claims, *purchases]
    ]
    return series(sorted(events, key=lambda e: (e[0], e[1])), day)


def series(events: Iterable[tuple[int, int, str, int | None, Any]], day: dict[int, str]) -> dict[str, Any]:
    """The pictures' series from the town's events in their order, each (block, log index, kind — "Contract.Event",
    business, arguments), with ``day``: each block's day in the town. The chain's reads above and the bridge's index
    both draw through this."""
    weeks: dict[str, int] = {}
    members: dict[str, int] = {}
    money: dict[str, list[int]] = {}
    raises: dict[str, list[dict[str, Any]]] = {}
    sold: dict[str, int] = {}
    deposited = claimed = 0
    for block, _, kind, business_id, a in events:
        date = day[block]
        if kind == "InfinityToken.Rewarded":  # by the week's Monday
            monday = datetime.fromisoformat(date).date()
            key = (monday - timedelta(days=monday.weekday())).isoformat()
            weeks[key] = weeks.get(key, 0) + int(a["amount"])
        elif kind.startswith("TownRegistry."):
            members[date] = int(a["memberCount"])  # the day's last count
        elif kind.startswith("ProfitDistributor."):
            if kind == "ProfitDistributor.ProfitDeposited":
                deposited += int(a["amount"])
            else:
                claimed += int(a["amount"])
            money[date] = [deposited, claimed]
        else:
            business = str(business_id)
            sold[business] = sold.get(business, 0) + int(a["shares"])
            point = {"date": date, "phase": Phase(int(a["phase"])).label, "sold": sold[business]}
            series = raises.setdefault(business, [])
            if series and series[-1]["date"] == point["date"] and series[-1]["phase"] == point["phase"]:
                series[-1] = point
            else:
                series.append(point)
    return {
        "infPerWeek": [{"week": w, "amount": str(a)} for w, a in sorted(weeks.items())],
        "members": [{"date": d, "count": c} for d, c in members.items()],
        "profit": [{"date": d, "deposited": str(v[0]), "claimed": str(v[1])} for d, v in money.items()],
        "raises": raises,
    }


def _day(timestamp: int, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(timestamp, UTC).astimezone(zone).date().isoformat()


def _purchases(town: Any, start: int) -> list[Any]:
    """Every purchase in every sale, in one log query (each decoded with its business's number)."""
    listed = town.businesses()
    if not listed:
        return []
    by_sale = {sale.address: n for n, (sale, _) in enumerate(listed)}
    event = listed[0][0].events.SharesPurchased()
    query = {"address": list(by_sale), "topics": [event.topic], "fromBlock": start, "toBlock": "latest"}
    found = []
    for log in town.client.w3.eth.get_logs(query):
        decoded = event.process_log(log)
        found.append({**decoded, "businessId": by_sale[decoded["address"]]})
    return found

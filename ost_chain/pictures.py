"""The town in pictures, as series read from its events: each sale's raise over time by phase, INF issued per week,
profit deposited and claimed over time (the native coin), members over time. Dates are the town's days (its time
zone), so a chart reads as the town lives."""

from __future__ import annotations

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
    in_order = lambda events: sorted(events, key=lambda e: (e["blockNumber"], e["logIndex"]))  # noqa: E731

    weeks: dict[str, int] = {}
    for e in rewards:  # by the week's Monday
        date = datetime.fromisoformat(day[e["blockNumber"]]).date()
        key = (date - timedelta(days=date.weekday())).isoformat()
        weeks[key] = weeks.get(key, 0) + int(e["args"]["amount"])
    members: dict[str, int] = {}
    for e in in_order(membership):
        members[day[e["blockNumber"]]] = int(e["args"]["memberCount"])  # the day's last count
    money: dict[str, list[int]] = {}
    deposited = claimed = 0
    for e in in_order([*deposits, *claims]):
        if e["event"] == "ProfitDeposited":
            deposited += int(e["args"]["amount"])
        else:
            claimed += int(e["args"]["amount"])
        money[day[e["blockNumber"]]] = [deposited, claimed]
    raises: dict[str, list[dict[str, Any]]] = {}
    sold: dict[str, int] = {}
    for e in in_order(purchases):
        business = str(e["businessId"])
        sold[business] = sold.get(business, 0) + int(e["args"]["shares"])
        point = {"date": day[e["blockNumber"]], "phase": Phase(int(e["args"]["phase"])).label, "sold": sold[business]}
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

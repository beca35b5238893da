"""A member's history, read from the town's events: rewards (with the project), baskets, profit claimed (as a member
and as an investor), share purchases and refunds — newest first, each with its date."""

from __future__ import annotations

from typing import Any

KINDS = ("reward", "basket", "claim", "investor-claim", "purchase", "refund")


def history(town: Any, address: str, limit: int = 50) -> list[dict[str, Any]]:
    """The latest ``limit`` things that happened to ``address`` in the town, newest first."""
    address = town.address(address)
    start = town._from_block
    inf, dist = town.infinity.events, town.distributor.events
    found: list[tuple[str, Any]] = []
    found += [("reward", e) for e in inf.Rewarded().get_logs(from_block=start, argument_filters={"member": address})]
    found += [
        ("basket", e) for e in inf.BasketRedeemed().get_logs(from_block=start, argument_filters={"member": address})
    ]
    found += [
        ("claim", e) for e in dist.ProfitClaimed().get_logs(from_block=start, argument_filters={"member": address})
    ]
    found += [
        ("investor-claim", e)
        for e in dist.InvestorProfitClaimed().get_logs(from_block=start, argument_filters={"holder": address})
    ]
    found += _sale_events(town, address, start)
    found.sort(key=lambda item: (item[1]["blockNumber"], item[1]["logIndex"]), reverse=True)
    found = found[:limit]
    times = {n: town.block_time(n) for n in {e["blockNumber"] for _, e in found}}
    names = town.record.projects
    trades = any(kind in ("purchase", "refund") for kind, _ in found)
    symbols = {s.sale: (s.business_id, s.symbol) for s in town.sales()} if trades else {}
    out = []
    for kind, event in found:
        args = event["args"]
        entry: dict[str, Any] = {"kind": kind, "block": int(event["blockNumber"]), "time": times[event["blockNumber"]]}
        entry["tx"] = event["transactionHash"].to_0x_hex()
        if kind == "reward":
            project = int(args["projectId"])
            entry.update(amount=str(args["amount"]), asset="INF", minutes=int(args["minutesWorked"]), project=project)
            entry["projectName"] = names.get(str(project), f"#{project}")
        elif kind == "basket":
            entry.update(amount=str(args["amount"]), asset="INF", basket=args["basket"])
        elif kind in ("claim", "investor-claim"):
            entry.update(amount=str(args["amount"]), asset=args["asset"])
            if kind == "investor-claim":
                entry["businessId"] = int(args["businessId"])
        else:
            business_id, symbol = symbols.get(event["address"], (None, ""))
            entry.update(businessId=business_id, symbol=symbol, shares=int(args["shares"]))
            entry["amount"] = str(args["cost"] if kind == "purchase" else args["amount"])
        out.append(entry)
    return out


def _sale_events(town: Any, address: str, start: int) -> list[tuple[str, Any]]:
    """The address's purchases and refunds in every sale, in one log query each (the buyer is indexed)."""
    listed = town.businesses()
    if not listed:
        return []
    sales, template = [sale.address for sale, _ in listed], listed[0][0]
    buyer = "0x" + "00" * 12 + address[2:].lower()
    found: list[tuple[str, Any]] = []
    for kind, event in (("purchase", template.events.SharesPurchased()), ("refund", template.events.Refunded())):
        query = {"address": sales, "topics": [event.topic, buyer], "fromBlock": start, "toBlock": "latest"}
        found += [(kind, event.process_log(log)) for log in town.client.w3.eth.get_logs(query)]
    return found

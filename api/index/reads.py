"""Every read of the town's history, from the index: the headline figures, a member's history, the latest rewards
and the pictures' series, each in the shape the chain's own reads (``ost_chain.history``, ``ost_chain.pictures``,
``Town.recent_rewards``) give, so a view cannot tell which it was served from, and a rebuilt index can be compared
with them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import sessionmaker

from ost_chain.enums import NATIVE, Phase

from ..db import BridgeSession, IndexCursor, IndexedBlock, IndexedEvent, IndexTotal
from .figures import headline
from .follow import SOURCE

HISTORY = {  # the kinds of a member's history, and the event each is
    "InfinityToken.Rewarded": "reward",
    "InfinityToken.BasketRedeemed": "basket",
    "ProfitDistributor.ProfitClaimed": "claim",
    "ProfitDistributor.InvestorProfitClaimed": "investor-claim",
    "ShareSale.SharesPurchased": "purchase",
    "ShareSale.Refunded": "refund",
}


class IndexReader:
    """Reads the index tables (any replica may)."""

    def __init__(
        self, make_session: sessionmaker[BridgeSession], projects: dict[str, str], zone: str, confirmations: int = 0
    ) -> None:
        self.make_session, self.projects, self.zone = make_session, projects, ZoneInfo(zone)
        self.confirmations = confirmations  # blocks the index stays behind the head on purpose

    def cursor(self) -> tuple[int, int] | None:
        """The last block the index has read, and its time; None before its first read."""
        with self.make_session() as session:
            row = session.get(IndexCursor, SOURCE)
            if row is None:
                return None
            block = session.get(IndexedBlock, row.block)
            return row.block, block.time if block is not None else 0

    def totals(self) -> dict[str, int]:
        with self.make_session() as session:
            return {t.key: int(t.value) for t in session.scalars(select(IndexTotal))}

    def figures(self, assets: Iterable[str] = (NATIVE,)) -> dict[str, Any]:
        """The headline figures (``api/index/figures.py`` defines each)."""
        return headline(self.totals(), assets)

    def profit_assets(self) -> list[str]:
        """The native coin, then every asset profit was ever deposited in."""
        others = sorted({k.split(":", 1)[1] for k in self.totals() if k.startswith("profit.deposited:")} - {NATIVE})
        return [NATIVE, *others]

    def sale_assets(self) -> list[str]:
        """The assets the town's sales are paid in, as their listings say."""
        with self.make_session() as session:
            listed = session.scalars(select(IndexedEvent).where(IndexedEvent.kind == "BusinessFactory.BusinessListed"))
            return sorted({r.args["terms"]["paymentAsset"] for r in listed})

    def _times(self, session: BridgeSession, blocks: Iterable[int]) -> dict[int, int]:
        wanted = set(blocks)
        if not wanted:
            return {}
        rows = session.scalars(select(IndexedBlock).where(IndexedBlock.number.in_(wanted)))
        return {b.number: b.time for b in rows}

    def _project(self, number: int) -> str:
        return self.projects.get(str(number), f"#{number}")

    def latest_rewards(self, count: int = 10, member: str | None = None) -> list[dict[str, Any]]:
        """The latest ``count`` rewards (of ``member``, if named), newest first, each with its date and project."""
        with self.make_session() as session:
            query = select(IndexedEvent).where(IndexedEvent.kind == "InfinityToken.Rewarded")
            if member is not None:
                query = query.where(IndexedEvent.account == member)
            newest = query.order_by(IndexedEvent.block.desc(), IndexedEvent.log_index.desc()).limit(count)
            rows = list(session.scalars(newest))
            times = self._times(session, (r.block for r in rows))
        return [
            {
                "member": r.args["member"],
                "amount": int(r.args["amount"]),
                "block": r.block,
                "time": times.get(r.block, 0),
                "tx": r.tx,
                "minutes": int(r.args["minutesWorked"]),
                "project": int(r.args["projectId"]),
                "projectName": self._project(int(r.args["projectId"])),
            }
            for r in rows
        ]

    def history(self, address: str, limit: int = 50) -> list[dict[str, Any]]:
        """The latest ``limit`` things that happened to ``address``, newest first (as ``ost_chain.history``)."""
        with self.make_session() as session:
            rows = list(
                session.scalars(
                    select(IndexedEvent)
                    .where(IndexedEvent.account == address, IndexedEvent.kind.in_(HISTORY))
                    .order_by(IndexedEvent.block.desc(), IndexedEvent.log_index.desc())
                    .limit(limit)
                )
            )
            times = self._times(session, (r.block for r in rows))
            symbols = self._symbols(session) if any(r.kind.startswith("ShareSale.") for r in rows) else {}
        out = []
        for r in rows:
            kind, a = HISTORY[r.kind], r.args
            entry: dict[str, Any] = {"kind": kind, "block": r.block, "time": times.get(r.block, 0), "tx": r.tx}
            if kind == "reward":
                project = int(a["projectId"])
                entry.update(amount=a["amount"], asset="INF", minutes=int(a["minutesWorked"]), project=project)
                entry["projectName"] = self._project(project)
            elif kind == "basket":
                entry.update(amount=a["amount"], asset="INF", basket=a["basket"])
            elif kind in ("claim", "investor-claim"):
                entry.update(amount=a["amount"], asset=a["asset"])
                if kind == "investor-claim":
                    entry["businessId"] = int(a["businessId"])
            else:
                entry.update(businessId=r.business_id, symbol=symbols.get(r.business_id, ""), shares=int(a["shares"]))
                entry["amount"] = a["cost"] if kind == "purchase" else a["amount"]
            out.append(entry)
        return out

    def _symbols(self, session: BridgeSession) -> dict[int | None, str]:
        listed = session.scalars(select(IndexedEvent).where(IndexedEvent.kind == "BusinessFactory.BusinessListed"))
        return {r.business_id: r.args["symbol"] for r in listed}

    def pictures(self) -> dict[str, Any]:
        """Every series the town page draws (as ``ost_chain.pictures``): each point a day of the town's."""
        kinds = (
            "InfinityToken.Rewarded",
            "TownRegistry.MemberAdded",
            "TownRegistry.MemberRemoved",
            "ProfitDistributor.ProfitDeposited",
            "ProfitDistributor.ProfitClaimed",
            "ProfitDistributor.InvestorProfitClaimed",
            "ShareSale.SharesPurchased",
        )
        with self.make_session() as session:
            rows = list(
                session.scalars(
                    select(IndexedEvent)
                    .where(IndexedEvent.kind.in_(kinds))
                    .where(or_(~IndexedEvent.kind.like("ProfitDistributor.%"), IndexedEvent.asset == NATIVE))
                    .order_by(IndexedEvent.block, IndexedEvent.log_index)
                )
            )
            times = self._times(session, (r.block for r in rows))
        day = {n: datetime.fromtimestamp(t, UTC).astimezone(self.zone).date().isoformat() for n, t in times.items()}
        weeks: dict[str, int] = {}
        members: dict[str, int] = {}
        money: dict[str, list[int]] = {}
        raises: dict[str, list[dict[str, Any]]] = {}
        sold: dict[str, int] = {}
        deposited = claimed = 0
        for r in rows:
            date, a = day[r.block], r.args
            if r.kind == "InfinityToken.Rewarded":
                monday = datetime.fromisoformat(date).date()
                key = (monday - timedelta(days=monday.weekday())).isoformat()
                weeks[key] = weeks.get(key, 0) + int(a["amount"])
            elif r.kind.startswith("TownRegistry."):
                members[date] = int(a["memberCount"])  # the day's last count
            elif r.kind.startswith("ProfitDistributor."):
                if r.kind == "ProfitDistributor.ProfitDeposited":
                    deposited += int(a["amount"])
                else:
                    claimed += int(a["amount"])
                money[date] = [deposited, claimed]
            else:
                business = str(r.business_id)
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

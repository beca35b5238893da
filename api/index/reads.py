"""Every read of the town's history, from the index: the headline figures, a member's history, the latest rewards
and the pictures' series, each in the shape the chain's own reads (``ost_chain.history``, ``ost_chain.pictures``,
``Town.recent_rewards``) give, so a view cannot tell which it was served from, and a rebuilt index can be compared
with them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import sessionmaker

from ost_chain._sales_read import SaleStatus
from ost_chain.documents import DocumentKind
from ost_chain.enums import NATIVE, Phase
from ost_chain.pictures import series

from ..db import BridgeSession, IndexCursor, IndexedBlock, IndexedEvent, IndexTotal
from .figures import headline
from .follow import SOURCE

T = TypeVar("T")

HISTORY = {  # the kinds of a member's history, and the event each is
    "InfinityToken.Rewarded": "reward",
    "InfinityToken.BasketRedeemed": "basket",
    "ProfitDistributor.ProfitClaimed": "claim",
    "ProfitDistributor.InvestorProfitClaimed": "investor-claim",
    "ShareSale.SharesPurchased": "purchase",
    "ShareSale.Refunded": "refund",
}


def _phase(now: int, when: dict[str, int], sold: int, offered: int, least: int) -> Phase:
    """A sale's phase before it is settled, as ``ShareSale._phase`` has it."""
    if sold == offered:
        return Phase.SUCCEEDED
    for phase, end in ((Phase.PENDING, "start"), (Phase.LOCAL, "localEnd"), (Phase.COUNTRY, "countryEnd")):
        if now < when.get(end, 0):
            return phase
    if now < when.get("worldEnd", 0):
        return Phase.WORLD
    return Phase.SUCCEEDED if sold >= least else Phase.FAILED


class IndexReader:
    """Reads one town's part of the index tables (any replica may): ``town``, its registry."""

    def __init__(
        self,
        make_session: sessionmaker[BridgeSession],
        town: str,
        projects: dict[str, str],
        zone: str,
        confirmations: int = 0,
        start: int = 0,
    ) -> None:
        self.make_session, self.town, self.projects, self.zone = make_session, town, projects, ZoneInfo(zone)
        self.confirmations = confirmations  # blocks the index stays behind the head on purpose
        self.start = start  # the town's first block
        self._pictures: tuple[tuple[int, str], dict[str, Any]] | None = None  # the last drawn, and where it stood
        self._sales: tuple[tuple[int, str], Any] | None = None  # the sales' events last read, and where it stood

    def behind(self, head: int) -> int:
        """Blocks the index is behind ``head``, beyond the confirmations it waits for."""
        cursor = self.cursor()
        return max(0, head - self.confirmations - (cursor[0] if cursor else self.start - 1))

    def cursor(self) -> tuple[int, int] | None:
        """The last block the index has read, and its time; None before its first read."""
        with self.make_session() as session:
            row = session.get(IndexCursor, SOURCE)
            if row is None:
                return None
            block = session.get(IndexedBlock, row.block)
            return row.block, block.time if block is not None else 0

    def stand(self) -> tuple[int, str] | None:
        """Where the index stands: its last block and that block's hash (a memo of a read is good while it holds:
        after a reorganisation the same block number may hold other events)."""
        with self.make_session() as session:
            row = session.get(IndexCursor, SOURCE)
            return None if row is None else (row.block, row.hash)

    def at_one_stand(self, read: Callable[[], T], tries: int = 3) -> tuple[T, int | None]:
        """``read()`` as the index stood at one block, and that block (None before the index's first read): the
        follower may write between a read's queries, so a read the index moved under is read again. Parts of a view
        read so, each with its block, can be checked to be of the same block."""
        for _ in range(tries):
            before = self.stand()
            answer = read()
            after = self.stand()
            if before == after:
                break
        return answer, after[0] if after else None

    def _events(self) -> Select[Any]:
        """The index's events of this reader's town (no other town's, nor the network's own)."""
        return select(IndexedEvent).where(IndexedEvent.town == self.town)

    def totals(self) -> dict[str, int]:
        with self.make_session() as session:
            return {
                t.key: int(t.value) for t in session.scalars(select(IndexTotal).where(IndexTotal.town == self.town))
            }

    def figures(self, assets: Iterable[str] = (NATIVE,)) -> dict[str, Any]:
        """The headline figures (``ost_chain/figures.py`` defines each)."""
        return headline(self.totals(), assets)

    def profit_assets(self) -> list[str]:
        """The native coin, then every asset the town ever accepted profit in (one no longer accepted may still be
        owed), in the order they were first accepted (as ``ost_chain._owed.profit_assets``)."""
        with self.make_session() as session:
            rows = session.scalars(
                self._events()
                .where(IndexedEvent.kind == "ProfitDistributor.AssetAcceptanceSet")
                .order_by(IndexedEvent.block, IndexedEvent.log_index)
            )
            assets = [NATIVE]
            for r in rows:
                if r.args["asset"] not in assets:
                    assets.append(r.args["asset"])
        return assets

    def projects_worked(self) -> set[int]:
        """The projects that have had a shift rewarded."""
        return {int(k.split(":", 1)[1]) for k, n in self.totals().items() if k.startswith("rewards:") and n > 0}

    def sale_assets(self) -> list[str]:
        """The assets the town's sales are paid in, as their listings say."""
        with self.make_session() as session:
            listed = session.scalars(self._events().where(IndexedEvent.kind == "BusinessFactory.BusinessListed"))
            return sorted({r.args["terms"]["paymentAsset"] for r in listed})

    def sales(self, now: int) -> list[SaleStatus]:
        """Every sale's status at the chain's time ``now`` (as ``Town.sales``), from its listing, its schedule (the
        last one set), what was bought and whether it was settled: the contract's own rule for its phase."""
        listed, schedule, sold, outcome = self._sale_events()
        out = []
        for business in sorted(listed):
            a, terms = listed[business], listed[business]["terms"]
            when = {k: int(v) for k, v in schedule.get(business, {}).items()}
            offered, least, bought = int(terms["sharesOffered"]), int(terms["minShares"]), sold.get(business, 0)
            phase = outcome.get(business) or _phase(now, when, bought, offered, least)
            ends = {
                Phase.PENDING: when.get("start"),
                Phase.LOCAL: when.get("localEnd"),
                Phase.COUNTRY: when.get("countryEnd"),
                Phase.WORLD: when.get("worldEnd"),
            }.get(phase)
            out.append(
                SaleStatus(
                    business,
                    a["name"],
                    a["symbol"],
                    phase.label,
                    bought,
                    least,
                    offered,
                    int(terms["price"]),
                    terms["paymentAsset"],
                    None if ends is None else max(0, ends - now),
                    business in outcome,
                    a["sale"],
                    a["token"],
                )
            )
        return out

    def _sale_events(
        self,
    ) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]], dict[int, int], dict[int, Phase]]:
        """Each sale's listing, last schedule, shares bought and outcome, as the index has read them: read again
        only when it has read further (a page's list of businesses, at every new block)."""
        stand = self.stand()
        if stand is not None and self._sales is not None and self._sales[0] == stand:
            return self._sales[1]
        kinds = (
            "BusinessFactory.BusinessListed",
            "ShareSale.ScheduleSet",
            "ShareSale.SharesPurchased",
            "ShareSale.SaleFinalized",
        )
        with self.make_session() as session:
            query = self._events().where(IndexedEvent.kind.in_(kinds))
            rows = list(session.scalars(query.order_by(IndexedEvent.block, IndexedEvent.log_index)))
        listed: dict[int, dict[str, Any]] = {}
        schedule: dict[int, dict[str, Any]] = {}
        sold: dict[int, int] = {}
        outcome: dict[int, Phase] = {}
        for r in rows:
            business = int(r.business_id) if r.business_id is not None else -1
            if r.kind == "BusinessFactory.BusinessListed":
                listed[business] = r.args
            elif r.kind == "ShareSale.ScheduleSet":
                schedule[business] = r.args
            elif r.kind == "ShareSale.SharesPurchased":
                sold[business] = sold.get(business, 0) + int(r.args["shares"])
            else:
                outcome[business] = Phase.SUCCEEDED if r.args["succeeded"] else Phase.FAILED
        read = (listed, schedule, sold, outcome)
        if stand is not None:
            self._sales = (stand, read)
        return read

    def investing(self) -> set[int]:
        """The businesses that ever had an investor part of their profit (only their holders may have investor
        profit to claim, whatever the part is now)."""
        with self.make_session() as session:
            rows = session.scalars(self._events().where(IndexedEvent.kind == "ProfitDistributor.InvestorShareSet"))
            return {int(r.args["businessId"]) for r in rows if int(r.args["basisPoints"]) > 0}

    def documents(self) -> dict[int, dict[str, dict[str, Any]]]:
        """Every listing's documents, the latest version of each (as ``ost_chain.documents.published``)."""
        with self.make_session() as session:
            rows = session.scalars(
                self._events()
                .where(IndexedEvent.kind == "BusinessFactory.DocumentPublished")
                .order_by(IndexedEvent.block, IndexedEvent.log_index)
            )
            found: dict[int, dict[str, dict[str, Any]]] = {}
            for r in rows:
                kind = DocumentKind(int(r.args["kind"])).name.lower()
                entry = {"sha256": r.args["contentHash"][2:], "version": int(r.args["version"]), "uri": r.args["uri"]}
                shelf = found.setdefault(int(r.args["businessId"]), {})
                if kind not in shelf or shelf[kind]["version"] < entry["version"]:
                    shelf[kind] = entry
        return found

    def _timed(self, session: BridgeSession, query: Select[Any]) -> tuple[list[IndexedEvent], dict[int, int]]:
        """The events ``query`` finds, and the time of each one's block (joined in the database: a list of blocks
        as parameters has a limit, which a town passes in time)."""
        found = session.execute(
            query.add_columns(IndexedBlock.time).join(IndexedBlock, IndexedBlock.number == IndexedEvent.block)
        ).all()
        return [row[0] for row in found], {row[0].block: int(row[1]) for row in found}

    def _project(self, number: int) -> str:
        return self.projects.get(str(number), f"#{number}")

    def latest_rewards(self, count: int = 10, member: str | None = None) -> list[dict[str, Any]]:
        """The latest ``count`` rewards (of ``member``, if named), newest first, each with its date and project."""
        with self.make_session() as session:
            query = self._events().where(IndexedEvent.kind == "InfinityToken.Rewarded")
            if member is not None:
                query = query.where(IndexedEvent.account == member)
            newest = query.order_by(IndexedEvent.block.desc(), IndexedEvent.log_index.desc()).limit(count)
            rows, times = self._timed(session, newest)
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
            rows, times = self._timed(
                session,
                self._events()
                .where(IndexedEvent.account == address, IndexedEvent.kind.in_(HISTORY))
                .order_by(IndexedEvent.block.desc(), IndexedEvent.log_index.desc())
                .limit(limit),
            )
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
        listed = session.scalars(self._events().where(IndexedEvent.kind == "BusinessFactory.BusinessListed"))
        return {r.business_id: r.args["symbol"] for r in listed}

    def pictures(self) -> dict[str, Any]:
        """Every series the town page draws (as ``ost_chain.pictures``): each point a day of the town's. Drawn again
        only when the index has read further."""
        stand = self.stand()
        if stand is not None and self._pictures is not None and self._pictures[0] == stand:
            return self._pictures[1]
        drawn = self._draw()
        if stand is not None:
            self._pictures = (stand, drawn)
        return drawn

    def _draw(self) -> dict[str, Any]:
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
            rows, times = self._timed(
                session,
                self._events()
                .where(IndexedEvent.kind.in_(kinds))
                .where(or_(~IndexedEvent.kind.like("ProfitDistributor.%"), IndexedEvent.asset == NATIVE))
                .order_by(IndexedEvent.block, IndexedEvent.log_index),
            )
        day = {n: datetime.fromtimestamp(t, UTC).astimezone(self.zone).date().isoformat() for n, t in times.items()}
        return series(((r.block, r.log_index, r.kind, r.business_id, r.args) for r in rows), day)

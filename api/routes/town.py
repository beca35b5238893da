"""The town at a glance, its latest activity, what the page needs, and the page itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse
from sqlalchemy import func, select

from ost_chain.eip712 import WALLET_TYPES
from ost_chain.enums import NATIVE, Eligibility, Phase, Tier
from ost_chain.ostnetwork import raised_shown

from ..db import Meal, Participation
from ..deps import (
    BridgeDep,
    ChainDep,
    DeskDep,
    IndexDep,
    NetworkDep,
    ServedDep,
    SessionDep,
    SettingsDep,
    TownRecordDep,
    WalletCallsDep,
)
from ..i18n import Words
from ..models import (
    ActivityPublic,
    ChainPublic,
    CoinPublic,
    ConfigPublic,
    EnumsPublic,
    ForwarderPublic,
    ProfitPublic,
    RewardPublic,
    ServedTownPublic,
    TownPublic,
)
from ..problems import Problem

router = APIRouter(tags=["town"])
STATIC = Path(__file__).resolve().parent.parent / "static"


@router.get("/v1/town")
def get_town(chain: ChainDep, index: IndexDep, session: SessionDep, served: ServedDep) -> TownPublic:
    """The town at a glance: members, INFINITY issued, businesses, profit; and the bridge's counts. The figures are
    the index's (``indexedBlock``: the last block it has read)."""
    facts = chain.facts()
    figures, indexed = index.at_one_stand(index.figures)
    summary = {
        **facts,  # the town's standing, members included, from its contracts' state at the head
        **{k: figures[k] for k in ("infinityIssued", "infinityRedeemed", "infinityInCirculation")},
        "indexedBlock": indexed,
        "indexBehind": index.behind(facts["block"]),
    }
    # The bridge's own records (participations, meals): the town's, none of another town's.
    ours = Participation.town == served.registry
    counts = session.execute(select(Participation.status, func.count()).where(ours).group_by(Participation.status))
    meals = session.scalar(select(func.count()).select_from(Meal).where(Meal.town == served.registry))
    return TownPublic(
        **{
            **summary,
            **{k: str(summary[k]) for k in ("infinityIssued", "infinityRedeemed", "infinityInCirculation")},
            "profit": {k: str(v) for k, v in summary["profit"].items()},
            "participations": {status: int(n) for status, n in counts},
            "meals_served": int(meals or 0),
        }
    )


@router.get("/v1/town/plan")
def get_town_plan(chain: ChainDep, index: IndexDep) -> dict[str, Any]:
    """The town's 12-month plan, month by month with what is done (``done``: true, false, or null when the chain
    cannot tell), and whether it is the plan whose SHA-256 the town published (``matches``)."""
    return chain.town_plan(index.projects_worked())


@router.get("/v1/pictures")
def get_pictures(index: IndexDep) -> dict[str, Any]:
    """The town in pictures, as series from its events: each sale's raise over time by phase (``raises``, by
    business number), INF issued per week (by the week's Monday), profit deposited and claimed over time (the native
    coin, cumulative), members over time. Dates are the town's days; amounts in the smallest unit, as strings.
    ``indexedBlock``: the block the index stood at (as ``/v1/town``'s)."""
    pictures, indexed = index.at_one_stand(index.pictures)
    return {**pictures, "indexedBlock": indexed}


@router.get("/v1/network")
def get_network(chain: ChainDep, network: NetworkDep) -> dict[str, Any]:
    """The OST network this town belongs to: its towns by country — members, INF issued, money raised, profit
    deposited — and each country's ambassador, from the index. Amounts in the smallest unit, as decimal strings (a
    JavaScript number is exact only below 2**53)."""
    amounts = ("infIssued", "infRedeemed", "infInCirculation", "profitDeposited")
    shown = [{**row, **{k: str(row[k]) for k in amounts}} for row in network["towns"]]
    towns = [{**row, **raised_shown(row["raised"], chain.asset)} for row in shown]
    return {**network, "towns": towns}


@router.get("/v1/activity")
def activity(chain: ChainDep, index: IndexDep) -> ActivityPublic:
    """The latest rewards (with their dates and projects), and the profit deposited and claimed so far in each coin
    the town has shared profit in (the native coin always)."""

    def read() -> dict[str, Any]:
        paid_in = sorted(set(index.sale_assets()) - {NATIVE})  # the coins profit may come in
        parts = index.figures((NATIVE, *paid_in))["profit"]
        return {"rewards": index.latest_rewards(10), "profitClaimed": parts[0]["claimed"], "profit": parts}

    data, indexed = index.at_one_stand(read)
    profit = []
    for part in data["profit"]:
        symbol, decimals = chain.asset(part["asset"])
        if part["asset"] == NATIVE or part["deposited"]:
            profit.append(
                ProfitPublic(
                    asset=part["asset"],
                    symbol=symbol,
                    decimals=decimals,
                    **{k: str(part[k]) for k in ("deposited", "claimed", "claimedByMembers", "claimedByInvestors")},
                )
            )
    return ActivityPublic(
        rewards=[RewardPublic(**{**r, "amount": str(r["amount"])}) for r in data["rewards"]],
        profitClaimed=str(data["profitClaimed"]),
        profit=profit,
        indexedBlock=indexed,
    )


@router.get("/v1/towns")
def get_towns(bridge: BridgeDep) -> list[ServedTownPublic]:
    """The towns this bridge serves, the first first (``/v1/…`` means it): each with its part of the URLs
    (``/v1/towns/{slug}/…``), its page, and its registry."""
    return [
        ServedTownPublic(
            slug=town.slug,
            town=town.manifest.town,
            registry=town.registry,
            page=f"/towns/{town.slug}/",
            api=f"/v1/towns/{town.slug}",
            first=town.first,
        )
        for town in bridge.towns.values()
    ]


@router.get("/v1/config")
def config(
    chain: ChainDep,
    record: TownRecordDep,
    desk: DeskDep,
    settings: SettingsDep,
    calls: WalletCallsDep,
) -> ConfigPublic:
    """What the dashboard needs to build wallet transactions: the chain, the contracts, the call selectors,
    and the contracts' enums (so the page keeps no copy of its own)."""
    contracts = {k: v.address for k, v in record.contracts.items()}
    options = settings.bridge
    selectors = {call: "0x" + fn.selector.hex() for call, fn in calls.items()}
    fragments = {call: dict(fn.abi) for call, fn in calls.items()}
    enums = EnumsPublic(
        phases=Phase.labels(),
        openPhases=Phase.open_labels(),
        closedPhases=[p.label for p in Phase if p.closed],
        failedPhase=Phase.FAILED.label,
        tiers=Tier.labels(),
        eligibility=[e.solidity_name for e in Eligibility],
    )
    return ConfigPublic(
        chainId=record.chainId,
        town=record.town,
        contracts=contracts,
        selectors=selectors,
        calls=fragments,
        relayable=sorted(
            "0x" + selector.hex()
            for offered in desk.by_contract.values()
            for selector, (action, _) in offered.items()
            if action.page
        ),
        native=NATIVE,
        enums=enums,
        forwarder=ForwarderPublic(
            address=record.address("TownForwarder"),
            name=desk.domain_name(chain.town()),
            minInfTransfer=str(int(desk.policy().min_inf_transfer * 10**18)),
            types=WALLET_TYPES,
        ),
        chain=ChainPublic(
            chainName=options.chain_name or f"chain {record.chainId}",
            nativeCurrency=CoinPublic(name=options.native_symbol, symbol=options.native_symbol, decimals=18),
            rpcUrls=[options.public_rpc_url] if options.public_rpc_url else [],
        ),
    )


# The page runs only its own script and styles: text from the chain (a token's symbol, a business's name)
# can never become markup that runs.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@router.get("/", include_in_schema=False)
def dashboard() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html", headers=PAGE_HEADERS)


@router.get("/m/{address}", include_in_schema=False)
def member_page(address: str) -> FileResponse:
    """The town page opened on a member's account: the link a member bookmarks, or scans from a printed card."""
    return FileResponse(STATIC / "index.html", media_type="text/html", headers=PAGE_HEADERS)


@router.get("/towns/{town}/", include_in_schema=False)
@router.get("/towns/{town}/m/{address}", include_in_schema=False)
def town_page(served: ServedDep) -> FileResponse:
    """A town's page, for any town this bridge serves (it reads /v1/towns/{town}/…); an unknown town is a 404."""
    return FileResponse(STATIC / "index.html", media_type="text/html", headers=PAGE_HEADERS)


# Front-end libraries, installed from npm with the rest of the toolchain and served by the bridge itself (no CDN).
NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
VENDOR = {
    "chart.js": NODE_MODULES / "chart.js" / "dist" / "chart.umd.js",
    # ethers' single-file ES module, fetched by the page only when a wallet builds a call (calldata.js).
    "ethers.js": NODE_MODULES / "ethers" / "dist" / "ethers.min.js",
}


@router.get("/vendor/{name}", include_in_schema=False)
def vendor(name: str) -> FileResponse:
    path = VENDOR.get(name)
    if path is None or not path.is_file():
        said = Words("No library '{name}' is served here (`make setup` installs it from npm).", name=name)
        raise Problem(404, said, kind="not-found")
    headers = {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"}
    return FileResponse(path, media_type="text/javascript", headers=headers)


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> FileResponse:
    return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")


@router.get("/network", include_in_schema=False)
def network_page() -> FileResponse:
    """The OST network's towns by country, with their figures."""
    return FileResponse(STATIC / "network.html", media_type="text/html", headers=PAGE_HEADERS)


@router.get("/towns/{town}/network", include_in_schema=False)
def network_page_of(served: ServedDep) -> FileResponse:
    """The network page seen from a town this bridge serves: that town is "this town", and the way back goes to it."""
    return FileResponse(STATIC / "network.html", media_type="text/html", headers=PAGE_HEADERS)

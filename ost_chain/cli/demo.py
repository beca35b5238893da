"""`ost demo`: the whole life of a town on the embedded chain, as a readable report.

Sign-up, participations rewarded, a sale that fills locally, one that needs the country, one that
needs the world, one that fails and refunds, profit deposited and claimed, a basket redeemed —
every step through the same :class:`~ost_chain.townclient.Town` the CLI and the bridge use.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ..chain import DEV_CHAIN_ID, dev_accounts
from ..client import ChainClient
from ..deploy import Deployment
from ..exceptions import ConfigError
from ..manifest import Manifest
from ..network import Session, open_session
from ..plan import TownPlan
from ..redact import redact_url
from ..townclient import Reward, Town
from ..units import format_amount
from .options import JsonOutput, console, emit_json

MEMBERS = ["Thandi", "Sipho", "Anna", "Pieter", "Lerato", "Johan", "Nomsa", "Kobus"]
RESIDENT, INVESTOR = 18, 19  # dev accounts: a verified South African resident, an investor abroad
SHIFTS = [  # (member index, project, minutes)
    (0, 1, 180),
    (1, 1, 180),
    (2, 2, 240),
    (3, 1, 360),
    (4, 2, 120),
    (5, 1, 90),
    (6, 2, 480),
    (7, 1, 180),
    (0, 2, 240),
    (2, 1, 180),
]
PLAN = {
    "town": "Prince Albert",
    "country": "ZA",
    "coordinators": ["dev:3"],
    "members": [f"dev:{10 + i}" for i in range(len(MEMBERS))],
    "country_residents": [f"dev:{RESIDENT}"],
    "projects": [
        {"id": 1, "name": "Clean the river bank"},
        {"id": 2, "name": "Community kitchen", "shift_minutes": 240},
    ],
    "defaults": {"shares": 100, "price": "0.01", "local_days": 7, "country_days": 7, "world_days": 7},
    "businesses": [
        {"name": "Bakery", "symbol": "BAKE", "minimum": 60, "treasury": "dev:5"},
        {"name": "Olive press", "symbol": "OLIVE", "minimum": 80},
        {"name": "Guest house", "symbol": "GUEST", "minimum": 90},
        {"name": "Bicycle hire", "symbol": "BIKE", "minimum": 90},
    ],
}
SECONDS_PER_DAY = 86_400


def _life(town: Town, dev: tuple[Any, ...], say: Any) -> dict[str, Any]:
    """Walk the town through its first weeks; ``say(line)`` narrates."""
    members = dev[10 : 10 + len(MEMBERS)]
    name = {a.address: n for a, n in zip(members, MEMBERS, strict=True)}
    name.update({dev[RESIDENT].address: "a country resident", dev[INVESTOR].address: "an investor abroad"})
    coordinator, ambassador = dev[3], dev[2]
    report: dict[str, Any] = {
        "chainId": town.client.chain_id,
        "registry": town.registry.address,
        "members": town.registry.functions.memberCount().call(),
        "sales": {},
    }
    say(f"{report['members']} members signed up; the town launched with {len(PLAN['businesses'])} businesses.")

    rewards = [
        Reward(members[m].address, minutes, f"demo/{n}", project) for n, (m, project, minutes) in enumerate(SHIFTS)
    ]
    minted, receipt = town.reward_batch(coordinator, rewards)
    report.update(participationsRewarded=len(rewards), rewardBatchGas=receipt.gas, infinityIssued=minted)
    say(
        f"{len(rewards)} participations rewarded in one transaction: {format_amount(minted, 18)} INF "
        f"({receipt.gas:,} gas)."
    )

    def buy(who: Any, symbol: str, shares: int) -> None:
        phase = town.sale_status(symbol).phase
        town.buy(who, symbol, shares)
        status = town.sale_status(symbol)
        say(
            f"  {name[who.address]} buys {shares} {symbol} in the {phase} phase: {status.sold} sold of "
            f"{status.offered} ({status.minimum} needed)."
        )

    def settle(symbol: str) -> None:
        succeeded, _ = town.finalize(ambassador, symbol)
        status = town.sale_status(symbol)
        report["sales"][symbol] = {"outcome": "succeeded" if succeeded else "failed", "sold": status.sold}
        say(f"  {symbol} {'raised its capital' if succeeded else 'fell short'}: {status.sold} shares sold.")

    say("BAKE fills in the local phase, from members alone:")
    for member in members[:4]:
        buy(member, "BAKE", 25)
    settle("BAKE")

    say("OLIVE needs the country: members buy 50, the local phase ends, a resident completes it.")
    buy(members[4], "OLIVE", 50)
    town.advance(ambassador, "OLIVE")
    buy(dev[RESIDENT], "OLIVE", 50)
    settle("OLIVE")

    say("GUEST needs the world: the town and the country are not enough.")
    buy(members[5], "GUEST", 30)
    town.advance(ambassador, "GUEST")
    buy(dev[RESIDENT], "GUEST", 30)
    town.advance(ambassador, "GUEST")
    buy(dev[INVESTOR], "GUEST", 40)
    settle("GUEST")

    say("BIKE fails: 20 of the 90 shares it needs after three weeks; its buyer takes a refund.")
    buy(members[6], "BIKE", 20)
    town.client.w3.provider.make_request("evm_increaseTime", [21 * SECONDS_PER_DAY + 1])  # type: ignore[arg-type]
    town.client.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    settle("BIKE")
    refunded, _ = town.refund(members[6], "BIKE")
    report["refunded"] = refunded
    say(f"  {name[members[6].address]} is refunded {format_amount(refunded, 18)} ETH.")

    profit = 8 * 10**17
    town.deposit(dev[5], "BAKE", profit)
    claimed = [town.claim(m)[0] for m in members[:3]]
    report["profit"] = {"deposited": profit, "perMember": town.pool()["perMemberTotal"], "claimedBy3": sum(claimed)}
    each = format_amount(profit // len(members), 18)
    say(
        f"BAKE's treasury deposits {format_amount(profit, 18)} ETH of net profit: {each} for each of the "
        f"{len(members)} members; three claim theirs."
    )

    town.redeem(members[0], 10**18, "demo/basket/1", "maize meal, beans, cooking oil")
    report["redeemed"] = 10**18
    say(f"{MEMBERS[0]} exchanges 1 INF for a basket: maize meal, beans, cooking oil.")

    report["balances"] = {}
    for member in members:
        view = town.member(member.address)
        report["balances"][name[member.address]] = {
            "address": member.address,
            "inf": view["infinity"],
            "claimable": next(iter(view["claimable"].values())),
            "shares": {s["symbol"]: s["shares"] for s in view["shares"]},
        }
    report["totalSupply"] = town.infinity.functions.totalSupply().call()
    return report


def demo_command(
    rpc_url: Annotated[
        str | None,
        typer.Option(
            "--rpc-url",
            envvar="ETH_RPC_URL",
            help="A development node already running (chain 31337, its accounts those of the standard test mnemonic, "
            "funded: anvil's or Hardhat's), instead of the embedded chain.",
        ),
    ] = None,
    as_json: JsonOutput = False,
) -> None:
    """Walk a town's whole life on a throwaway chain: sign-up, rewards, four share sales, profit, a basket. The story
    needs a score of signers, so it runs on a development chain only: the embedded one, or --rpc-url's."""
    lines: list[str] = []
    say = lines.append if as_json else console.print
    with _session(rpc_url) as session, tempfile.TemporaryDirectory() as folder:
        plan = TownPlan.model_validate(PLAN)
        manifest = Manifest.open(
            Path(folder) / "town.json", chain_id=session.client.chain_id, town=plan.town, plan_hash="demo"
        )
        Deployment(session.client, plan, manifest, {a.address: a for a in session.dev_accounts}).run()
        if not as_json:
            where = f"the development chain at {redact_url(rpc_url)}" if rpc_url else "the embedded chain"
            console.print(f"[bold]{plan.town}, {plan.country}[/bold] on {where} ({session.client.chain_id})")
        report = _life(Town(session.client, manifest.record()), session.dev_accounts, say)
    report["story"] = lines
    if as_json:
        emit_json(report)
        return
    table = Table(title="Members at the end")
    for column in ("Member", "INF", "claimable ETH", "shares"):
        table.add_column(column, justify="left" if column in ("Member", "shares") else "right")
    for member, b in report["balances"].items():
        shares = ", ".join(f"{n} {s}" for s, n in b["shares"].items()) or "-"
        table.add_row(member, format_amount(b["inf"], 18), format_amount(b["claimable"], 18), shares)
    console.print(table)
    console.print(
        "The town stays on that chain; `ost up` keeps a town running."
        if rpc_url
        else "The embedded chain has been stopped; `ost up` keeps a town running."
    )


@contextmanager
def _session(rpc_url: str | None) -> Iterator[Session]:
    """The embedded chain, or the development node at ``rpc_url`` (refused, saying why, if it is not one)."""
    if rpc_url is None:
        with open_session() as session:
            yield session
        return
    client = ChainClient.connect(rpc_url)
    if client.chain_id != DEV_CHAIN_ID:
        raise ConfigError(
            f"The demo signs with the development accounts, whose keys are public: run it on a development chain "
            f"({DEV_CHAIN_ID}), not on chain {client.chain_id}. `ost deploy` deploys a town anywhere."
        )
    accounts = dev_accounts()
    yield Session(client, accounts[0], False, accounts)

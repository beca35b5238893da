"""`ost demo`: a town's first day on the embedded chain, as a readable report."""

from __future__ import annotations

import hashlib

from rich.table import Table

from ..network import open_session
from ..town import DEFAULT_SHIFT_MINUTES, ONE_INF, deploy_core
from ._common import JsonOutput, console, emit_json

MEMBERS = ["Thandi", "Sipho", "Anna", "Pieter", "Lerato", "Johan", "Nomsa", "Kobus"]
PROJECTS = {1: ("Clean the river bank", ONE_INF, DEFAULT_SHIFT_MINUTES), 2: ("Community kitchen", ONE_INF, 240)}
SHIFTS = [  # (member index, project, minutes)
    (0, 1, 180), (1, 1, 180), (2, 2, 240), (3, 1, 360), (4, 2, 120), (5, 1, 90), (6, 2, 480), (7, 1, 180),
    (0, 2, 240), (2, 1, 180),
]  # fmt: skip


def _participation_id(town: str, n: int) -> bytes:
    return hashlib.sha256(f"{town}/participation/{n}".encode()).digest()


def demo_command(as_json: JsonOutput = False) -> None:
    """Start a local chain, deploy a town, sign up members, reward their shifts and show balances."""
    with open_session() as session:
        client, accounts = session.client, session.dev_accounts
        office, country_amb, town_amb, coordinator = accounts[:4]
        member_accounts = accounts[10 : 10 + len(MEMBERS)]
        town = deploy_core(
            client,
            name="Prince Albert",
            country="ZA",
            ost_office=office,
            country_ambassador=country_amb.address,
            town_ambassador=town_amb.address,
        )
        reg, inf = town.registry.functions, town.infinity.functions
        client.transact(reg.grantRole(town.role("COORDINATOR_ROLE"), coordinator.address), town_amb)
        client.transact(reg.addMembers([a.address for a in member_accounts]), town_amb)
        for project_id, (_, tokens, minutes) in PROJECTS.items():
            client.transact(inf.setProject(project_id, tokens, minutes, True), town_amb)
        client.transact(inf.setCoordinatorDailyCap(coordinator.address, 100 * ONE_INF), town_amb)
        client.transact(reg.launch(), town_amb)
        batch = [
            (member_accounts[m].address, minutes, _participation_id("Prince Albert", n), project)
            for n, (m, project, minutes) in enumerate(SHIFTS)
        ]
        receipt = client.transact(inf.rewardBatch(batch), coordinator)
        balances = {name: inf.balanceOf(a.address).call() for name, a in zip(MEMBERS, member_accounts, strict=True)}
        summary = {
            "chainId": client.chain_id,
            "registry": town.registry.address,
            "infinity": town.infinity.address,
            "members": reg.memberCount().call(),
            "participationsRewarded": len(batch),
            "rewardBatchGas": receipt["gasUsed"],
            "totalSupply": inf.totalSupply().call(),
            "balances": {
                name: {"address": a.address, "inf": balances[name]}
                for name, a in zip(MEMBERS, member_accounts, strict=True)
            },
        }
    if as_json:
        emit_json(summary)
        return
    console.print(f"[bold]Prince Albert, ZA[/bold] on the embedded chain {summary['chainId']}")
    console.print(f"  TownRegistry   {summary['registry']}")
    console.print(f"  InfinityToken  {summary['infinity']}")
    console.print(f"  {summary['members']} members signed up; the town launched.")
    console.print(
        f"  {len(batch)} participations rewarded in one rewardBatch transaction ({receipt['gasUsed']:,} gas)."
    )
    table = Table(title="INFINITY balances (1 INF per 3-hour shift)")
    table.add_column("Member")
    table.add_column("Address")
    table.add_column("INF", justify="right")
    for name, account in zip(MEMBERS, member_accounts, strict=True):
        table.add_row(name, account.address, f"{balances[name] / ONE_INF:.4f}")
    table.add_row("[bold]Total[/bold]", "", f"[bold]{summary['totalSupply'] / ONE_INF:.4f}[/bold]")
    console.print(table)
    console.print("The embedded chain has been stopped; run `ost chain` for one that stays up.")

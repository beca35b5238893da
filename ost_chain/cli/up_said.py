"""What `ost up` says once its town runs: where the pages, the chain and the bridge are, which development account
holds which role, and what to try; the services' log lines held until it is said."""

from __future__ import annotations

import json
import logging
import shutil
import sys
from collections.abc import Callable
from logging.handlers import MemoryHandler
from pathlib import Path
from typing import Any

from ..chain import LocalChain, dev_accounts
from ..client import ChainClient
from ..enums import Phase
from ..manifest import Manifest
from ..plugins import Service
from ..townclient import Town
from .options import console


def say_what_runs(
    record: Manifest,
    towns: list[Path],
    node: LocalChain,
    running: list[Service],
    summary: dict[str, Any],
    kept: list[Path],
    resume: bool,
) -> None:
    """Where each page, the chain and each service run for the town of ``record`` (and ``towns`` beside it), the
    development accounts' roles, and the commands to try."""
    ost = _ost()
    console.print()
    for service in running:
        pages = getattr(service, "pages", None) or [(record.record().town, "/")]  # every town served, the first at /
        for name, page in pages:
            console.print(f"Town page: [bold]{service.url}{page}[/bold]   ({name}; open it in a browser)")
        if len(pages) > 1:
            console.print(f"Network page: [bold]{service.url}/network[/bold]   (every town of the network)")
    console.print(
        f"[bold]{summary['town']}[/bold] is running on [bold]{node.rpc_url}[/bold] "
        f"(chain {summary['chainId']}), {summary['businesses']} businesses, deployed in "
        f"{summary['seconds']} s."
    )
    console.print(f"Manifest: {summary['manifest']}")
    for note in summary["notes"]:  # what the plan asked that the contracts do not allow; other towns beside it
        console.print(note)
    if resume:
        console.print("Going on with the town last run here (`ost up --fresh` starts a new one).")
    for path in kept:
        console.print(f"Kept aside from the previous town: {path}.")
    for service in running:
        console.print(
            f"{service.name + ':':<9} [bold]{service.url}[/bold] (API docs at {service.url}/docs, "
            f"health at {service.url}/healthz); its request log follows below."
        )
    if not running:
        console.print("No bridge: install the `api` extra (`pip install 'ost-chain[api]'`) to serve one.")
    console.print("Roles, held by development accounts whose keys are public (for trying things out only):")
    for line in _roles(record.roles()):
        console.print(line)
    for path in towns:  # each town beside it: its own ambassador and coordinators
        other = json.loads(path.read_text())
        console.print(f"Roles in {other['town']}:")
        for line in _roles(dict(other.get("roles") or {})):
            console.print(line)
    coordinator = next(iter(record.roles().get("coordinators") or []), "ADDRESS")
    console.print("Try, in another terminal in this folder:")
    if not node.rpc_url.endswith(":8545"):  # every command looks for the chain where `ost up` runs by default
        console.print(f"  export OST_RPC_URL={node.rpc_url}   (so every command finds this chain)")
    for service in running[:1]:  # the commands that go through the bridge look for it at port 8000 by default
        if not service.url.endswith(":8000"):
            console.print(f"  export OST_BRIDGE_URL={service.url}   (so every command finds this bridge)")
    console.print(f"  {ost} town show")
    console.print(f"  {ost} town checklist   (where the town stands on the launch steps)")
    console.print(f"  {ost} network show   (every town of the OST network, by country)")
    console.print(f"  {ost} api keys create {coordinator}   (a coordinator's API key)")
    buy = _gasless_purchase(record, node.rpc_url)
    if buy:
        console.print(f"  {ost} {buy}   (shares paid in tZAR by a member with no coin for gas)")
    for service in running:
        console.print(
            f"  {ost} members add --phone +27821234567 --name Thandi   (a member with a basic phone), then dial "
            f"the town's menu in a browser at {service.url}/phone"
        )
    for service in running:
        for note in getattr(service, "notes", []):  # what a service says to try (the bridge: a USSD curl)
            console.print(note, markup=False, soft_wrap=True)


def hold_logs() -> Callable[[], None]:
    """Holds the log lines of the services just started (the bridge's worker and request log) while `ost up` says
    what runs where and what to try: a worker's first lines landed in the middle of the list. The function returned
    writes them after it, and lets the next ones through."""
    root = logging.getLogger()
    handlers = root.handlers
    held = [MemoryHandler(10_000, flushLevel=logging.CRITICAL + 1, target=handler) for handler in handlers]
    root.handlers = list(held)  # one assignment: a line logged meanwhile goes to one list or the other, not lost

    def release() -> None:
        if root.handlers is not handlers:
            root.handlers = handlers
            for handler in held:
                handler.close()  # writes what it holds to its own handler first

    return release


def _ost() -> str:
    """How to run this `ost` as printed: its name when the shell finds this one, else its path."""
    mine = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    found = shutil.which("ost")
    if mine is not None and found is not None and Path(found).resolve() == mine:
        return "ost"
    if mine is not None and mine.name == "ost":
        try:
            return str(mine.relative_to(Path.cwd()))
        except ValueError:
            return str(mine)
    return "ost"


def _roles(roles: dict[str, Any]) -> list[str]:
    """Which development account holds which role (as a manifest records them), in words."""
    accounts: dict[str, int] = {a.address: n for n, a in enumerate(dev_accounts())}

    def who(address: str) -> str:
        return f"dev:{accounts[address]} ({address})" if address in accounts else address

    lines = [
        f"  OST office           {who(roles['ostOffice'])}",
        f"  Country Ambassador   {who(roles['countryAmbassador'])}",
        f"  Town Ambassador      {who(roles['townAmbassador'])}",
    ]
    lines += [f"  Coordinator          {who(c)}" for c in roles.get("coordinators", [])]
    return lines


def _gasless_purchase(record: Manifest, rpc_url: str) -> str | None:
    """The command that buys shares of the town's first sale in the development stablecoin without gas, as a
    development account holding some of it; None when no sale takes it."""
    coin = record.contract("TestStablecoin")
    if coin is None:
        return None
    town = Town(ChainClient.connect(rpc_url, compile=False), record.record())
    sale = next((s for s in town.sales() if s.asset == coin["address"] and s.phase in Phase.open_labels()), None)
    token = town.client.at("TestStablecoin", coin["address"])
    accounts = [a.address for a in dev_accounts()]
    held = town.client.call_many([token.functions.balanceOf(a) for a in accounts])
    members = town.client.call_many([town.registry.functions.isMember(a) for a in accounts])
    holder = next((n for n in range(len(accounts)) if held[n] and members[n]), None)
    return None if sale is None or holder is None else f"sale buy {sale.symbol} 5 --gasless --account dev:{holder}"

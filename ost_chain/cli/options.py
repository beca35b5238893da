"""Options shared by every command, declared once, and the helpers every command uses to answer.

``--rpc-url`` means one thing everywhere: the chain to act on (``OST_RPC_URL``). Commands on a
deployed town default to the chain `ost up` keeps at 127.0.0.1:8545; `deploy` and `demo`, which
build a town, default to a throwaway embedded chain instead, and say so.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from eth_account.signers.local import LocalAccount
from rich.console import Console

from ..client import ChainClient
from ..exceptions import ChainError
from ..gasless import RelayClient
from ..network import find_manifest, resolve_signer
from ..settings import DEFAULT_RPC_URL, current_settings
from ..townclient import Town

DEFAULT_BRIDGE_URL = "http://127.0.0.1:8000"  # where `ost up` serves the bridge

RpcUrl = Annotated[
    str | None,
    typer.Option(
        "--rpc-url",
        envvar=["OST_RPC_URL", "ETH_RPC_URL"],
        help=f"JSON-RPC URL of the chain. Default: {DEFAULT_RPC_URL} (where `ost up` runs) for commands on a "
        "deployed town; a throwaway embedded chain for `deploy` and `demo`.",
    ),
]
ManifestFile = Annotated[
    Path | None,
    typer.Option(
        "--manifest",
        envvar="OST_MANIFEST",
        help="The town's manifest; default: the one deployed from this folder (deployments/<chain-id>/<town>.json).",
    ),
]
Account = Annotated[
    str | None,
    typer.Option(
        "--account", envvar="OST_ACCOUNT", help="Keystore of the signing account, or dev:N on the development chain."
    ),
]
Accounts = Annotated[
    list[Path] | None,
    typer.Option(
        "--account",
        envvar="OST_ACCOUNT",
        help="Keystore of a signing role, or dev:N on the development chain; repeat for several.",
    ),
]
JsonOutput = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")]
Gasless = Annotated[
    bool,
    typer.Option(
        "--gasless",
        help="Sign the action and have the town's bridge send it and pay its gas: for a member who holds no coin.",
    ),
]
BridgeUrl = Annotated[
    str | None,
    typer.Option(
        "--bridge",
        envvar="OST_BRIDGE_URL",
        help=f"The town's bridge (which relays gasless actions and holds phone members' keys). Default: "
        f"{DEFAULT_BRIDGE_URL} (where `ost up` serves it).",
    ),
]
Business = Annotated[str, typer.Argument(help="The business: its number or its share symbol.")]
Asset = Annotated[str, typer.Option("--asset", help="Payment asset: an ERC-20 address; default the native coin.")]

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def fit_consoles() -> None:
    """Set both consoles for where this command writes, when it runs (not when `ost` was imported, which may be in
    another process's terminal): never wrapped at 80 columns when piped, so a sentence stays one line for scripts,
    grep and logs, and tables as wide as they need (Rich would squeeze them into 80 columns and cut addresses)."""
    console.__init__(soft_wrap=True, width=None if sys.stdout.isatty() else 250)  # type: ignore[misc]
    err_console.__init__(stderr=True, soft_wrap=True, width=None if sys.stderr.isatty() else 250)  # type: ignore[misc]


def connect(rpc_url: str | None) -> ChainClient:
    """The chain at ``rpc_url`` (default: `ost up`'s), or a sentence saying how to start one."""
    url = rpc_url or current_settings().chain_url
    try:
        return ChainClient.connect(url)
    except ChainError:
        raise ChainError(f"Cannot reach a chain at {url}: start one with `ost up`, or pass --rpc-url.") from None


def open_town(rpc_url: str | None, manifest: Path | None, *, gasless: bool = False, bridge: str | None = None) -> Town:
    """The town of ``manifest`` (or the one deployed from this folder) on ``rpc_url`` (default: `ost up`'s chain);
    ``gasless``: its actions relayed by the bridge at ``bridge``, which pays their gas."""
    client = connect(rpc_url)
    town = Town.load(client, manifest or find_manifest(Path.cwd(), client.chain_id))
    if gasless:
        town.relay = RelayClient(bridge or DEFAULT_BRIDGE_URL)
    return town


def signer(town: Town, account: str | None, role: str = "", holder: str | None = None) -> LocalAccount:
    """The account that signs: ``account``, or on the development chain the one holding ``role``."""
    return resolve_signer(town.client.chain_id, account, holder, role=role)


def town_ambassador(town: Town, account: str | None, role: str = "Town Ambassador") -> LocalAccount:
    """``account``, or on the development chain the Town Ambassador the deployment appointed."""
    return signer(town, account, role, town.roles.get("townAmbassador"))


def country_ambassador(town: Town, account: str | None) -> LocalAccount:
    """``account``, or on the development chain the Country Ambassador the deployment appointed."""
    return signer(town, account, "Country Ambassador", town.roles.get("countryAmbassador"))


# Token amounts, in the smallest unit: JSON carries them as decimal strings, exact in any language (a JavaScript
# number is exact only below 2**53, one hundredth of an INF), as the bridge does.
AMOUNT_KEYS = frozenset(
    {
        "amount",
        "balance",
        "carried",
        "claimable",
        "claimed",
        "claimedByInvestors",
        "claimedByMembers",
        "cost",
        "dailyCap",
        "deposited",
        "inf",
        "infinity",
        "infinityInCirculation",
        "infinityIssued",
        "infinityRedeemed",
        "infInCirculation",
        "infIssued",
        "infPerShift",
        "infRedeemed",
        "minted",
        "mintedToday",
        "perMember",
        "perMemberTotal",
        "price",
        "redeemed",
        "refunded",
        "totalSupply",
    }
)


def amounts_as_strings(data: Any, key: str = "") -> Any:
    """``data`` with every token amount (by its key, see :data:`AMOUNT_KEYS`) as a decimal string."""
    if isinstance(data, dict):
        if key in AMOUNT_KEYS:  # amounts by asset
            return {k: str(v) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in data.items()}
        return {k: amounts_as_strings(v, k) for k, v in data.items()}
    if isinstance(data, list):
        return [amounts_as_strings(v, key) for v in data]
    if key in AMOUNT_KEYS and isinstance(data, int) and not isinstance(data, bool):
        return str(data)
    return data


def emit_json(data: Any) -> None:
    """Print ``data`` as JSON on standard output, token amounts as decimal strings."""
    typer.echo(json.dumps(amounts_as_strings(data), indent=2, default=str))


def done(as_json: bool, data: dict[str, Any], sentence: str) -> None:
    """Answer with ``data`` as JSON, or with ``sentence``."""
    if as_json:
        emit_json(data)
    else:
        console.print(sentence)


def time_left(seconds: int | None) -> str:
    """Seconds left in a sale's phase, as a person reads it: "3d 4h", "5h 12m", or "closed"."""
    if seconds is None:
        return "closed"
    days, rest = divmod(seconds, 86_400)
    return f"{days}d {rest // 3600}h" if days else f"{rest // 3600}h {rest % 3600 // 60}m"

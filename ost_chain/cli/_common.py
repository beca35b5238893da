"""Options shared by every command, defined once, and the output helpers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

RpcUrl = Annotated[
    str | None,
    typer.Option("--rpc-url", envvar="OST_RPC_URL", help="JSON-RPC URL of the chain; default: an embedded anvil."),
]
AccountFile = Annotated[
    Path | None,
    typer.Option("--account", envvar="OST_ACCOUNT", help="Encrypted v3 keystore of the signing account."),
]
JsonOutput = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")]

console = Console()
err_console = Console(stderr=True)


def emit_json(data: Any) -> None:
    """Print ``data`` as JSON on standard output."""
    typer.echo(json.dumps(data, indent=2, default=str))


def time_left(seconds: int | None) -> str:
    """Seconds left in a sale's phase, as a person reads it: "3d 4h", "5h 12m", or "closed"."""
    if seconds is None:
        return "closed"
    days, rest = divmod(seconds, 86_400)
    return f"{days}d {rest // 3600}h" if days else f"{rest // 3600}h {rest % 3600 // 60}m"

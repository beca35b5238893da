"""`ost town show`: the town at a glance, as tables or JSON."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..client import ChainClient
from ..townclient import Town
from ._common import JsonOutput, console, emit_json

town_app = typer.Typer(help="Look at a deployed town.", no_args_is_help=True)


def _left(seconds: int | None) -> str:
    if seconds is None:
        return "closed"
    days, rest = divmod(seconds, 86_400)
    return f"{days}d {rest // 3600}h" if days else f"{rest // 3600}h {rest % 3600 // 60}m"


@town_app.command("show")
def town_show(
    manifest: Annotated[Path, typer.Option("--manifest", help="The town's deployment manifest.")],
    rpc_url: Annotated[str, typer.Option("--rpc-url", envvar="OST_RPC_URL", help="JSON-RPC URL of the chain.")],
    as_json: JsonOutput = False,
) -> None:
    """Businesses with phase, progress and time left; members; INFINITY issued; profits."""
    town = Town.load(ChainClient.connect(rpc_url), manifest)
    summary, sales = town.summary(), town.sales()
    if as_json:
        emit_json({**summary, "sales": [asdict(s) for s in sales]})
        return
    console.print(
        f"[bold]{summary['town']}[/bold] ({summary['country']}), chain {summary['chainId']}: "
        f"{'launched' if summary['launched'] else 'not launched'}, {summary['members']} members, "
        f"{summary['infinityIssued'] / 10**18:,.2f} INF issued, {summary['profit']['deposited'] / 10**18:,.4f} "
        "profit deposited (native coin)."
    )
    table = Table("#", "business", "symbol", "phase", "sold / minimum / offered", "time left")
    for s in sales:
        table.add_row(str(s.business_id), s.name, s.symbol, s.phase, f"{s.sold:,} / {s.minimum:,} / {s.offered:,}",
                      _left(s.phase_ends_in))  # fmt: skip
    console.print(table)

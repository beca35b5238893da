"""`ost town show`: the town at a glance, as tables or JSON."""

from __future__ import annotations

import typer
from rich.table import Table

from ..townclient import as_dict
from ..units import money
from .options import JsonOutput, ManifestFile, RpcUrl, console, emit_json, open_town, time_left

town_app = typer.Typer(help="Look at a deployed town.", no_args_is_help=True)


@town_app.command("show")
def town_show(
    manifest: ManifestFile = None,
    rpc_url: RpcUrl = None,
    as_json: JsonOutput = False,
) -> None:
    """Businesses with phase, progress and time left; members; INFINITY issued; profits."""
    town = open_town(rpc_url, manifest)
    summary, sales, projects = town.summary(), town.sales(), town.projects()
    if as_json:
        emit_json({**summary, "projects": projects, "sales": as_dict(sales)})
        return
    console.print(
        f"[bold]{summary['town']}[/bold] ({summary['country']}), chain {summary['chainId']}: "
        f"{'launched' if summary['launched'] else 'not launched'}, {summary['members']} members, "
        f"{money(summary['infinityIssued'], 18, 'INF')} issued, {money(summary['profit']['deposited'], 18, 'ETH')} "
        "of profit deposited."
    )
    table = Table("#", "business", "symbol", "phase", "sold / minimum / offered", "time left")
    for s in sales:
        table.add_row(
            str(s.business_id),
            s.name,
            s.symbol,
            s.phase,
            f"{s.sold:,} / {s.minimum:,} / {s.offered:,}",
            time_left(s.phase_ends_in),
        )
    console.print(table)
    earning = [p for p in projects if p["active"]]
    console.print(
        "Projects (the number `ost reward --project` takes): "
        + "; ".join(
            f"#{p['projectId']} {money(p['infPerShift'], 18, 'INF')} per {p['shiftMinutes']}-minute shift"
            for p in earning
        )
        if earning
        else "No project earns INF yet."
    )

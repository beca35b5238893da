"""`ost town show`: the town at a glance, as tables or JSON."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from ..townclient import as_dict
from ..units import money, numbered
from .context import OnTown, town_command
from .options import (
    DEFAULT_BRIDGE_URL,
    console,
    emit_json,
    time_left,
)

town_app = typer.Typer(help="Look at a deployed town.", no_args_is_help=True)


@town_command(town_app, "show")
def town_show(on: OnTown) -> None:
    """Businesses with phase, progress and time left; members; INFINITY issued; profits."""
    town = on.town
    summary, sales, projects = town.summary(), town.sales(), town.projects()
    if on.as_json:
        emit_json({**summary, "projects": projects, "sales": as_dict(sales)})
        return
    console.print(
        f"[bold]{summary['town']}[/bold] ({summary['country']}), chain {summary['chainId']}: "
        f"{'launched' if summary['launched'] else 'not launched'}, {summary['members']} members, "
        f"{money(summary['infinityIssued'], 18, 'INF')} issued ({money(summary['infinityInCirculation'], 18, 'INF')} "
        f"in circulation), {money(summary['profit']['deposited'], 18, 'ETH')} of profit deposited."
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


def _mark(done: bool | None) -> str:
    return "done" if done else ("not yet" if done is False else "unknown")


@town_command(town_app, "checklist", bridged=True)
def town_checklist(on: OnTown) -> None:
    """Where the town stands on the seed's launch steps: ambassadors, members, projects, businesses, business plans,
    kitchen meals (from the town's bridge), the first sale, the 12-month plan, the launch."""
    from ..launch import checklist

    town = on.town
    steps = checklist(town, on.bridge or DEFAULT_BRIDGE_URL)
    if on.as_json:
        emit_json(steps)
        return
    table = Table("step", "where it stands", "detail", title=f"{town.name}: the launch steps")
    for s in steps:
        table.add_row(s["step"], _mark(s["done"]), s["detail"])
    console.print(table)
    left = [s["step"] for s in steps if s["done"] is False]
    console.print(f"Next: {left[0]}." if left else "Every step the chain can tell is done.")


def _under_way(m: dict[str, Any]) -> str:
    """How far the shifts of a milestone's projects go: all of them, some (which), or none yet."""
    if m["underWay"]:
        return "under way: shifts worked on it"
    worked, projects = m.get("projectsWorked") or [], m.get("projects") or []
    if not worked:
        return "no shift worked on it yet"
    named = ", ".join(str(p) for p in worked)
    return f"partly under way: shifts worked on {numbered(len(worked), 'project')} of its {len(projects)} ({named})"


@town_command(town_app, "plan")
def town_plan_command(on: OnTown) -> None:
    """The town's 12-month plan, month by month, with what is done; and whether it is the plan published on chain."""
    from ..launch import town_plan

    town = on.town
    plan = town_plan(town)
    if on.as_json:
        emit_json(plan)
        return
    if not plan["milestones"]:
        console.print(f"{town.name} has no 12-month plan yet: add twelve_month_plan to the plan and deploy it.")
        return
    table = Table("month", "what", "where it stands", title=f"{town.name}: the first twelve months")
    for m in plan["milestones"]:
        stands = [_mark(m["done"])] if m["done"] is not None else []
        if m["underWay"] is not None:
            stands.append(_under_way(m))
        table.add_row(str(m["month"]), m["what"], "; ".join(stands) or "see for yourself")
    console.print(table)
    console.print(
        f"Published on chain as version {plan['version']} (sha256 {plan['sha256']})."
        if plan["matches"]
        else "This plan is not the one published on chain: deploy the plan again to publish it."
    )

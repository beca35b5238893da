"""`ost sale …`: share sales — status, buy, advance, finalize, refund."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from ..townclient import as_dict
from ..units import money
from .options import (
    Account,
    Business,
    JsonOutput,
    ManifestFile,
    RpcUrl,
    console,
    done,
    emit_json,
    open_town,
    signer,
    time_left,
    town_ambassador,
)

sale_app = typer.Typer(help="Share sales: status, buy, advance, finalize, refund.", no_args_is_help=True)


@sale_app.command("status")
def sale_status(
    business: Annotated[str | None, typer.Argument(help="Number or symbol; default every business.")] = None,
    address: Annotated[str | None, typer.Option("--address", help="Say whether this address may buy now.")] = None,
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    as_json: JsonOutput = False,
) -> None:
    """Phase, shares sold against the minimum and the offer, price and time left."""
    town = open_town(rpc_url, manifest)
    sales = [town.sale_status(business)] if business is not None else town.sales()
    rows: list[dict[str, Any]] = []
    for s in sales:
        row = as_dict(s)
        if address is not None:
            row["eligibility"] = as_dict(town.eligibility(s.business_id, address))
        rows.append(row)
    if as_json:
        emit_json(rows[0] if business is not None else rows)
        return
    table = Table("#", "business", "symbol", "phase", "sold / minimum / offered", "price", "time left")
    for s in sales:
        decimals = town.asset_decimals(s.asset)
        symbol = town.asset_symbol(s.asset)
        table.add_row(
            str(s.business_id),
            s.name,
            s.symbol,
            s.phase + (" (final)" if s.finalized else ""),
            f"{s.sold:,} / {s.minimum:,} / {s.offered:,}",
            money(s.price, decimals, symbol),
            time_left(s.phase_ends_in),
        )
    console.print(table)
    for row in rows:
        if "eligibility" in row:
            console.print(f"#{row['business_id']}: {address} {row['eligibility']['sentence']}.")


@sale_app.command("buy")
def sale_buy(
    business: Business,
    shares: Annotated[int, typer.Argument(min=1, help="How many shares.")],
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    account: Account = None,
    as_json: JsonOutput = False,
) -> None:
    """Buy shares in the sale's current phase, if the buyer may; pays (or approves) the price."""
    town = open_town(rpc_url, manifest)
    who = signer(town, account, "buyer")
    cost, receipt = town.buy(who, business, shares)
    status = town.sale_status(business)
    paid = money(cost, town.asset_decimals(status.asset), town.asset_symbol(status.asset))
    done(
        as_json,
        {
            "buyer": who.address,
            "businessId": status.business_id,
            "shares": shares,
            "cost": cost,
            "sold": status.sold,
            "phase": status.phase,
            "receipt": as_dict(receipt),
        },
        f"{who.address} bought {shares:,} shares of {status.symbol} for {paid}; "
        f"{status.sold:,} of {status.offered:,} sold.",
    )


@sale_app.command("advance")
def sale_advance(
    business: Business,
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    account: Account = None,
    as_json: JsonOutput = False,
) -> None:
    """End the current phase now (the Town Ambassador): open the sale, or move to the next phase."""
    town = open_town(rpc_url, manifest)
    who = town_ambassador(town, account)
    phase, receipt = town.advance(who, business)
    done(
        as_json,
        {"businessId": town.business_id(business), "phase": phase, "receipt": as_dict(receipt)},
        f"Business {business} is now in the {phase} phase.",
    )


@sale_app.command("finalize")
def sale_finalize(
    business: Business,
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    account: Account = None,
    as_json: JsonOutput = False,
) -> None:
    """Settle a closed sale (anyone): pay the treasury and unlock the shares, or open refunds."""
    town = open_town(rpc_url, manifest)
    who = town_ambassador(town, account, "Town Ambassador (anyone may)")
    succeeded, receipt = town.finalize(who, business)
    outcome = "succeeded; the treasury is paid" if succeeded else "failed; buyers may take refunds"
    done(
        as_json,
        {"businessId": town.business_id(business), "succeeded": succeeded, "receipt": as_dict(receipt)},
        f"Business {business}: the raise {outcome}.",
    )


@sale_app.command("refund")
def sale_refund(
    business: Business,
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    account: Account = None,
    as_json: JsonOutput = False,
) -> None:
    """Take back what the buyer paid into a failed sale."""
    town = open_town(rpc_url, manifest)
    who = signer(town, account, "buyer")
    amount, receipt = town.refund(who, business)
    asset = town.sale_status(business).asset
    done(
        as_json,
        {
            "buyer": who.address,
            "businessId": town.business_id(business),
            "refunded": amount,
            "receipt": as_dict(receipt),
        },
        f"Refunded {money(amount, town.asset_decimals(asset), town.asset_symbol(asset))} to {who.address}.",
    )

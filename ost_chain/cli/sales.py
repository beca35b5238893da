"""`ost sale …`: share sales — status, buy, advance, finalize, refund."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from ..enums import Phase
from ..exceptions import ConfigError
from ..townclient import NotAllowed, as_dict
from ..units import money, numbered
from .options import (
    Account,
    BridgeUrl,
    Business,
    Gasless,
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
    if address is not None:
        buyer = town.address(address, "buyer")  # checksummed, as every address `ost` prints; never dev:N
        for row in rows:
            verdict = row["eligibility"]
            said = "may buy now" if verdict["eligible"] else f"may not buy now: {verdict['sentence']}"
            console.print(f"{row['symbol']} (#{row['businessId']}): {buyer} {said}.")


@sale_app.command("buy")
def sale_buy(
    business: Business,
    shares: Annotated[str, typer.Argument(help="How many shares: a whole number, e.g. 10.")],
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    account: Account = None,
    gasless: Gasless = False,
    bridge: BridgeUrl = None,
    as_json: JsonOutput = False,
) -> None:
    """Buy shares in the sale's current phase, if the buyer may; pays (or approves) the price."""
    count = whole_shares(shares)
    town = open_town(rpc_url, manifest, gasless=gasless, bridge=bridge)
    who = signer(town, account, "buyer")
    cost, receipt = town.buy(who, business, count)
    status = town.sale_status(business)
    paid = money(cost, town.asset_decimals(status.asset), town.asset_symbol(status.asset))
    done(
        as_json,
        {
            "buyer": who.address,
            "businessId": status.business_id,
            "shares": count,
            "cost": cost,
            "sold": status.sold,
            "phase": status.phase,
            "receipt": as_dict(receipt),
        },
        f"{who.address} bought {count:,} shares of {status.symbol} for {paid}; "
        f"{status.sold:,} of {status.offered:,} sold.",
    )


@sale_app.command("send-shares")
def sale_send_shares(
    business: Business,
    to: Annotated[str, typer.Argument(help="Who receives: an address (a member's, where the shares stay local).")],
    shares: Annotated[str, typer.Argument(help="How many shares: a whole number, e.g. 2.")],
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    account: Account = None,
    gasless: Gasless = False,
    bridge: BridgeUrl = None,
    as_json: JsonOutput = False,
) -> None:
    """Send shares of a business to someone (signed by the holder), once its raise has succeeded and it is settled."""
    count = whole_shares(shares)
    town = open_town(rpc_url, manifest, gasless=gasless, bridge=bridge)
    who = signer(town, account, "holder")
    receipt = town.send_shares(who, business, to, count)
    status = town.sale_status(business)
    receiver = town.address(to, "receiver")
    done(
        as_json,
        {
            "from": who.address,
            "to": receiver,
            "businessId": status.business_id,
            "shares": count,
            "receipt": as_dict(receipt),
        },
        f"{who.address} sent {numbered(count, 'share')} of {status.symbol} to {receiver}.",
    )


OPEN_PHASES = tuple(Phase.open_labels())


def whole_shares(text: str) -> int:
    """A number of shares as typed, or a sentence: shares are whole, written without separators."""
    if not (text.isascii() and text.isdecimal() and len(text) <= 30) or int(text) < 1:
        raise ConfigError(f"The number of shares {text!r} is not a whole number of at least 1: write it as e.g. 1000.")
    return int(text)


@sale_app.command("advance")
def sale_advance(
    business: Business,
    yes: Annotated[bool, typer.Option("--yes", help="Do it even if it makes the sale fail.")] = False,
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    account: Account = None,
    as_json: JsonOutput = False,
) -> None:
    """End the current phase now (the Town Ambassador): open the sale, or move to the next phase. Closing a sale
    that has not sold its minimum (so it fails) asks first, or needs --yes."""
    town = open_town(rpc_url, manifest)
    who = town_ambassador(town, account)
    status = town.sale_status(business)
    if status.phase not in ("pending", *OPEN_PHASES):  # closed: sold out, or past its last phase
        raise NotAllowed(
            f"The sale of {status.symbol} has closed ({status.phase}): it has no phase to end. "
            f"`ost sale finalize {status.symbol}` settles it."
        )
    sale, _ = town.sale(status.business_id)
    terms = town.client.view(sale.functions.terms())
    following = [("country", terms.countryDuration), ("world", terms.worldDuration)]
    order = Phase.labels()
    later = [name for name, length in following if length and order.index(name) > order.index(status.phase)]
    nxt = "local" if status.phase == "pending" else (later[0] if later else "closed")
    early = f" ({time_left(status.phase_ends_in)} early)" if status.phase_ends_in else ""
    intent = f"This ends the {status.phase} phase of {status.symbol} now{early}"
    if nxt != "closed":
        intent += f" and opens the {nxt} phase."
    elif status.sold < status.minimum:
        intent += (
            f" and closes the sale with {status.sold:,} of the {status.minimum:,} shares it needs sold: it will fail, "
            "and every buyer may take a refund."
        )
        if not yes:
            if as_json or not sys.stdin.isatty():
                raise NotAllowed(f"{intent} Run it again with --yes to do it.")
            if not typer.confirm(f"{intent} Go on?", default=False):
                raise typer.Exit(1)
    else:
        intent += " and closes the sale, which has sold enough to succeed."
    phase, receipt = town.advance(who, status.business_id)
    done(
        as_json,
        {"businessId": status.business_id, "phase": phase, "receipt": as_dict(receipt)},
        f"{status.symbol}: the {status.phase} phase ended{early}; "
        + (f"the sale is now in its {phase} phase." if phase in OPEN_PHASES else f"the sale {phase}."),
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
    gasless: Gasless = False,
    bridge: BridgeUrl = None,
    as_json: JsonOutput = False,
) -> None:
    """Take back what the buyer paid into a failed sale."""
    town = open_town(rpc_url, manifest, gasless=gasless, bridge=bridge)
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

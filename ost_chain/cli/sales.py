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
from .context import OnTown, town_command
from .options import (
    Business,
    console,
    emit_json,
    time_left,
    town_ambassador,
)

sale_app = typer.Typer(help="Share sales: status, buy, advance, finalize, refund.", no_args_is_help=True)


@town_command(sale_app, "status")
def sale_status(
    on: OnTown,
    business: Annotated[str | None, typer.Argument(help="Number or symbol; default every business.")] = None,
    address: Annotated[str | None, typer.Option("--address", help="Say whether this address may buy now.")] = None,
) -> None:
    """Phase, shares sold against the minimum and the offer, price and time left."""
    town = on.town
    sales = [town.sale_status(business)] if business is not None else town.sales()
    rows: list[dict[str, Any]] = []
    for s in sales:
        row = as_dict(s)
        if address is not None:
            row["eligibility"] = as_dict(town.eligibility(s.business_id, address))
        rows.append(row)
    if on.as_json:
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


@town_command(sale_app, "buy", signs=True, relays=True)
def sale_buy(
    on: OnTown,
    business: Business,
    shares: Annotated[str, typer.Argument(help="How many shares: a whole number, e.g. 10.")],
) -> None:
    """Buy shares in the sale's current phase, if the buyer may; pays (or approves) the price."""
    count = whole_shares(shares)
    town = on.town
    who = on.signer("buyer")
    cost, receipt = town.buy(who, business, count)
    status = town.sale_status(business)
    paid = money(cost, town.asset_decimals(status.asset), town.asset_symbol(status.asset))
    on.done(
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


@town_command(sale_app, "send-shares", signs=True, relays=True)
def sale_send_shares(
    on: OnTown,
    business: Business,
    to: Annotated[str, typer.Argument(help="Who receives: an address (a member's, where the shares stay local).")],
    shares: Annotated[str, typer.Argument(help="How many shares: a whole number, e.g. 2.")],
) -> None:
    """Send shares of a business to someone (signed by the holder), once its raise has succeeded and it is settled."""
    count = whole_shares(shares)
    town = on.town
    who = on.signer("holder")
    receipt = town.send_shares(who, business, to, count)
    status = town.sale_status(business)
    receiver = town.address(to, "receiver")
    on.done(
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


@town_command(sale_app, "advance", signs=True)
def sale_advance(
    on: OnTown,
    business: Business,
    yes: Annotated[bool, typer.Option("--yes", help="Do it even if it makes the sale fail.")] = False,
) -> None:
    """End the current phase now (the Town Ambassador): open the sale, or move to the next phase. Closing a sale
    that has not sold its minimum (so it fails) asks first, or needs --yes."""
    town = on.town
    who = town_ambassador(town, on.account)
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
            if on.as_json or not sys.stdin.isatty():
                raise NotAllowed(f"{intent} Run it again with --yes to do it.")
            if not typer.confirm(f"{intent} Go on?", default=False):
                raise typer.Exit(1)
    else:
        intent += " and closes the sale, which has sold enough to succeed."
    phase, receipt = town.advance(who, status.business_id)
    on.done(
        {"businessId": status.business_id, "phase": phase, "receipt": as_dict(receipt)},
        f"{status.symbol}: the {status.phase} phase ended{early}; "
        + (f"the sale is now in its {phase} phase." if phase in OPEN_PHASES else f"the sale {phase}."),
    )


@town_command(sale_app, "finalize", signs=True)
def sale_finalize(on: OnTown, business: Business) -> None:
    """Settle a closed sale (anyone): pay the treasury and unlock the shares, or open refunds."""
    town = on.town
    who = town_ambassador(town, on.account, "Town Ambassador (anyone may)")
    succeeded, receipt = town.finalize(who, business)
    outcome = "succeeded; the treasury is paid" if succeeded else "failed; buyers may take refunds"
    on.done(
        {"businessId": town.business_id(business), "succeeded": succeeded, "receipt": as_dict(receipt)},
        f"Business {business}: the raise {outcome}.",
    )


@town_command(sale_app, "refund", signs=True, relays=True)
def sale_refund(on: OnTown, business: Business) -> None:
    """Take back what the buyer paid into a failed sale."""
    town = on.town
    who = on.signer("buyer")
    amount, receipt = town.refund(who, business)
    asset = town.sale_status(business).asset
    on.done(
        {
            "buyer": who.address,
            "businessId": town.business_id(business),
            "refunded": amount,
            "receipt": as_dict(receipt),
        },
        f"Refunded {money(amount, town.asset_decimals(asset), town.asset_symbol(asset))} to {who.address}.",
    )

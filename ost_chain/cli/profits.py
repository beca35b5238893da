"""`ost profit …`: a business deposits net profit; members (and investors) claim it."""

from __future__ import annotations

from typing import Annotated

import typer

from .._owed import Owed
from .._owed import owed as town_owed
from ..enums import NATIVE
from ..townclient import Town, as_dict
from ..units import money, parse_amount
from .context import OnTown, town_command
from .options import (
    Asset,
    Business,
    console,
    emit_json,
)

profit_app = typer.Typer(help="Profits: deposit, claim, show.", no_args_is_help=True)


@town_command(profit_app, "deposit", signs=True)
def profit_deposit(
    on: OnTown,
    business: Business,
    amount: Annotated[str, typer.Argument(help="Net profit in whole units of the asset, e.g. 2.5.")],
    asset: Asset = NATIVE,
) -> None:
    """Deposit a business's net profit, to be split equally among the members."""
    town = on.town
    asset = town.address(asset, "asset")  # checksummed, as every address `ost` prints
    sale, _ = town.sale(town.business_id(business))
    who = on.signer("business treasury", town.client.view(sale.functions.terms()).treasury)
    units = parse_amount(amount, town.asset_decimals(asset), "profit")
    receipt = town.deposit(who, business, units, asset)
    pool = town.pool(asset)
    decimals, symbol = town.asset_decimals(asset), town.asset_symbol(asset)
    on.done(
        {
            "businessId": town.business_id(business),
            "asset": asset,
            "amount": units,
            "pool": pool,
            "receipt": as_dict(receipt),
        },
        f"Deposited {money(units, decimals, symbol)} from business {business}; each member's running share is now "
        f"{money(pool['perMemberTotal'], decimals, symbol)}.",
    )


@town_command(profit_app, "claim", signs=True, relays=True)
def profit_claim(
    on: OnTown,
    asset: Annotated[
        str | None, typer.Option("--asset", help="Claim only what is owed in this asset; default every asset.")
    ] = None,
) -> None:
    """Claim everything the town owes the signer: its member share and its investor part in each business, in
    every asset; says what was paid."""
    town = on.town
    who = on.signer("member")
    paid = town.claim_everything(who, asset)
    lines = [_owed_words(town, part) for part, _ in paid]
    on.done(
        {
            "address": who.address,
            "paid": [{**part.as_json(), "receipt": as_dict(receipt)} for part, receipt in paid],
        },
        f"Paid to {who.address}: {'; '.join(lines)}.",
    )


def _owed_words(town: Town, part: Owed) -> str:
    amount = money(part.amount, town.asset_decimals(part.asset), town.asset_symbol(part.asset))
    return (
        f"{amount} as an investor in #{part.business_id} {part.symbol}"
        if part.as_investor
        else f"{amount} (member share)"
    )


@town_command(profit_app, "show")
def profit_show(
    on: OnTown,
    address: Annotated[str | None, typer.Argument(help="Also show this member's claimable and claimed.")] = None,
    asset: Asset = NATIVE,
) -> None:
    """Profit deposited, each member's running share, and a member's claimable amount."""
    town = on.town
    data = town.profits(address, asset)
    if on.as_json:
        if address is not None:
            data["owed"] = [part.as_json() for part in town_owed(town, data["address"])]
        emit_json(data)
        return
    d, symbol = town.asset_decimals(asset), town.asset_symbol(asset)
    console.print(
        f"{money(data['deposited'], d, symbol)} deposited; a member since the first deposit has had "
        f"{money(data['perMemberTotal'], d, symbol)} of it (each deposit is split equally among those who were "
        "members when it came); "
        f"{money(data['carried'], d, symbol)} carried to the next split; {data['members']} members now."
    )
    if address is not None:
        console.print(
            f"{data['address']}: {money(data['claimable'], d, symbol)} claimable as a member, "
            f"{money(data['claimed'], d, symbol)} claimed."
        )
        owed = [_owed_words(town, part) for part in town_owed(town, data["address"])]
        console.print(f"Owed in all, every asset: {'; '.join(owed)}." if owed else "Owed in all: nothing.")

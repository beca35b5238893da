"""Commands every role was missing: coordinators appointed and revoked by the Town Ambassador, ambassadors by the OST
office, country residents listed, INFINITY sent between members and paused, held profit shared out."""

from __future__ import annotations

from typing import Annotated

import typer
from eth_account.signers.local import LocalAccount
from rich.table import Table

from ..enums import NATIVE, Role
from ..townclient import NotAllowed, Town, as_dict
from ..units import UINT96_MAX, money, parse_amount
from .context import OnTown, town_command, town_options
from .options import (
    Asset,
    console,
    emit_json,
    signer,
    town_ambassador,
)

coordinators_app = typer.Typer(
    help="Coordinators: who confirms shifts (the Town Ambassador appoints).", no_args_is_help=True
)
ambassadors_app = typer.Typer(help="Ambassadors, appointed and revoked by the OST office.", no_args_is_help=True)
inf_app = typer.Typer(help="INFINITY: send it to another member; pause it (the OST office).", no_args_is_help=True)

AMBASSADORS = {"town": Role.TOWN_AMBASSADOR, "country": Role.COUNTRY_AMBASSADOR}
Which = Annotated[str, typer.Argument(help="town or country.")]
Address = Annotated[str, typer.Argument(help="The address (dev:N on the development chain).")]


def _office(town: Town, account: str | None) -> LocalAccount:
    return signer(town, account, "OST office", town.roles.get("ostOffice"))


@town_command(coordinators_app, "list")
def coordinators_list(on: OnTown) -> None:
    """Who holds COORDINATOR_ROLE now, with each one's daily cap and what it minted today."""
    town = on.town
    rows = []
    for address in town.role_holders(Role.COORDINATOR):
        cap, today = town.infinity.functions.coordinatorDay(address).call()
        rows.append({"address": address, "dailyCap": str(cap), "mintedToday": str(today)})
    if on.as_json:
        emit_json(rows)
        return
    table = Table("coordinator", "daily cap", "minted today")
    for r in rows:
        table.add_row(r["address"], money(int(r["dailyCap"]), 18, "INF"), money(int(r["mintedToday"]), 18, "INF"))
    console.print(table if rows else "No coordinators: appoint one with `ost coordinators add ADDRESS`.")


@town_command(coordinators_app, "add", signs=True)
def coordinators_add(
    on: OnTown,
    address: Address,
    cap: Annotated[
        str | None, typer.Option("--cap", help="INF it may mint a day, in whole INF; default 1000 for a new one.")
    ] = None,
) -> None:
    """Appoint a coordinator with a daily cap (the Town Ambassador)."""
    units = parse_amount(cap or "1000", 18, "daily cap", most=UINT96_MAX)  # all input checked before anything is sent
    town = on.town
    who, address = town_ambassador(town, on.account), town.address(address, "coordinator")
    already = town.has_role(Role.COORDINATOR, address)
    current = int(town.infinity.functions.coordinatorDay(address).call()[0])
    if already and cap is None:  # nothing asked to change: a cap is never changed by omission
        on.done(
            {"coordinator": address, "dailyCap": str(current), "receipts": []},
            f"{address} already confirms shifts, up to {money(current, 18, 'INF')} a day; pass --cap to change it.",
        )
        return
    sent = [town.set_role(who, Role.COORDINATOR, address, held=True), town.set_coordinator_cap(who, address, units)]
    receipts = [r for r in sent if r is not None]
    on.done(
        {"coordinator": address, "dailyCap": str(units), "receipts": as_dict(receipts)},
        f"{address} confirms shifts in {town.name}, up to {money(units, 18, 'INF')} a day.",
    )


@town_command(coordinators_app, "remove", signs=True)
def coordinators_remove(on: OnTown, address: Address) -> None:
    """Revoke a coordinator (the Town Ambassador): from now on the chain refuses its rewards."""
    town = on.town
    who, address = town_ambassador(town, on.account), town.address(address, "coordinator")
    receipt = town.set_role(who, Role.COORDINATOR, address, held=False)
    if receipt is None:
        on.done({"coordinator": address, "receipt": None}, f"{address} is not a coordinator: nothing to do.")
        return
    on.done(
        {"coordinator": address, "receipt": as_dict(receipt)},
        f"{address} no longer confirms shifts in {town.name}.",
    )


@town_command(ambassadors_app, "appoint", signs=True)
def ambassadors_appoint(on: OnTown, which: Which, address: Address) -> None:
    """Appoint the town's or the country's ambassador (the OST office); a country has one, for all its towns in the
    OST network, so appointing another replaces the one before."""
    _ambassador(on, which, address, True)


@town_command(ambassadors_app, "revoke", signs=True)
def ambassadors_revoke(on: OnTown, which: Which, address: Address) -> None:
    """Revoke an ambassador (the OST office); a town keeps running, but launches and recoveries need one."""
    _ambassador(on, which, address, False)


def _ambassador(on: OnTown, which: str, address: str, grant: bool) -> None:
    if which not in AMBASSADORS:
        raise typer.BadParameter(f"write town or country, not {which!r}", param_hint="WHICH")
    town = on.town
    who, address = _office(town, on.account), town.address(address, f"{which} ambassador")
    receipt = town.set_role(who, AMBASSADORS[which], address, held=grant)
    where = town.name if which == "town" else f"{town.country_code.decode()}, for every town of the country"
    title = "Town Ambassador" if which == "town" else "Country Ambassador"
    on.done(
        {"role": AMBASSADORS[which], "address": address, "granted": grant, "receipt": as_dict(receipt)},
        f"{address} is {'now' if grant else 'no longer'} the {title} of {where}.",
    )


@town_command(inf_app, "send", signs=True, relays=True)
def inf_send(
    on: OnTown,
    to: Annotated[str, typer.Argument(help="Who receives: a member's address.")],
    amount: Annotated[str, typer.Argument(help="INF to send, in whole INF, e.g. 1.5.")],
    anyone: Annotated[
        bool, typer.Option("--to-non-member", help="Send even though the receiver is not a member of this town.")
    ] = False,
) -> None:
    """Send INFINITY to another member (signed by the member who sends)."""
    town = on.town
    who, to = on.signer("member"), town.address(to, "receiver")
    units = parse_amount(amount, 18, "INF amount")
    if not anyone and not town.registry.functions.isMember(to).call():
        raise NotAllowed(
            f"{to} is not a member of {town.name}: check the address (a typo sends INF where nobody can use it), "
            "or pass --to-non-member to send it all the same."
        )
    receipt = town.send_inf(who, to, units)
    left = int(town.infinity.functions.balanceOf(who.address).call())
    on.done(
        {"from": who.address, "to": to, "amount": str(units), "balance": str(left), "receipt": as_dict(receipt)},
        f"{who.address} sent {money(units, 18, 'INF')} to {to}; {money(left, 18, 'INF')} left.",
    )


@town_command(inf_app, "pause", signs=True)
def inf_pause(on: OnTown, resume: Annotated[bool, typer.Option("--resume", help="Unpause instead.")] = False) -> None:
    """Stop every INF transfer, reward and basket until resumed (the OST office, in an emergency)."""
    town = on.town
    who = _office(town, on.account)
    receipt = town.pause_inf(who, paused=not resume)
    on.done(
        {"paused": not resume, "receipt": as_dict(receipt)},
        "INFINITY runs again." if resume else "INFINITY is paused: no transfer, reward or basket until `--resume`.",
    )


@town_options(signs=True)
def profit_distribute_held(on: OnTown, asset: Asset = NATIVE) -> None:
    """Share out among today's members the profit carried in ASSET (held while the town had none, or remainders);
    anyone may."""
    town = on.town
    who = on.signer("anyone", town.roles.get("townAmbassador"))
    asset = town.address(asset, "asset")
    shared, receipt = town.distribute_held(who, asset)
    after = town.pool(asset)
    d, symbol = town.asset_decimals(asset), town.asset_symbol(asset)
    on.done(
        {"asset": asset, "shared": str(shared), "pool": after, "receipt": as_dict(receipt)},
        f"Shared {money(shared, d, symbol)} held profit among the members; {money(int(after['carried']), d, symbol)} "
        "still carried.",
    )

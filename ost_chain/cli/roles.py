"""Commands every role was missing: coordinators appointed and revoked by the Town Ambassador, ambassadors by the OST
office, country residents listed, INFINITY sent between members and paused, held profit shared out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from eth_account.signers.local import LocalAccount
from rich.table import Table

from ..enums import NATIVE, Role
from ..townclient import NotAllowed, Town, as_dict
from ..units import UINT96_MAX, money, parse_amount
from .options import (
    Account,
    Asset,
    BridgeUrl,
    Gasless,
    JsonOutput,
    ManifestFile,
    RpcUrl,
    console,
    done,
    emit_json,
    open_town,
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


@coordinators_app.command("list")
def coordinators_list(rpc_url: RpcUrl = None, manifest: ManifestFile = None, as_json: JsonOutput = False) -> None:
    """Who holds COORDINATOR_ROLE now, with each one's daily cap and what it minted today."""
    town = open_town(rpc_url, manifest)
    rows = []
    for address in town.role_holders(Role.COORDINATOR):
        cap, today = town.infinity.functions.coordinatorDay(address).call()
        rows.append({"address": address, "dailyCap": str(cap), "mintedToday": str(today)})
    if as_json:
        emit_json(rows)
        return
    table = Table("coordinator", "daily cap", "minted today")
    for r in rows:
        table.add_row(r["address"], money(int(r["dailyCap"]), 18, "INF"), money(int(r["mintedToday"]), 18, "INF"))
    console.print(table if rows else "No coordinators: appoint one with `ost coordinators add ADDRESS`.")


@coordinators_app.command("add")
def coordinators_add(
    address: Address,
    cap: Annotated[
        str | None, typer.Option("--cap", help="INF it may mint a day, in whole INF; default 1000 for a new one.")
    ] = None,
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    account: Account = None,
    as_json: JsonOutput = False,
) -> None:
    """Appoint a coordinator with a daily cap (the Town Ambassador)."""
    units = parse_amount(cap or "1000", 18, "daily cap", most=UINT96_MAX)  # all input checked before anything is sent
    town = open_town(rpc_url, manifest)
    who, address = town_ambassador(town, account), town.address(address, "coordinator")
    already = town.has_role(Role.COORDINATOR, address)
    current = int(town.infinity.functions.coordinatorDay(address).call()[0])
    if already and cap is None:  # nothing asked to change: a cap is never changed by omission
        done(
            as_json,
            {"coordinator": address, "dailyCap": str(current), "receipts": []},
            f"{address} already confirms shifts, up to {money(current, 18, 'INF')} a day; pass --cap to change it.",
        )
        return
    sent = [town.set_role(who, Role.COORDINATOR, address, held=True), town.set_coordinator_cap(who, address, units)]
    receipts = [r for r in sent if r is not None]
    done(
        as_json,
        {"coordinator": address, "dailyCap": str(units), "receipts": as_dict(receipts)},
        f"{address} confirms shifts in {town.name}, up to {money(units, 18, 'INF')} a day.",
    )


@coordinators_app.command("remove")
def coordinators_remove(
    address: Address,
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    account: Account = None,
    as_json: JsonOutput = False,
) -> None:
    """Revoke a coordinator (the Town Ambassador): from now on the chain refuses its rewards."""
    town = open_town(rpc_url, manifest)
    who, address = town_ambassador(town, account), town.address(address, "coordinator")
    receipt = town.set_role(who, Role.COORDINATOR, address, held=False)
    if receipt is None:
        done(as_json, {"coordinator": address, "receipt": None}, f"{address} is not a coordinator: nothing to do.")
        return
    done(
        as_json,
        {"coordinator": address, "receipt": as_dict(receipt)},
        f"{address} no longer confirms shifts in {town.name}.",
    )


@ambassadors_app.command("appoint")
def ambassadors_appoint(
    which: Which,
    address: Address,
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    account: Account = None,
    as_json: JsonOutput = False,
) -> None:
    """Appoint the town's or the country's ambassador (the OST office); a country has one, for all its towns in the
    OST network, so appointing another replaces the one before."""
    _ambassador(which, address, True, rpc_url, manifest, account, as_json)


@ambassadors_app.command("revoke")
def ambassadors_revoke(
    which: Which,
    address: Address,
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    account: Account = None,
    as_json: JsonOutput = False,
) -> None:
    """Revoke an ambassador (the OST office); a town keeps running, but launches and recoveries need one."""
    _ambassador(which, address, False, rpc_url, manifest, account, as_json)


def _ambassador(
    which: str,
    address: str,
    grant: bool,
    rpc_url: str | None,
    manifest: Path | None,
    account: str | None,
    as_json: bool,
) -> None:
    if which not in AMBASSADORS:
        raise typer.BadParameter(f"write town or country, not {which!r}", param_hint="WHICH")
    town = open_town(rpc_url, manifest)
    who, address = _office(town, account), town.address(address, f"{which} ambassador")
    receipt = town.set_role(who, AMBASSADORS[which], address, held=grant)
    where = town.name if which == "town" else f"{town.country_code.decode()}, for every town of the country"
    title = "Town Ambassador" if which == "town" else "Country Ambassador"
    done(
        as_json,
        {"role": AMBASSADORS[which], "address": address, "granted": grant, "receipt": as_dict(receipt)},
        f"{address} is {'now' if grant else 'no longer'} the {title} of {where}.",
    )


@inf_app.command("send")
def inf_send(
    to: Annotated[str, typer.Argument(help="Who receives: a member's address.")],
    amount: Annotated[str, typer.Argument(help="INF to send, in whole INF, e.g. 1.5.")],
    anyone: Annotated[
        bool, typer.Option("--to-non-member", help="Send even though the receiver is not a member of this town.")
    ] = False,
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    account: Account = None,
    gasless: Gasless = False,
    bridge: BridgeUrl = None,
    as_json: JsonOutput = False,
) -> None:
    """Send INFINITY to another member (signed by the member who sends)."""
    town = open_town(rpc_url, manifest, gasless=gasless, bridge=bridge)
    who, to = signer(town, account, "member"), town.address(to, "receiver")
    units = parse_amount(amount, 18, "INF amount")
    if not anyone and not town.registry.functions.isMember(to).call():
        raise NotAllowed(
            f"{to} is not a member of {town.name}: check the address (a typo sends INF where nobody can use it), "
            "or pass --to-non-member to send it all the same."
        )
    receipt = town.send_inf(who, to, units)
    left = int(town.infinity.functions.balanceOf(who.address).call())
    done(
        as_json,
        {"from": who.address, "to": to, "amount": str(units), "balance": str(left), "receipt": as_dict(receipt)},
        f"{who.address} sent {money(units, 18, 'INF')} to {to}; {money(left, 18, 'INF')} left.",
    )


@inf_app.command("pause")
def inf_pause(
    resume: Annotated[bool, typer.Option("--resume", help="Unpause instead.")] = False,
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    account: Account = None,
    as_json: JsonOutput = False,
) -> None:
    """Stop every INF transfer, reward and basket until resumed (the OST office, in an emergency)."""
    town = open_town(rpc_url, manifest)
    who = _office(town, account)
    receipt = town.pause_inf(who, paused=not resume)
    done(
        as_json,
        {"paused": not resume, "receipt": as_dict(receipt)},
        "INFINITY runs again." if resume else "INFINITY is paused: no transfer, reward or basket until `--resume`.",
    )


def profit_distribute_held(
    asset: Asset = NATIVE,
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    account: Account = None,
    as_json: JsonOutput = False,
) -> None:
    """Share out among today's members the profit carried in ASSET (held while the town had none, or remainders);
    anyone may."""
    town = open_town(rpc_url, manifest)
    who = signer(town, account, "anyone", town.roles.get("townAmbassador"))
    asset = town.address(asset, "asset")
    shared, receipt = town.distribute_held(who, asset)
    after = town.pool(asset)
    d, symbol = town.asset_decimals(asset), town.asset_symbol(asset)
    done(
        as_json,
        {"asset": asset, "shared": str(shared), "pool": after, "receipt": as_dict(receipt)},
        f"Shared {money(shared, d, symbol)} held profit among the members; {money(int(after['carried']), d, symbol)} "
        "still carried.",
    )

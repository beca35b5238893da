"""`ost profit …`: a business deposits net profit; members (and investors) claim it."""

from __future__ import annotations

from typing import Annotated

import typer

from ..enums import NATIVE
from ..townclient import as_dict
from ..units import format_amount, parse_amount
from .options import (
    Account,
    Asset,
    Business,
    JsonOutput,
    ManifestFile,
    RpcUrl,
    console,
    done,
    emit_json,
    open_town,
    signer,
)

profit_app = typer.Typer(help="Profits: deposit, claim, show.", no_args_is_help=True)


@profit_app.command("deposit")
def profit_deposit(
    business: Business,
    amount: Annotated[str, typer.Argument(help="Net profit in whole units of the asset, e.g. 2.5.")],
    asset: Asset = NATIVE,
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    account: Account = None,
    as_json: JsonOutput = False,
) -> None:
    """Deposit a business's net profit, to be split equally among the members."""
    town = open_town(rpc_url, manifest)
    sale, _ = town.sale(town.business_id(business))
    who = signer(town, account, "business treasury", town.client.view(sale.functions.terms()).treasury)
    units = parse_amount(amount, town.asset_decimals(asset), "profit")
    receipt = town.deposit(who, business, units, asset)
    pool = town.pool(asset)
    done(
        as_json,
        {
            "businessId": town.business_id(business),
            "asset": asset,
            "amount": units,
            "pool": pool,
            "receipt": as_dict(receipt),
        },
        f"Deposited {amount} from business {business}; each member's running share is now "
        f"{format_amount(pool['perMemberTotal'], town.asset_decimals(asset))}.",
    )


@profit_app.command("claim")
def profit_claim(
    asset: Asset = NATIVE,
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    account: Account = None,
    as_json: JsonOutput = False,
) -> None:
    """Claim the member's equal share of the profits deposited so far."""
    town = open_town(rpc_url, manifest)
    who = signer(town, account, "member")
    amount, receipt = town.claim(who, asset)
    done(
        as_json,
        {"member": who.address, "asset": asset, "claimed": amount, "receipt": as_dict(receipt)},
        f"{who.address} claimed {format_amount(amount, town.asset_decimals(asset))}.",
    )


@profit_app.command("show")
def profit_show(
    address: Annotated[str | None, typer.Argument(help="Also show this member's claimable and claimed.")] = None,
    asset: Asset = NATIVE,
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    as_json: JsonOutput = False,
) -> None:
    """Profit deposited, each member's running share, and a member's claimable amount."""
    town = open_town(rpc_url, manifest)
    data = town.profits(address, asset)
    if as_json:
        emit_json(data)
        return
    d = town.asset_decimals(asset)
    console.print(
        f"{format_amount(data['deposited'], d)} deposited; {format_amount(data['perMemberTotal'], d)} per "
        f"member so far; {format_amount(data['carried'], d)} carried to the next split; "
        f"{data['members']} members."
    )
    if address is not None:
        console.print(
            f"{data['address']}: {format_amount(data['claimable'], d)} claimable, "
            f"{format_amount(data['claimed'], d)} claimed."
        )

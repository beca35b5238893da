"""`ost reward` and `ost redeem`: INFINITY minted for a confirmed participation, burnt for a basket."""

from __future__ import annotations

from typing import Annotated

import typer

from ..townclient import Reward, as_dict
from ..units import money, parse_amount
from .options import Account, BridgeUrl, Gasless, JsonOutput, ManifestFile, RpcUrl, done, open_town, signer


def reward_command(
    member: Annotated[str, typer.Argument(help="The member who worked.")],
    minutes: Annotated[int, typer.Option("--minutes", min=1, max=1440, help="Minutes worked.")],
    project: Annotated[int, typer.Option("--project", help="The community project's id.")],
    participation: Annotated[str, typer.Option("--id", help="The participation's unique id (any text).")],
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    account: Account = None,
    as_json: JsonOutput = False,
) -> None:
    """Reward a participation a coordinator confirmed: INFINITY for the minutes worked, once per id."""
    town = open_town(rpc_url, manifest)
    coordinators = town.roles.get("coordinators") or [None]
    who = signer(town, account, "coordinator", coordinators[0])
    minted, receipt = town.reward(who, Reward(member, minutes, participation, project))
    done(
        as_json,
        {"member": member, "participationId": participation, "minted": minted, "receipt": as_dict(receipt)},
        f"Rewarded {member}: {money(minted, 18, 'INF')} for {minutes} minutes (tx {receipt.tx}).",
    )


def redeem_command(
    amount: Annotated[str, typer.Argument(help="INF to exchange, e.g. 1 or 2.5.")],
    basket: Annotated[str, typer.Option("--basket", help="What the basket held.")],
    redemption: Annotated[str, typer.Option("--id", help="The redemption's unique id (any text).")],
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    account: Account = None,
    gasless: Gasless = False,
    bridge: BridgeUrl = None,
    as_json: JsonOutput = False,
) -> None:
    """Exchange the member's INFINITY for a basket: the tokens are burnt and the basket recorded."""
    town = open_town(rpc_url, manifest, gasless=gasless, bridge=bridge)
    who = signer(town, account, "member")
    units = parse_amount(amount, 18, "INF amount")
    receipt = town.redeem(who, units, redemption, basket)
    left = town.infinity.functions.balanceOf(who.address).call()
    done(
        as_json,
        {"member": who.address, "redeemed": units, "balance": left, "basket": basket, "receipt": as_dict(receipt)},
        f"{who.address} exchanged {money(units, 18, 'INF')} for a basket ({basket}); {money(left, 18, 'INF')} left.",
    )

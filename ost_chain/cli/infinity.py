"""`ost reward` and `ost redeem`: INFINITY minted for a confirmed participation, burnt for a basket."""

from __future__ import annotations

from typing import Annotated

import typer

from ..townclient import Reward, as_dict
from ..units import money, parse_amount
from .context import OnTown, town_options


@town_options(signs=True)
def reward_command(
    on: OnTown,
    member: Annotated[str, typer.Argument(help="The member who worked.")],
    minutes: Annotated[int, typer.Option("--minutes", min=1, max=1440, help="Minutes worked.")],
    project: Annotated[int, typer.Option("--project", help="The community project's id.")],
    participation: Annotated[str, typer.Option("--id", help="The participation's unique id (any text).")],
) -> None:
    """Reward a participation a coordinator confirmed: INFINITY for the minutes worked, once per id."""
    town = on.town
    coordinators = town.roles.get("coordinators") or [None]
    who = on.signer("coordinator", coordinators[0])
    minted, receipt = town.reward(who, Reward(member, minutes, participation, project))
    on.done(
        {"member": member, "participationId": participation, "minted": minted, "receipt": as_dict(receipt)},
        f"Rewarded {member}: {money(minted, 18, 'INF')} for {minutes} minutes (tx {receipt.tx}).",
    )


@town_options(signs=True, relays=True)
def redeem_command(
    on: OnTown,
    amount: Annotated[str, typer.Argument(help="INF to exchange, e.g. 1 or 2.5.")],
    basket: Annotated[str, typer.Option("--basket", help="What the basket held.")],
    redemption: Annotated[str, typer.Option("--id", help="The redemption's unique id (any text).")],
) -> None:
    """Exchange the member's INFINITY for a basket: the tokens are burnt and the basket recorded."""
    units = parse_amount(amount, 18, "INF amount")  # checked before anything is sent
    town = on.town
    who = on.signer("member")
    receipt = town.redeem(who, units, redemption, basket)
    left = town.infinity.functions.balanceOf(who.address).call()
    on.done(
        {"member": who.address, "redeemed": units, "balance": left, "basket": basket, "receipt": as_dict(receipt)},
        f"{who.address} exchanged {money(units, 18, 'INF')} for a basket ({basket}); {money(left, 18, 'INF')} left.",
    )

"""`ost phones …`: members with a basic phone, managed by the ambassadors through the town's bridge.

Every command signs an order with the ambassador's own key and hands it to the bridge (``--bridge``), which
checks the signature and the signer's role on chain: no ambassador needs the bridge's database or secrets.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from ..phones import PhoneDesk
from .context import OnTown, town_command
from .options import (
    DEFAULT_BRIDGE_URL,
    console,
    country_ambassador,
    town_ambassador,
)

phones_app = typer.Typer(
    help="Members with a basic phone: the town's bridge holds their keys; the ambassadors sign what it does.",
    no_args_is_help=True,
)
Phone = Annotated[str, typer.Argument(help="The member's phone number, e.g. +27821234567 or 082 123 4567.")]


def _desk(on: OnTown) -> PhoneDesk:
    return PhoneDesk(on.town, on.bridge or DEFAULT_BRIDGE_URL)


def add_by_phone(on: OnTown, phone: str, name: str) -> None:
    """Sign up a member by phone number (the Town Ambassador): the bridge makes and keeps its key."""
    desk = _desk(on)
    added = desk.sign_up(town_ambassador(desk.town, on.account), phone, name)
    if added.get("joined"):
        said = (
            f"{added['name']} ({added['phone']}) is a phone member of another town, and now of {desk.town.name} too, "
            f"at {added['address']}. When they dial they choose the town first."
        )
    elif added["new"]:
        said = (
            f"{added['name']} ({added['phone']}) is a member of {desk.town.name}, at {added['address']}; the town's "
            "bridge holds the key. At the first dial of the town's USSD code they choose a language and a PIN."
        )
    else:
        said = f"{added['phone']} was signed up already, as {added['name']}, at {added['address']}."
    on.done(added, said)


@town_command(phones_app, "add", signs=True, bridged=True)
def phones_add(
    on: OnTown,
    phone: Phone,
    name: Annotated[str, typer.Option("--name", help="The member's name, shown to who sends them INF.")],
) -> None:
    """Sign up a member by phone number (the Town Ambassador; the same as `ost members add --phone`)."""
    add_by_phone(on, phone, name)


@town_command(phones_app, "list", signs=True, bridged=True)
def phones_list(on: OnTown) -> None:
    """Phone members (the Town Ambassador): number, name, address, language, and the PIN's state."""
    desk = _desk(on)
    rows = desk.listed(town_ambassador(desk.town, on.account))
    if on.emit(rows):
        return
    table = Table("phone", "name", "address", "language", "PIN", title=f"Phone members of {desk.town.name}")
    for row in rows:
        # A member of another town who joined this one: their own town's ambassador resets and moves them.
        name = f"{row['name']} (of another town)" if row.get("joined") else row["name"]
        table.add_row(row["phone"], name, row["address"], row["language"] or "", row["pin"])
    console.print(table)


@town_command(phones_app, "reset-pin", signs=True, bridged=True)
def phones_reset_pin(on: OnTown, phone: Phone) -> None:
    """Unlock a phone member after three wrong PINs, or a forgotten one (the Town Ambassador): prints a one-time PIN
    to hand to the member in person; at the next dial they enter it, then choose their own."""
    desk = _desk(on)
    answer, pin = desk.reset_pin(town_ambassador(desk.town, on.account), phone)
    on.done(
        {**answer, "oneTimePin": pin},
        f"{answer['phone']} is unlocked. Give the member this one-time PIN in person, never by SMS or a call: {pin}. "
        "At the next dial they enter it, then choose their own PIN.",
    )


@town_command(phones_app, "move", signs=True, bridged=True)
def phones_move(
    on: OnTown,
    old: Annotated[str, typer.Argument(help="The lost SIM's number.")],
    new: Annotated[str, typer.Argument(help="The member's new number.")],
    confirm: Annotated[bool, typer.Option("--confirm", help="The Country Ambassador confirms the proposal.")] = False,
) -> None:
    """A lost SIM: the Town Ambassador proposes moving the account to a new number; the Country Ambassador confirms
    (--confirm). From then on the old number is refused."""
    desk = _desk(on)
    if confirm:
        moved = desk.move(country_ambassador(desk.town, on.account), old, new, confirm=True)
        on.done(moved, f"The account now answers {moved['phone']}; {old} is refused from now on.")
        return
    proposed = desk.move(town_ambassador(desk.town, on.account), old, new, confirm=False)
    on.done(
        proposed,
        f"Proposed: {proposed['old']} → {proposed['new']}. The Country Ambassador confirms with "
        f"`ost phones move {proposed['old']} {proposed['new']} --confirm`.",
    )

"""`ost phones …`: members with a basic phone, managed by the ambassadors through the town's bridge.

Every command signs an order with the ambassador's own key and hands it to the bridge (``--bridge``), which
checks the signature and the signer's role on chain: no ambassador needs the bridge's database or secrets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ..phones import PhoneDesk
from .options import (
    DEFAULT_BRIDGE_URL,
    Account,
    BridgeUrl,
    JsonOutput,
    ManifestFile,
    RpcUrl,
    console,
    country_ambassador,
    done,
    emit_json,
    open_town,
    town_ambassador,
)

phones_app = typer.Typer(
    help="Members with a basic phone: the town's bridge holds their keys; the ambassadors sign what it does.",
    no_args_is_help=True,
)
Phone = Annotated[str, typer.Argument(help="The member's phone number, e.g. +27821234567 or 082 123 4567.")]


def _desk(rpc_url: str | None, manifest: Path | None, bridge: str | None) -> PhoneDesk:
    town = open_town(rpc_url, manifest)
    return PhoneDesk(town, bridge or DEFAULT_BRIDGE_URL)


def add_by_phone(
    phone: str, name: str, rpc_url: str | None, manifest: Path | None, account: str | None, bridge: str | None
) -> dict[str, Any]:
    """Sign up a member by phone number (the Town Ambassador): the bridge makes and keeps its key."""
    desk = _desk(rpc_url, manifest, bridge)
    return desk.sign_up(town_ambassador(desk.town, account), phone, name)


@phones_app.command("add")
def phones_add(
    phone: Phone,
    name: Annotated[str, typer.Option("--name", help="The member's name, shown to who sends them INF.")],
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    account: Account = None,
    bridge: BridgeUrl = None,
    as_json: JsonOutput = False,
) -> None:
    """Sign up a member by phone number (the Town Ambassador; the same as `ost members add --phone`)."""
    said(as_json, add_by_phone(phone, name, rpc_url, manifest, account, bridge))


def said(as_json: bool, added: dict[str, Any]) -> None:
    done(
        as_json,
        added,
        f"{added['name']} ({added['phone']}) is a member, at {added['address']}; the town's bridge holds the key. "
        "At the first dial of the town's USSD code they choose a language and a PIN."
        if added["new"]
        else f"{added['phone']} was signed up already, at {added['address']}.",
    )


@phones_app.command("list")
def phones_list(
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    account: Account = None,
    bridge: BridgeUrl = None,
    as_json: JsonOutput = False,
) -> None:
    """Phone members (the Town Ambassador): number, name, address, language, and the PIN's state."""
    desk = _desk(rpc_url, manifest, bridge)
    rows = desk.listed(town_ambassador(desk.town, account))
    if as_json:
        emit_json(rows)
        return
    table = Table("phone", "name", "address", "language", "PIN")
    for row in rows:
        table.add_row(row["phone"], row["name"], row["address"], row["language"] or "", row["pin"])
    console.print(table)


@phones_app.command("reset-pin")
def phones_reset_pin(
    phone: Phone,
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    account: Account = None,
    bridge: BridgeUrl = None,
    as_json: JsonOutput = False,
) -> None:
    """Unlock a phone member after three wrong PINs, or a forgotten one (the Town Ambassador): prints a one-time PIN
    to hand to the member in person; at the next dial they enter it, then choose their own."""
    desk = _desk(rpc_url, manifest, bridge)
    answer, pin = desk.reset_pin(town_ambassador(desk.town, account), phone)
    done(
        as_json,
        {**answer, "oneTimePin": pin},
        f"{answer['phone']} is unlocked. Give the member this one-time PIN in person, never by SMS or a call: {pin}. "
        "At the next dial they enter it, then choose their own PIN.",
    )


@phones_app.command("move")
def phones_move(
    old: Annotated[str, typer.Argument(help="The lost SIM's number.")],
    new: Annotated[str, typer.Argument(help="The member's new number.")],
    confirm: Annotated[bool, typer.Option("--confirm", help="The Country Ambassador confirms the proposal.")] = False,
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    account: Account = None,
    bridge: BridgeUrl = None,
    as_json: JsonOutput = False,
) -> None:
    """A lost SIM: the Town Ambassador proposes moving the account to a new number; the Country Ambassador confirms
    (--confirm). From then on the old number is refused."""
    desk = _desk(rpc_url, manifest, bridge)
    if confirm:
        moved = desk.move(country_ambassador(desk.town, account), old, new, confirm=True)
        done(as_json, moved, f"The account now answers {moved['phone']}; {old} is refused from now on.")
        return
    proposed = desk.move(town_ambassador(desk.town, account), old, new, confirm=False)
    done(
        as_json,
        proposed,
        f"Proposed: {proposed['old']} → {proposed['new']}. The Country Ambassador confirms with "
        f"`ost phones move {proposed['old']} {proposed['new']} --confirm`.",
    )

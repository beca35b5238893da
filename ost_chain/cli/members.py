"""`ost members …` and `ost residents …`: members signed up by the Town Ambassador, residents verified by the
Country Ambassador."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer
from rich.table import Table

from ..exceptions import ConfigError
from ..townclient import as_dict
from ..units import money, numbered, when
from .context import OnTown, town_command
from .options import (
    DEFAULT_BRIDGE_URL,
    console,
    country_ambassador,
    emit_json,
    town_ambassador,
)
from .phones import add_by_phone

members_app = typer.Typer(help="Sign up and remove members; list them.", no_args_is_help=True)


@town_command(members_app, "add", signs=True, bridged=True)
def members_add(
    on: OnTown,
    addresses: Annotated[list[str] | None, typer.Argument(help="Addresses to sign up.")] = None,
    phone: Annotated[
        str | None,
        typer.Option("--phone", help="Sign up a member with a basic phone: the town's bridge holds its key."),
    ] = None,
    name: Annotated[str, typer.Option("--name", help="With --phone: the member's name, as others see it.")] = "",
) -> None:
    """Sign up members (the Town Ambassador); those already members are skipped. With --phone, a member who has a
    phone and no wallet: the bridge makes and holds its key, and the member uses the town's USSD menu."""
    if phone is not None:
        if not name:
            raise ConfigError("Give the member's name with --name: who sends them INF sees it before confirming.")
        add_by_phone(on, phone, name)
        return
    if not addresses:
        raise ConfigError("Give the addresses to sign up, or --phone NUMBER --name NAME for a member with a phone.")
    town = on.town
    who = town_ambassador(town, on.account)
    added, receipt = town.add_members(who, addresses)
    count = town.registry.functions.memberCount().call()
    on.done(
        {
            "added": added,
            "skipped": len(set(addresses)) - len(added),
            "memberCount": count,
            "receipt": as_dict(receipt),
        },
        (
            f"Signed up {numbered(len(added), 'member')}"
            if added
            else "Nobody new: every address given is a member already"
        )
        + (f" ({len(set(addresses)) - len(added)} already were)" if added and len(set(addresses)) > len(added) else "")
        + f"; the town has {numbered(count, 'member')}.",
    )


@town_command(members_app, "remove", signs=True)
def members_remove(on: OnTown, address: Annotated[str, typer.Argument(help="The member to remove.")]) -> None:
    """Remove a member (the Town Ambassador). Profit already earned stays claimable."""
    town = on.town
    who = town_ambassador(town, on.account)
    receipt = town.remove_member(who, address)
    count = town.registry.functions.memberCount().call()
    on.done(
        {"removed": address, "memberCount": count, "receipt": as_dict(receipt)},
        f"Removed {address}; the town has {numbered(count, 'member')}.",
    )


@town_command(members_app, "list")
def members_list(on: OnTown) -> None:
    """The current members, in the order they joined, with their INFINITY."""
    town = on.town
    members = town.members()
    for m in members:
        m["infinity"] = town.infinity.functions.balanceOf(m["address"]).call()
    if on.as_json:
        emit_json({"memberCount": len(members), "members": members})
        return
    table = Table("#", "member", "joined", "INF", title=f"{town.name}: {numbered(len(members), 'member')}")
    zone = town.record.timeZone
    for n, m in enumerate(members, 1):
        joined = when(town.block_time(int(m["joinedBlock"])), zone)  # a date in the town's time zone, not a block
        table.add_row(str(n), m["address"], joined, money(m["infinity"], 18, "INF"))
    console.print(table)


@town_command(members_app, "show")
def members_show(
    on: OnTown, address: Annotated[str, typer.Argument(help="Any address: a member, an investor or both.")]
) -> None:
    """One address: membership, INFINITY, shares per business, claimable profit, refunds due."""
    town = on.town
    view = town.member(address)
    if on.as_json:
        emit_json(view)
        return
    status = "a member" if view["member"] else "not a member"
    owed = [
        money(amount, town.asset_decimals(asset), town.asset_symbol(asset))
        for asset, amount in view["claimable"].items()
        if amount
    ]
    owed += [
        f"{money(int(p['amount']), town.asset_decimals(p['asset']), town.asset_symbol(p['asset']))} "
        f"as an investor in #{p['businessId']} {p['symbol']}"
        for p in view["claimableAsInvestor"]
    ]
    console.print(
        f"{view['address']} is {status} ({view['tier']} tier): {money(view['infinity'], 18, 'INF')}; "
        f"profit claimable: {', '.join(owed) if owed else 'none'}."
    )
    for s in view["shares"]:
        console.print(f"  {s['shares']:,} shares of #{s['businessId']} {s['symbol']} ({s['phase']})")
    for r in view["refundsDue"]:
        due = money(r["amount"], town.asset_decimals(r["asset"]), town.asset_symbol(r["asset"]))
        console.print(f"  refund due from #{r['businessId']}: {due}")


@town_command(members_app, "card")
def members_card(
    on: OnTown,
    address: Annotated[str, typer.Argument(help="The member's address (dev:N on the development chain).")],
    page_url: Annotated[
        str | None,
        typer.Option(
            "--page-url",
            help="The town page's address as members reach it (its bridge); default the page the town published "
            "on chain (the plan's page_url), else this machine's bridge.",
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Where to write the card; default card-<address>.html.")
    ] = None,
) -> None:
    """Write a member's printable card (the Town Ambassador hands it out): the town, the address, and a QR code of
    the member's page, which opens on their INF, profit and history."""
    from ..card import member_card

    town = on.town
    who = town.address(address, "member")
    if not town.registry.functions.isMember(who).call():
        raise ConfigError(f"{who} is not a member of {town.name}: sign them up first (`ost members add`).")
    published = str(town.registry.functions.townPage().call() or "")
    page_url = page_url or published or DEFAULT_BRIDGE_URL
    path = out or Path.cwd() / f"card-{who[:10]}.html"
    path.write_text(member_card(town.name, who, page_url))
    link = f"{page_url.rstrip('/')}/m/{who}"
    host = (urlsplit(page_url).hostname or "").lower()
    local = host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")
    warning = (
        f" Its code opens {link}, which works on this machine only: give --page-url the town page's public "
        "address (or publish it as the plan's page_url) before printing cards for members."
        if local
        else ""
    )
    on.done(
        {"address": who, "card": str(path), "link": link, "localOnly": local},
        f"The card of {who} is in {path}: print it.{warning}",
    )


@town_command(members_app, "recover", signs=True)
def members_recover(
    on: OnTown,
    lost: Annotated[str, typer.Argument(help="The member's lost address.")],
    new: Annotated[str, typer.Argument(help="The member's new, fresh address.")],
    confirm: Annotated[bool, typer.Option("--confirm", help="The Country Ambassador's step: confirm, move.")] = False,
) -> None:
    """Move a member who lost their wallet to a new address: the Town Ambassador proposes, then the
    Country Ambassador confirms with --confirm, which moves membership, INF, shares, unclaimed profit
    and refund rights."""
    town = on.town
    if not confirm:
        who = town_ambassador(town, on.account)
        receipt = town.propose_recovery(who, lost, new)
        on.done(
            {**town.recovery(lost), "receipt": as_dict(receipt)},
            f"Proposed moving {lost} to {new}. The Country Ambassador confirms with "
            f"`ost members recover {lost} {new} --confirm`.",
        )
        return
    who = country_ambassador(town, on.account)
    receipt = town.confirm_recovery(who, lost, new)
    moved = town.sweep_recovery(who, lost)
    shares = ", ".join(f"{n:,} {s}" for s, n in moved["shares"].items()) or "no shares"
    on.done(
        {**town.recovery(lost), "moved": moved, "receipt": as_dict(receipt)},
        f"{lost} is now {new}: membership, {money(moved['infinity'], 18, 'INF')}, {shares}, unclaimed "
        f"profit and refund rights moved. The old address is refused from now on.",
    )


# ── residents ──

residents_app = typer.Typer(help="Country residents, verified by the Country Ambassador.", no_args_is_help=True)


@town_command(residents_app, "list")
def residents_list(on: OnTown) -> None:
    """Every verified country resident now."""
    town = on.town
    found = town.residents()
    if on.as_json:
        emit_json(found)
        return
    console.print(
        f"{numbered(len(found), 'country resident')} of {town.name}:" if found else "No country residents yet."
    )
    for address in found:
        console.print(f"  {address}")


@town_command(residents_app, "set", signs=True)
def residents_set(
    on: OnTown,
    addresses: Annotated[list[str], typer.Argument(help="Addresses verified as living in the country.")],
    unset: Annotated[bool, typer.Option("--unset", help="Withdraw the verification instead.")] = False,
) -> None:
    """Mark addresses as country residents (the Country Ambassador), or with --unset no longer."""
    town = on.town
    who = country_ambassador(town, on.account)
    receipts = town.set_residents(who, addresses, not unset)
    on.done(
        {"resident": not unset, "changed": len(receipts), "receipts": as_dict(receipts)},
        f"{numbered(len(receipts), 'address', 'addresses')} {'no longer' if unset else 'now'} country residents.",
    )

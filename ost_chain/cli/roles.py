"""Commands for every role: members, residents, rewards, redemptions, sales and profits.

Each command opens the town named by its manifest on a chain (by default the one `ost up` keeps
on 127.0.0.1:8545), resolves the account that signs and calls one :class:`~ost_chain.townclient.Town`
method; the output is a sentence, a table or, with ``--json``, an object for scripts.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from eth_account.signers.local import LocalAccount
from rich.table import Table

from ..client import ChainClient
from ..enums import NATIVE
from ..exceptions import ChainError
from ..network import DEFAULT_RPC_URL, find_manifest, resolve_signer
from ..townclient import Reward, Town, as_dict
from ..units import format_amount, parse_amount
from ._common import JsonOutput, console, emit_json, time_left

RoleRpc = Annotated[
    str | None,
    typer.Option("--rpc-url", envvar="OST_RPC_URL", help=f"JSON-RPC URL of the chain; default {DEFAULT_RPC_URL}."),
]
ManifestFile = Annotated[
    Path | None,
    typer.Option("--manifest", envvar="OST_MANIFEST", help="The town's manifest; default: the one deployed here."),
]
Account = Annotated[
    str | None,
    typer.Option("--account", envvar="OST_ACCOUNT",
                 help="Keystore of the signing account, or dev:N on the development chain."),
]  # fmt: skip
Business = Annotated[str, typer.Argument(help="The business: its number or its share symbol.")]
Asset = Annotated[str, typer.Option("--asset", help="Payment asset: an ERC-20 address; default the native coin.")]


def open_town(rpc_url: str | None, manifest: Path | None) -> Town:
    """The town of ``manifest`` (or the one deployed from this folder) on ``rpc_url``."""
    url = rpc_url or os.environ.get("OST_RPC_URL") or DEFAULT_RPC_URL
    try:
        client = ChainClient.connect(url)
    except ChainError:
        raise ChainError(f"Cannot reach a chain at {url}: start one with `ost up`, or pass --rpc-url.") from None
    return Town.load(client, manifest or find_manifest(Path.cwd(), client.chain_id))


def signer(town: Town, account: str | None, role: str = "", holder: str | None = None) -> LocalAccount:
    return resolve_signer(town.client.chain_id, account, holder, role=role)


def _done(as_json: bool, data: dict[str, Any], sentence: str) -> None:
    if as_json:
        emit_json(data)
    else:
        console.print(sentence)


# ── members ──

members_app = typer.Typer(help="Sign up and remove members; list them.", no_args_is_help=True)


@members_app.command("add")
def members_add(
    addresses: Annotated[list[str], typer.Argument(help="Addresses to sign up.")],
    rpc_url: RoleRpc = None, manifest: ManifestFile = None, account: Account = None, as_json: JsonOutput = False,
) -> None:  # fmt: skip
    """Sign up members (the Town Ambassador); those already members are skipped."""
    town = open_town(rpc_url, manifest)
    who = signer(town, account, "Town Ambassador", town.roles.get("townAmbassador"))
    added, receipt = town.add_members(who, addresses)
    count = town.registry.functions.memberCount().call()
    _done(as_json, {"added": added, "skipped": len(set(addresses)) - len(added), "memberCount": count,
                    "receipt": as_dict(receipt)},
          f"Signed up {len(added)} member(s); the town has {count}.")  # fmt: skip


@members_app.command("remove")
def members_remove(
    address: Annotated[str, typer.Argument(help="The member to remove.")],
    rpc_url: RoleRpc = None, manifest: ManifestFile = None, account: Account = None, as_json: JsonOutput = False,
) -> None:  # fmt: skip
    """Remove a member (the Town Ambassador). Profit already earned stays claimable."""
    town = open_town(rpc_url, manifest)
    who = signer(town, account, "Town Ambassador", town.roles.get("townAmbassador"))
    receipt = town.remove_member(who, address)
    count = town.registry.functions.memberCount().call()
    _done(as_json, {"removed": address, "memberCount": count, "receipt": as_dict(receipt)},
          f"Removed {address}; the town has {count} members.")  # fmt: skip


@members_app.command("list")
def members_list(rpc_url: RoleRpc = None, manifest: ManifestFile = None, as_json: JsonOutput = False) -> None:
    """The current members, in the order they joined, with their INFINITY."""
    town = open_town(rpc_url, manifest)
    members = town.members()
    for m in members:
        m["infinity"] = town.infinity.functions.balanceOf(m["address"]).call()
    if as_json:
        emit_json({"memberCount": len(members), "members": members})
        return
    table = Table("#", "member", "joined in block", "INF", title=f"{town.name}: {len(members)} members")
    for n, m in enumerate(members, 1):
        table.add_row(str(n), m["address"], str(m["joinedBlock"]), format_amount(m["infinity"], 18))
    console.print(table)


@members_app.command("show")
def members_show(
    address: Annotated[str, typer.Argument(help="Any address: a member, an investor or both.")],
    rpc_url: RoleRpc = None, manifest: ManifestFile = None, as_json: JsonOutput = False,
) -> None:  # fmt: skip
    """One address: membership, INFINITY, shares per business, claimable profit, refunds due."""
    town = open_town(rpc_url, manifest)
    view = town.member(address)
    if as_json:
        emit_json(view)
        return
    status = "a member" if view["member"] else "not a member"
    console.print(f"{view['address']} is {status} ({view['tier']} tier): {format_amount(view['infinity'], 18)} INF, "
                  f"{format_amount(view['claimable'][NATIVE], 18)} profit claimable (native coin).")  # fmt: skip
    for s in view["shares"]:
        console.print(f"  {s['shares']:,} shares of #{s['businessId']} {s['symbol']} ({s['phase']})")
    for r in view["refundsDue"]:
        console.print(f"  refund due from #{r['businessId']}: {r['amount']} (smallest unit of {r['asset']})")


@members_app.command("recover")
def members_recover(
    lost: Annotated[str, typer.Argument(help="The member's lost address.")],
    new: Annotated[str, typer.Argument(help="The member's new, fresh address.")],
    confirm: Annotated[bool, typer.Option("--confirm", help="The Country Ambassador's step: confirm, move.")] = False,
    rpc_url: RoleRpc = None, manifest: ManifestFile = None, account: Account = None, as_json: JsonOutput = False,
) -> None:  # fmt: skip
    """Move a member who lost their wallet to a new address: the Town Ambassador proposes, then the
    Country Ambassador confirms with --confirm, which moves membership, INF, shares, unclaimed profit
    and refund rights."""
    town = open_town(rpc_url, manifest)
    if not confirm:
        who = signer(town, account, "Town Ambassador", town.roles.get("townAmbassador"))
        receipt = town.propose_recovery(who, lost, new)
        _done(as_json, {**town.recovery(lost), "receipt": as_dict(receipt)},
              f"Proposed moving {lost} to {new}. The Country Ambassador confirms with "
              f"`ost members recover {lost} {new} --confirm`.")  # fmt: skip
        return
    who = signer(town, account, "Country Ambassador", town.roles.get("countryAmbassador"))
    receipt = town.confirm_recovery(who, lost, new)
    moved = town.sweep_recovery(who, lost)
    shares = ", ".join(f"{n:,} {s}" for s, n in moved["shares"].items()) or "no shares"
    _done(as_json, {**town.recovery(lost), "moved": moved, "receipt": as_dict(receipt)},
          f"{lost} is now {new}: membership, {format_amount(moved['infinity'], 18)} INF, {shares}, unclaimed "
          f"profit and refund rights moved. The old address is refused from now on.")  # fmt: skip


# ── residents ──

residents_app = typer.Typer(help="Country residents, verified by the Country Ambassador.", no_args_is_help=True)


@residents_app.command("set")
def residents_set(
    addresses: Annotated[list[str], typer.Argument(help="Addresses verified as living in the country.")],
    unset: Annotated[bool, typer.Option("--unset", help="Withdraw the verification instead.")] = False,
    rpc_url: RoleRpc = None, manifest: ManifestFile = None, account: Account = None, as_json: JsonOutput = False,
) -> None:  # fmt: skip
    """Mark addresses as country residents (the Country Ambassador), or with --unset no longer."""
    town = open_town(rpc_url, manifest)
    who = signer(town, account, "Country Ambassador", town.roles.get("countryAmbassador"))
    receipts = town.set_residents(who, addresses, not unset)
    _done(as_json, {"resident": not unset, "changed": len(receipts), "receipts": as_dict(receipts)},
          f"{len(receipts)} address(es) {'no longer' if unset else 'now'} country residents.")  # fmt: skip


# ── INFINITY ──


def reward_command(
    member: Annotated[str, typer.Argument(help="The member who worked.")],
    minutes: Annotated[int, typer.Option("--minutes", min=1, max=1440, help="Minutes worked.")],
    project: Annotated[int, typer.Option("--project", help="The community project's id.")],
    participation: Annotated[str, typer.Option("--id", help="The participation's unique id (any text).")],
    rpc_url: RoleRpc = None, manifest: ManifestFile = None, account: Account = None, as_json: JsonOutput = False,
) -> None:  # fmt: skip
    """Reward a participation a coordinator confirmed: INFINITY for the minutes worked, once per id."""
    town = open_town(rpc_url, manifest)
    coordinators = town.roles.get("coordinators") or [None]
    who = signer(town, account, "coordinator", coordinators[0])
    minted, receipt = town.reward(who, Reward(member, minutes, participation, project))
    _done(as_json, {"member": member, "participationId": participation, "minted": minted,
                    "receipt": as_dict(receipt)},
          f"Rewarded {member}: {format_amount(minted, 18)} INF for {minutes} minutes (tx {receipt.tx}).")  # fmt: skip


def redeem_command(
    amount: Annotated[str, typer.Argument(help="INF to exchange, e.g. 1 or 2.5.")],
    basket: Annotated[str, typer.Option("--basket", help="What the basket held.")],
    redemption: Annotated[str, typer.Option("--id", help="The redemption's unique id (any text).")],
    rpc_url: RoleRpc = None, manifest: ManifestFile = None, account: Account = None, as_json: JsonOutput = False,
) -> None:  # fmt: skip
    """Exchange the member's INFINITY for a basket: the tokens are burnt and the basket recorded."""
    town = open_town(rpc_url, manifest)
    who = signer(town, account, "member")
    units = parse_amount(amount, 18, "INF amount")
    receipt = town.redeem(who, units, redemption, basket)
    left = town.infinity.functions.balanceOf(who.address).call()
    _done(as_json, {"member": who.address, "redeemed": units, "balance": left, "basket": basket,
                    "receipt": as_dict(receipt)},
          f"{who.address} exchanged {amount} INF for a basket ({basket}); "
          f"{format_amount(left, 18)} INF left.")  # fmt: skip


# ── sales ──

sale_app = typer.Typer(help="Share sales: status, buy, advance, finalize, refund.", no_args_is_help=True)


@sale_app.command("status")
def sale_status(
    business: Annotated[str | None, typer.Argument(help="Number or symbol; default every business.")] = None,
    address: Annotated[str | None, typer.Option("--address", help="Say whether this address may buy now.")] = None,
    rpc_url: RoleRpc = None, manifest: ManifestFile = None, as_json: JsonOutput = False,
) -> None:  # fmt: skip
    """Phase, shares sold against the minimum and the offer, price and time left."""
    town = open_town(rpc_url, manifest)
    sales = [town.sale_status(business)] if business is not None else town.sales()
    rows: list[dict[str, Any]] = []
    for s in sales:
        row = as_dict(s)
        if address is not None:
            row["eligibility"] = as_dict(town.eligibility(s.business_id, address))
        rows.append(row)
    if as_json:
        emit_json(rows[0] if business is not None else rows)
        return
    table = Table("#", "business", "symbol", "phase", "sold / minimum / offered", "price", "time left")
    for s in sales:
        decimals = town.asset_decimals(s.asset)
        unit = "" if s.asset == NATIVE else f" ({s.asset[:8]}…)"
        table.add_row(str(s.business_id), s.name, s.symbol, s.phase + (" (final)" if s.finalized else ""),
                      f"{s.sold:,} / {s.minimum:,} / {s.offered:,}", format_amount(s.price, decimals) + unit,
                      time_left(s.phase_ends_in))  # fmt: skip
    console.print(table)
    for row in rows:
        if "eligibility" in row:
            console.print(f"#{row['business_id']}: {address} {row['eligibility']['sentence']}.")


@sale_app.command("buy")
def sale_buy(
    business: Business,
    shares: Annotated[int, typer.Argument(min=1, help="How many shares.")],
    rpc_url: RoleRpc = None, manifest: ManifestFile = None, account: Account = None, as_json: JsonOutput = False,
) -> None:  # fmt: skip
    """Buy shares in the sale's current phase, if the buyer may; pays (or approves) the price."""
    town = open_town(rpc_url, manifest)
    who = signer(town, account, "buyer")
    cost, receipt = town.buy(who, business, shares)
    status = town.sale_status(business)
    paid = format_amount(cost, town.asset_decimals(status.asset))
    _done(as_json, {"buyer": who.address, "businessId": status.business_id, "shares": shares, "cost": cost,
                    "sold": status.sold, "phase": status.phase, "receipt": as_dict(receipt)},
          f"{who.address} bought {shares:,} shares of {status.symbol} for {paid}; "
          f"{status.sold:,} of {status.offered:,} sold.")  # fmt: skip


@sale_app.command("advance")
def sale_advance(
    business: Business,
    rpc_url: RoleRpc = None, manifest: ManifestFile = None, account: Account = None, as_json: JsonOutput = False,
) -> None:  # fmt: skip
    """End the current phase now (the Town Ambassador): open the sale, or move to the next phase."""
    town = open_town(rpc_url, manifest)
    who = signer(town, account, "Town Ambassador", town.roles.get("townAmbassador"))
    phase, receipt = town.advance(who, business)
    _done(as_json, {"businessId": town.business_id(business), "phase": phase, "receipt": as_dict(receipt)},
          f"Business {business} is now in the {phase} phase.")  # fmt: skip


@sale_app.command("finalize")
def sale_finalize(
    business: Business,
    rpc_url: RoleRpc = None, manifest: ManifestFile = None, account: Account = None, as_json: JsonOutput = False,
) -> None:  # fmt: skip
    """Settle a closed sale (anyone): pay the treasury and unlock the shares, or open refunds."""
    town = open_town(rpc_url, manifest)
    who = signer(town, account, "Town Ambassador (anyone may)", town.roles.get("townAmbassador"))
    succeeded, receipt = town.finalize(who, business)
    outcome = "succeeded; the treasury is paid" if succeeded else "failed; buyers may take refunds"
    _done(as_json, {"businessId": town.business_id(business), "succeeded": succeeded, "receipt": as_dict(receipt)},
          f"Business {business}: the raise {outcome}.")  # fmt: skip


@sale_app.command("refund")
def sale_refund(
    business: Business,
    rpc_url: RoleRpc = None, manifest: ManifestFile = None, account: Account = None, as_json: JsonOutput = False,
) -> None:  # fmt: skip
    """Take back what the buyer paid into a failed sale."""
    town = open_town(rpc_url, manifest)
    who = signer(town, account, "buyer")
    amount, receipt = town.refund(who, business)
    _done(as_json, {"buyer": who.address, "businessId": town.business_id(business), "refunded": amount,
                    "receipt": as_dict(receipt)},
          f"Refunded {amount} (smallest unit) to {who.address}.")  # fmt: skip


# ── profits ──

profit_app = typer.Typer(help="Profits: deposit, claim, show.", no_args_is_help=True)


@profit_app.command("deposit")
def profit_deposit(
    business: Business,
    amount: Annotated[str, typer.Argument(help="Net profit in whole units of the asset, e.g. 2.5.")],
    asset: Asset = NATIVE,
    rpc_url: RoleRpc = None, manifest: ManifestFile = None, account: Account = None, as_json: JsonOutput = False,
) -> None:  # fmt: skip
    """Deposit a business's net profit, to be split equally among the members."""
    town = open_town(rpc_url, manifest)
    who = signer(town, account, "business treasury")
    units = parse_amount(amount, town.asset_decimals(asset), "profit")
    receipt = town.deposit(who, business, units, asset)
    pool = town.pool(asset)
    _done(as_json, {"businessId": town.business_id(business), "asset": asset, "amount": units, "pool": pool,
                    "receipt": as_dict(receipt)},
          f"Deposited {amount} from business {business}; each member's running share is now "
          f"{format_amount(pool['perMemberTotal'], town.asset_decimals(asset))}.")  # fmt: skip


@profit_app.command("claim")
def profit_claim(
    asset: Asset = NATIVE,
    rpc_url: RoleRpc = None, manifest: ManifestFile = None, account: Account = None, as_json: JsonOutput = False,
) -> None:  # fmt: skip
    """Claim the member's equal share of the profits deposited so far."""
    town = open_town(rpc_url, manifest)
    who = signer(town, account, "member")
    amount, receipt = town.claim(who, asset)
    _done(as_json, {"member": who.address, "asset": asset, "claimed": amount, "receipt": as_dict(receipt)},
          f"{who.address} claimed {format_amount(amount, town.asset_decimals(asset))}.")  # fmt: skip


@profit_app.command("show")
def profit_show(
    address: Annotated[str | None, typer.Argument(help="Also show this member's claimable and claimed.")] = None,
    asset: Asset = NATIVE,
    rpc_url: RoleRpc = None, manifest: ManifestFile = None, as_json: JsonOutput = False,
) -> None:  # fmt: skip
    """Profit deposited, each member's running share, and a member's claimable amount."""
    town = open_town(rpc_url, manifest)
    data = town.profits(address, asset)
    if as_json:
        emit_json(data)
        return
    d = town.asset_decimals(asset)
    console.print(f"{format_amount(data['deposited'], d)} deposited; {format_amount(data['perMemberTotal'], d)} per "
                  f"member so far; {format_amount(data['carried'], d)} carried to the next split; "
                  f"{data['members']} members.")  # fmt: skip
    if address is not None:
        console.print(f"{data['address']}: {format_amount(data['claimable'], d)} claimable, "
                      f"{format_amount(data['claimed'], d)} claimed.")  # fmt: skip

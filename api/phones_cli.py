"""`ost api phones …` and `ost api sms list`: phone members and their SMS, in the bridge's database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ost_chain.cli.options import Account, JsonOutput, ManifestFile, RpcUrl, console, done, emit_json
from ost_chain.cli.options import country_ambassador as country_signer
from ost_chain.cli.options import town_ambassador as town_signer
from ost_chain.settings import Settings
from ost_chain.townclient import Town

phones_app = typer.Typer(
    help="Members with a feature phone: custodial accounts the bridge holds.", no_args_is_help=True
)
sms_app = typer.Typer(help="SMS receipts to phone members: the outbox.", no_args_is_help=True)

Phone = Annotated[str, typer.Argument(help="The member's phone number, e.g. +27821234567.")]
Database = Annotated[
    str | None,
    typer.Option("--database-url", envvar="OST_BRIDGE__DATABASE_URL", help="The bridge's database URL."),
]


def _opened(manifest: Path | None, rpc_url: str | None, database_url: str | None) -> tuple[Any, Town, Settings]:
    from .cli import _settings
    from .db import make_engine, sessions

    settings, town = _settings(manifest, rpc_url, database_url)
    return sessions(make_engine(settings.bridge.database()))(), town, settings


def sign_up_by_phone(
    phone: str, name: str, rpc_url: str | None, manifest: Path | None, account: str | None, database_url: str | None
) -> dict[str, Any]:
    """Sign up a member by phone number (the Town Ambassador): its custodial key made and held by the bridge."""
    from .custody import vault_for
    from .phones import sign_up

    session, town, settings = _opened(manifest, rpc_url, database_url)
    vault = vault_for(settings.bridge, town.client.chain_id)
    with session:
        row, new = sign_up(session, vault, town, town_signer(town, account), phone, name, settings.bridge.phone_region)
        return {"phone": row.phone, "address": row.address, "name": row.name, "new": new}


@phones_app.command("add")
def phones_add(
    phone: Phone,
    name: Annotated[str, typer.Option("--name", help="The member's name, shown to who sends them INF.")],
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    account: Account = None,
    database_url: Database = None,
    as_json: JsonOutput = False,
) -> None:
    """Sign up a member by phone number (the Town Ambassador): the bridge holds its key; the member dials in."""
    added = sign_up_by_phone(phone, name, rpc_url, manifest, account, database_url)
    done(
        as_json,
        added,
        f"{added['name']} ({added['phone']}) is a member, at {added['address']}: at the first dial they choose a "
        "language and a PIN."
        if added["new"]
        else f"{added['phone']} was signed up already, at {added['address']}.",
    )


@phones_app.command("list")
def phones_list(
    rpc_url: RpcUrl = None, manifest: ManifestFile = None, database_url: Database = None, as_json: JsonOutput = False
) -> None:
    """Phone members: number, name, address, language, whether a PIN is set or the account is locked."""
    from .custody import PIN_TRIES
    from .phones import listed

    session, _, _ = _opened(manifest, rpc_url, database_url)
    with session:
        rows = [
            {
                "phone": r.phone,
                "name": r.name,
                "address": r.address,
                "language": r.language,
                "pin": "locked" if r.pin_failures >= PIN_TRIES else ("set" if r.pin_hash else "not yet"),
            }
            for r in listed(session)
        ]
    _rows(rows, {"phone": "phone", "name": "name", "address": "address", "language": "language", "pin": "PIN"}, as_json)


@phones_app.command("reset-pin")
def phones_reset_pin(
    phone: Phone,
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    account: Account = None,
    database_url: Database = None,
    as_json: JsonOutput = False,
) -> None:
    """Unlock a phone member after three wrong PINs (the Town Ambassador): a new PIN is chosen at the next dial."""
    from .phones import reset_pin

    session, town, settings = _opened(manifest, rpc_url, database_url)
    with session:
        row = reset_pin(session, town, town_signer(town, account), phone, settings.bridge.phone_region)
        done(as_json, {"phone": row.phone}, f"{row.phone} is unlocked: the member chooses a new PIN at the next dial.")


@phones_app.command("move")
def phones_move(
    old: Annotated[str, typer.Argument(help="The lost SIM's number.")],
    new: Annotated[str, typer.Argument(help="The member's new number.")],
    confirm: Annotated[bool, typer.Option("--confirm", help="The Country Ambassador confirms the proposal.")] = False,
    rpc_url: RpcUrl = None,
    manifest: ManifestFile = None,
    account: Account = None,
    database_url: Database = None,
    as_json: JsonOutput = False,
) -> None:
    """A lost SIM: the Town Ambassador proposes moving the account to a new number; the Country Ambassador confirms
    (--confirm). From then on the old number is refused."""
    from .phones import confirm_move, propose_move

    session, town, settings = _opened(manifest, rpc_url, database_url)
    region = settings.bridge.phone_region
    with session:
        if confirm:
            row = confirm_move(session, town, country_signer(town, account), old, new, region)
            done(as_json, {"phone": row.phone, "address": row.address}, f"The account now answers {row.phone}.")
            return
        move = propose_move(session, town, town_signer(town, account), old, new, region)
        done(
            as_json,
            {"old": move.old_phone, "new": move.new_phone},
            f"Proposed: {move.old_phone} → {move.new_phone}. The Country Ambassador confirms with "
            f"`ost api phones move {move.old_phone} {move.new_phone} --confirm`.",
        )


@sms_app.command("list")
def sms_list(
    rpc_url: RpcUrl = None, manifest: ManifestFile = None, database_url: Database = None, as_json: JsonOutput = False
) -> None:
    """The SMS outbox: what was sent, and what waits (for a gateway, when none is configured)."""
    from sqlalchemy import select

    from .db import Sms

    session, _, _ = _opened(manifest, rpc_url, database_url)
    with session:
        rows = [
            {
                "phone": s.phone,
                "status": s.status,
                "body": s.body,
                "created": s.created_at.isoformat(timespec="seconds"),
            }
            for s in session.scalars(select(Sms).order_by(Sms.id))
        ]
    _rows(rows, {"created": "created", "phone": "phone", "status": "status", "body": "message"}, as_json)


def _rows(rows: list[dict[str, Any]], columns: dict[str, str], as_json: bool) -> None:
    """``rows`` as JSON, or as a table of ``columns`` (key → heading)."""
    if as_json:
        emit_json(rows)
        return
    table = Table(*columns.values())
    for row in rows:
        table.add_row(*(str(row[key] or "") for key in columns))
    console.print(table)

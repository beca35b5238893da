"""`ost api sms list`: the SMS receipts to phone members, from the bridge's outbox (the operator's view).

The ambassadors manage phone members with `ost phones …`, through the bridge (ost_chain.phones)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from ost_chain.cli.options import JsonOutput, ManifestFile, RpcUrl, console, emit_json

sms_app = typer.Typer(help="SMS receipts to phone members: the outbox.", no_args_is_help=True)

Database = Annotated[
    str | None,
    typer.Option("--database-url", envvar="OST_BRIDGE__DATABASE_URL", help="The bridge's database URL."),
]


@sms_app.command("list")
def sms_list(
    rpc_url: RpcUrl = None, manifest: ManifestFile = None, database_url: Database = None, as_json: JsonOutput = False
) -> None:
    """The SMS outbox: what was sent, and what waits (for a gateway, when none is configured)."""
    from sqlalchemy import select

    from .cli import _settings
    from .db import Sms, make_engine, sessions
    from .settings import operator_database

    settings, _ = _settings(manifest, rpc_url, database_url)
    with sessions(make_engine(operator_database(settings)))() as session:
        rows = [
            {
                "created": s.created_at.isoformat(timespec="seconds"),
                "phone": s.phone,
                "status": s.status,
                "body": s.body,
            }
            for s in session.scalars(select(Sms).order_by(Sms.id))
        ]
    if as_json:
        emit_json(rows)
        return
    table = Table("created", "phone", "status", "message")
    for row in rows:
        table.add_row(*(str(value) for value in row.values()))
    console.print(table)

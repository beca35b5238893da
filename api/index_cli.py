"""`ost api index rebuild`: the bridge's index of its town's events, read again from the chain."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ost_chain.artifacts import Artifacts
from ost_chain.cli.options import JsonOutput, ManifestFile, RpcUrl, console, emit_json
from ost_chain.townclient import NotAllowed, Town
from ost_chain.units import money

from .index.service import TownIndex

index_app = typer.Typer(
    help="The bridge's index of its town's events: every read of the town's history is served from it.",
    no_args_is_help=True,
)
Database = Annotated[
    str | None,
    typer.Option("--database-url", envvar="OST_BRIDGE__DATABASE_URL", help="SQLAlchemy URL of the bridge's database."),
]


def _index(manifest: Path | None, rpc_url: str | None, database_url: str | None) -> tuple[TownIndex, Town]:
    from .cli import _settings
    from .db import make_engine, sessions
    from .settings import operator_database

    settings, town = _settings(manifest, rpc_url, database_url)
    make = sessions(make_engine(operator_database(settings)))
    return TownIndex(make, settings.chain_url, town.record, Artifacts(settings.build_dir), settings.bridge), town


@index_app.command("rebuild")
def index_rebuild(
    manifest: ManifestFile = None,
    rpc_url: RpcUrl = None,
    database_url: Database = None,
    as_json: JsonOutput = False,
) -> None:
    """Forget the index and read the town's events into it again from its first block. A bridge that is following
    the chain into the same database holds the index's lease: stop it first (this refuses while it runs)."""
    index, town = _index(manifest, rpc_url, database_url)
    held, _ = index.lease.hold()
    if not held:
        raise NotAllowed("A bridge is following the chain into this index now: stop it first, then rebuild.")
    try:
        steps = index.rebuild()
        head = town.client.w3.eth.block_number
        lag, figures = index.lag(head), index.reader.figures()
    finally:
        index.lease.release()
    answer = {"indexedBlock": lag.indexed, "head": head, "steps": steps, **figures}
    if as_json:
        emit_json(answer)
        return
    console.print(
        f"The index of {town.name} was read again from the chain, up to block {lag.indexed or 0:,} (the head is "
        f"{head:,}): "
        f"{figures['members']:,} members, {money(figures['infinityIssued'], 18, 'INF')} issued."
    )

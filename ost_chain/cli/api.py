"""`ost api`: serve the bridge for a deployed town; `ost api keys create|list|revoke` for coordinators' keys."""

from __future__ import annotations

import faulthandler
import logging
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from ..exceptions import ConfigError
from ..network import find_manifest
from ..townclient import Town
from ._common import JsonOutput, console, emit_json
from .roles import ManifestFile, RoleRpc, open_town

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from api.settings import BridgeSettings

api_app = typer.Typer(help="The bridge: an HTTP API through which coordinators mint INFINITY.")
keys_app = typer.Typer(help="Coordinators' API keys (stored as hashes; a key is shown once).", no_args_is_help=True)
api_app.add_typer(keys_app, name="keys")

Database = Annotated[
    str | None,
    typer.Option("--database-url", envvar="OST_DATABASE_URL",
                 help="SQLAlchemy URL of the bridge's queue; default a SQLite file beside the manifest."),
]  # fmt: skip


def _settings(manifest: Path | None, rpc_url: str | None, database_url: str | None,
              relayer: str | None = None) -> tuple[BridgeSettings, Town]:  # fmt: skip
    """The bridge's settings for the town of ``manifest`` (or the one deployed here), checked against the chain."""
    from api.settings import BridgeSettings

    town = open_town(rpc_url, manifest)
    path = manifest or find_manifest(Path.cwd(), town.client.chain_id)
    url = str(town.client.w3.provider.endpoint_uri)  # type: ignore[attr-defined]
    return BridgeSettings(manifest=path, rpc_url=url, database_url=database_url, relayer=relayer), town


@api_app.callback(invoke_without_command=True)
def serve(
    ctx: typer.Context,
    manifest: ManifestFile = None,
    rpc_url: RoleRpc = None,
    database_url: Database = None,
    relayer: Annotated[
        str | None,
        typer.Option(
            "--relayer",
            envvar="OST_RELAYER",
            help="Keystore of the relaying coordinator, or dev:N; default the plan's first coordinator "
            "on the development chain.",
        ),
    ] = None,  # fmt: skip
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the bridge (OpenAPI at /docs) until Ctrl-C."""
    if ctx.invoked_subcommand is not None:
        return
    import uvicorn

    from api import create_app

    settings, _ = _settings(manifest, rpc_url, database_url, relayer)
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1 PID` prints every thread's stack
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_app(settings)
    console.print(f"Bridge for {app.state.bridge.manifest['town']} on http://{host}:{port} (docs at /docs); "
                  f"relayer {app.state.bridge.relayer.address}.")  # fmt: skip
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _session(manifest: Path | None, rpc_url: str | None, database_url: str | None) -> tuple[Session, Town]:
    from api.db import make_engine, sessions

    settings, town = _settings(manifest, rpc_url, database_url)
    return sessions(make_engine(settings.database()))(), town


@keys_app.command("create")
def keys_create(
    coordinator: Annotated[str, typer.Argument(help="The coordinator's address (must hold COORDINATOR_ROLE).")],
    name: Annotated[str, typer.Option("--name", help="Who or what uses the key.")] = "",
    manifest: ManifestFile = None, rpc_url: RoleRpc = None, database_url: Database = None, as_json: JsonOutput = False,
) -> None:  # fmt: skip
    """Create an API key for a coordinator; it is printed once and stored only as a hash."""
    from api.keys import create_key

    session, town = _session(manifest, rpc_url, database_url)
    if not town.has_role("COORDINATOR_ROLE", coordinator):
        raise ConfigError(f"{coordinator} does not hold COORDINATOR_ROLE in {town.name}: the Town Ambassador grants "
                          "it first (a key for anyone else would be refused at every request).")  # fmt: skip
    with session:
        secret, info = create_key(session, coordinator, name or coordinator)
    if as_json:
        emit_json({**info.as_json(), "key": secret})
        return
    console.print(f"API key {info.id} for {info.coordinator}:\n\n  {secret}\n\nIt is shown only now; keep it secret.")


@keys_app.command("list")
def keys_list(manifest: ManifestFile = None, rpc_url: RoleRpc = None, database_url: Database = None,
              as_json: JsonOutput = False) -> None:  # fmt: skip
    """List the keys (never their secrets)."""
    from api.keys import list_keys

    session, _ = _session(manifest, rpc_url, database_url)
    with session:
        keys = list_keys(session)
    if as_json:
        emit_json([k.as_json() for k in keys])
        return
    table = Table("id", "coordinator", "name", "created", "revoked")
    for k in keys:
        table.add_row(k.id, k.coordinator, k.name, k.created_at.isoformat(timespec="seconds"),
                      k.revoked_at.isoformat(timespec="seconds") if k.revoked_at else "")  # fmt: skip
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key's id (the part after ost_).")],
                manifest: ManifestFile = None, rpc_url: RoleRpc = None, database_url: Database = None,
                as_json: JsonOutput = False) -> None:  # fmt: skip
    """Revoke a key: requests with it are refused from now on."""
    from api.keys import revoke_key

    session, _ = _session(manifest, rpc_url, database_url)
    with session:
        info = revoke_key(session, key_id)
    if info is None:
        raise ConfigError(f"No API key {key_id!r}.")
    if as_json:
        emit_json(info.as_json())
        return
    console.print(f"Revoked {info.id} ({info.coordinator}).")

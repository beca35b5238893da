"""`ost api`: serve the bridge for a deployed town; `ost api keys create|list|revoke` for coordinators' keys;
`ost api db upgrade|current` for the bridge database's schema."""

from __future__ import annotations

import contextlib
import faulthandler
import json
import logging
import os
import signal
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from ost_chain.cli.options import JsonOutput, ManifestFile, RpcUrl, console, emit_json, open_town
from ost_chain.enums import Role
from ost_chain.exceptions import ConfigError
from ost_chain.network import find_manifest
from ost_chain.townclient import Town

from .settings import Settings, bridge_settings, current_settings, operator_database

# Without the `api` extra there is no bridge to serve: `ost` then leaves this command out (see ost_chain.plugins).
for _needed in ("fastapi", "sqlalchemy", "uvicorn"):
    if find_spec(_needed) is None:
        raise ModuleNotFoundError(f"No module named {_needed!r}", name=_needed)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


api_app = typer.Typer(help="The bridge: an HTTP API through which coordinators mint INFINITY.")
keys_app = typer.Typer(help="Coordinators' API keys (stored as hashes; a key is shown once).", no_args_is_help=True)
api_app.add_typer(keys_app, name="keys")
db_app = typer.Typer(help="The bridge's database: its schema, migrated with Alembic.", no_args_is_help=True)
api_app.add_typer(db_app, name="db")


def _phones() -> None:
    from .index_cli import index_app
    from .phones_cli import sms_app

    api_app.add_typer(sms_app, name="sms")
    api_app.add_typer(index_app, name="index")


_phones()

Database = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="OST_BRIDGE__DATABASE_URL",
        help="SQLAlchemy URL of the bridge's queue; default a SQLite file beside the manifest.",
    ),
]


def _settings(
    manifest: Path | None,
    rpc_url: str | None,
    database_url: str | None,
    relayer: str | None = None,
    towns: list[Path] | None = None,
) -> tuple[Settings, Town]:
    """The settings for the bridge of the town of ``manifest`` (or the one deployed here), checked against the
    chain: the options given, else the environment's (``OST_BRIDGE__…``)."""
    town = open_town(rpc_url, manifest)
    path = manifest or current_settings().bridge.manifest or find_manifest(Path.cwd(), town.client.chain_id)
    url = str(town.client.w3.provider.endpoint_uri)  # type: ignore[attr-defined]
    return bridge_settings(path, url, database_url=database_url, relayer=relayer, towns=towns), town


Manifests = Annotated[
    list[Path] | None,
    typer.Option(
        "--manifest",
        envvar="OST_MANIFEST",
        help="A town's manifest (repeatable: one bridge serves each town given, the first at /v1/…, every one at "
        "/v1/towns/{slug}/…); default: the one deployed from this folder (deployments/<chain-id>/<town>.json).",
    ),
]
NetworkFolder = Annotated[
    Path | None,
    typer.Option(
        "--network",
        help="Serve every town whose manifest is in this folder (deployments/<chain-id>/: the towns of one OST "
        "network); the default town first.",
    ),
]


def _towns(manifests: list[Path] | None, network: Path | None) -> tuple[Path | None, list[Path]]:
    """The first town's manifest and the others', from repeated --manifest or a --network folder (not both)."""
    from .towns import network_manifests

    if manifests and network is not None:
        raise ConfigError("Give the towns either as --manifest (repeated) or as --network FOLDER, not both.")
    given = network_manifests(network) if network is not None else list(manifests or [])
    return (given[0] if given else None), given[1:]


@api_app.callback(invoke_without_command=True)
def serve(
    ctx: typer.Context,
    manifests: Manifests = None,
    network: NetworkFolder = None,
    rpc_url: RpcUrl = None,
    database_url: Database = None,
    relayer: Annotated[
        str | None,
        typer.Option(
            "--relayer",
            help="Keystore of the relaying coordinator, or dev:N; default the plan's first coordinator "
            "on the development chain.",
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=32,
            help="Serving processes on the port (the door is then not bound to one core); one of them, the lease's "
            "holder, runs the worker. Each paces its own callers.",
        ),
    ] = 1,
) -> None:
    """Serve the bridge (OpenAPI at /docs) until Ctrl-C."""
    if ctx.invoked_subcommand is not None:
        return
    from ost_chain._startup import loading, settled

    with loading():  # FastAPI, SQLAlchemy, uvicorn (see ost_chain._startup)
        import uvicorn

        from . import create_app

    manifest, more = _towns(manifests, network)
    settings, _ = _settings(manifest, rpc_url, database_url, relayer, more)
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1 PID` prints every thread's stack
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if workers > 1:
        _serve_processes(settings, host, port, workers)
        return
    with loading():
        app = create_app(settings)
    settled(for_long=True)  # the app, its routes and its contracts live as long as the bridge
    console.print(
        f"Bridge for {', '.join(t.manifest.town for t in app.state.bridge.towns.values())} on http://{host}:{port} "
        "(docs at /docs); "
        f"relayer {app.state.bridge.relayer.address}."
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _serve_processes(settings: Settings, host: str, port: int, workers: int) -> None:
    """``workers`` processes of the bridge on one port. What must exist once is made here first — the database at
    its newest schema, the development chain's custody secret — and each process reads its settings from the
    environment set here (uvicorn starts them afresh)."""
    import uvicorn

    from .custody import vault_for
    from .db import make_engine

    bridge = settings.bridge
    make_engine(bridge.database()).dispose()  # migrated once, before any process starts
    with contextlib.suppress(ConfigError):  # elsewhere than the development chain, each process says so itself
        vault_for(bridge, _chain_id(settings))
    os.environ.update(
        {
            "OST_RPC_URL": settings.chain_url,
            "OST_BRIDGE__MANIFEST": str(bridge.manifest),
            "OST_BRIDGE__TOWNS": json.dumps([str(p) for p in bridge.towns]),
            "OST_BRIDGE__DATABASE_URL": bridge.database(),
            **({"OST_BRIDGE__RELAYER": bridge.relayer} if bridge.relayer else {}),
        }
    )
    console.print(f"Bridge on http://{host}:{port} in {workers} processes (docs at /docs).")
    uvicorn.run("api.main:create_app", factory=True, host=host, port=port, workers=workers, log_level="warning")


def _chain_id(settings: Settings) -> int:
    from ost_chain.manifest import TownManifest

    assert settings.bridge.manifest is not None
    return TownManifest.read(settings.bridge.manifest).chainId


KeyTown = Annotated[
    Path | None,
    typer.Option(
        "--town",
        help="The town the key acts in, as its manifest (default: the town of --manifest). On a bridge of several "
        "towns the database stays the bridge's: its first town's (--manifest, as `ost api` was given it) or "
        "--database-url.",
    ),
]


def _session(
    manifest: Path | None, rpc_url: str | None, database_url: str | None, town: Path | None = None
) -> tuple[Session, Town]:
    """The bridge's database (of the town of ``manifest``: its first), and the town a key is of (``town``'s, else
    ``manifest``'s)."""
    from .db import make_engine, sessions

    settings, first = _settings(manifest, rpc_url, database_url)
    chosen = open_town(rpc_url, town) if town is not None else first
    return sessions(make_engine(operator_database(settings)))(), chosen


@keys_app.command("create")
def keys_create(
    coordinator: Annotated[
        str,
        typer.Argument(
            help="The coordinator's address, or dev:N on the development chain (must hold COORDINATOR_ROLE)."
        ),
    ],
    name: Annotated[str, typer.Option("--name", help="Who or what uses the key.")] = "",
    town_file: KeyTown = None,
    manifest: ManifestFile = None,
    rpc_url: RpcUrl = None,
    database_url: Database = None,
    as_json: JsonOutput = False,
) -> None:
    """Create an API key for a coordinator in one town (it acts there only); it is printed once and stored only as a
    hash."""
    from .keys import create_key

    session, town = _session(manifest, rpc_url, database_url, town_file)
    coordinator = town.address(coordinator, "coordinator")
    if not town.has_role(Role.COORDINATOR, coordinator):
        raise ConfigError(
            f"{coordinator} does not hold COORDINATOR_ROLE in {town.name}: the Town Ambassador grants "
            "it first (a key for anyone else would be refused at every request)."
        )
    with session:
        secret, info = create_key(session, coordinator, name or coordinator, town.registry.address)
    if as_json:
        emit_json({**info.as_json(), "key": secret})
        return
    console.print(
        f"API key {info.id} for {info.coordinator} in {town.name} (it acts in that town only):\n\n  {secret}\n\n"
        "It is shown only now; keep it secret."
    )


@keys_app.command("list")
def keys_list(
    town_file: KeyTown = None,
    manifest: ManifestFile = None,
    rpc_url: RpcUrl = None,
    database_url: Database = None,
    as_json: JsonOutput = False,
) -> None:
    """List a town's keys (never their secrets): those of --town (default: the town of --manifest)."""
    from .keys import list_keys

    session, town = _session(manifest, rpc_url, database_url, town_file)
    with session:
        keys = list_keys(session, town.registry.address)
    if as_json:
        emit_json([k.as_json() for k in keys])
        return
    table = Table("id", "coordinator", "name", "created", "revoked", title=f"API keys of {town.name}")
    for k in keys:
        table.add_row(
            k.id,
            k.coordinator,
            k.name,
            k.created_at.isoformat(timespec="seconds"),
            k.revoked_at.isoformat(timespec="seconds") if k.revoked_at else "",
        )
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (the part after ost_).")],
    town_file: KeyTown = None,
    manifest: ManifestFile = None,
    rpc_url: RpcUrl = None,
    database_url: Database = None,
    as_json: JsonOutput = False,
) -> None:
    """Revoke a key of a town (--town, default: the town of --manifest): requests with it are refused from now on."""
    from .keys import revoke_key

    session, town = _session(manifest, rpc_url, database_url, town_file)
    with session:
        revoked = revoke_key(session, key_id, town.registry.address)
    if revoked is None:
        raise ConfigError(
            f"{town.name} has no API key {key_id!r}: a key of another town is revoked with --town and that town's "
            "manifest."
        )
    info, now = revoked
    if as_json:
        emit_json({**info.as_json(), "revokedNow": now})
        return
    if not now:
        when = info.revoked_at.isoformat(timespec="seconds") if info.revoked_at else ""
        console.print(f"{info.id} ({info.coordinator}) was revoked already, at {when} UTC: nothing changed.")
        return
    console.print(f"Revoked {info.id} ({info.coordinator}).")


def _database(manifest: Path | None, rpc_url: str | None, database_url: str | None) -> tuple[str, str]:
    """The bridge database's URL, and the same with any password hidden, to print. The chain is asked only when
    neither a database URL nor a manifest is given (to find the town deployed here)."""
    from .db import shown

    bridge = current_settings().bridge
    known = bridge.model_copy(
        update={"database_url": database_url or bridge.database_url, "manifest": manifest or bridge.manifest}
    )
    if known.database_url is None and known.manifest is None:
        settings, _ = _settings(manifest, rpc_url, database_url)
        known = settings.bridge
    url = operator_database(Settings(bridge=known))
    return url, shown(url)


def _revision_of(url: str, shown: str) -> str | None:
    from sqlalchemy import create_engine
    from sqlalchemy.exc import DBAPIError

    from .db import DatabaseUnavailable, cause, database_url
    from .migrate import current

    engine = create_engine(database_url(url))
    try:
        return current(engine)
    except DBAPIError as exc:
        raise DatabaseUnavailable(
            f"The bridge's database {shown} cannot be read ({cause(exc)}): start its server, or create the "
            "database, then run the same command again."
        ) from None
    finally:
        engine.dispose()


@db_app.command("upgrade")
def db_upgrade(manifest: ManifestFile = None, rpc_url: RpcUrl = None, database_url: Database = None) -> None:
    """Migrate the bridge's database to the newest revision (the bridge also does this when it starts)."""
    from .db import make_engine

    url, shown = _database(manifest, rpc_url, database_url)
    before = _revision_of(url, shown)
    make_engine(url).dispose()  # make_engine migrates the database
    after = _revision_of(url, shown)
    was = "already " if before == after else ""
    since = "" if before == after else f" (it was at {before})" if before else " (it had no revision)"
    console.print(f"The bridge's database {shown} is {was}at revision {after}, the newest{since}.")


@db_app.command("current")
def db_current(manifest: ManifestFile = None, rpc_url: RpcUrl = None, database_url: Database = None) -> None:
    """Print the revision the bridge's database is at (the chain is not needed when the database or the manifest
    is named)."""
    from .migrate import head

    url, shown = _database(manifest, rpc_url, database_url)
    revision, newest = _revision_of(url, shown), head()
    if revision == newest:
        console.print(f"The bridge's database {shown} is at revision {revision}, the newest.")
    else:
        at = f"is at revision {revision}" if revision else "has no revision"
        console.print(
            f"The bridge's database {shown} {at}; the newest is {newest}: `ost api db upgrade` (or starting "
            "the bridge) migrates it."
        )

"""`ost up PLAN`, the main job: the embedded chain, the town deployed on it, the bridge; until Ctrl-C.

Nothing of a town already running is touched: both ports are checked before anything starts, and a folder
serves one town at a time (a lock beside its manifests, released when the process ends, however it ends).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Annotated

import typer
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress

from ..chain import DEV_CHAIN_ID, LocalChain, dev_accounts
from ..client import ChainClient
from ..enums import Role
from ..exceptions import ConfigError
from ..manifest import Manifest, manifest_path
from ..network import set_default_town
from ..ostnetwork import network_path
from ..plan import load_plan
from ..plugins import services
from ..townclient import Town
from .deploy import _deploy, _summary
from .options import console
from .up_said import hold_logs, say_what_runs


def _taken(port: int) -> bool:
    """True when something already listens on 127.0.0.1:``port`` (0 is never taken: a free port is picked)."""
    if port == 0:
        return False
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the node and uvicorn bind: TIME_WAIT is free
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _free_after(port: int, *, avoid: int = -1) -> int:
    """The first free port after ``port``."""
    for candidate in range(port + 1, min(port + 200, 65_535)):
        if candidate != avoid and not _taken(candidate):
            return candidate
    return 0


def check_ports(port: int, api_port: int) -> None:
    """Refuse at once, before deploying anything, when a port is taken, suggesting a free one."""
    if port and port == api_port:
        raise ConfigError(f"--chain-port and --api-port are both {port}: the chain and the bridge need a port each.")
    for given, option, what, other in (
        (port, "--chain-port", "the chain", api_port),
        (api_port, "--api-port", "the bridge", port),
    ):
        if _taken(given):
            raise ConfigError(
                f"Port {given} on 127.0.0.1, wanted for {what}, is taken (another `ost up`, a node or a server "
                f"listens there): stop it, or run with {option} {_free_after(given, avoid=other)}."
            )


@contextmanager
def serving_folder(root: Path) -> Iterator[None]:
    """Hold this folder's `ost up` lock: a second `ost up` here would redeploy over the running town's manifest."""
    folder = root / "deployments"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ".ost-up.lock"
    try:  # never through a symlink: a folder from elsewhere could point the lock at a file worth keeping
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        raise ConfigError(
            f"Cannot use {path} as this folder's lock ({exc.strerror}): remove it if it is a link."
        ) from None
    handle: IO[str] = os.fdopen(fd, "r+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise ConfigError(
                f"A town is already served from {root} by `ost up` (process {holder}): stop it with Ctrl-C first, "
                "or run this one in another folder."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the lock


def keep_aside(*paths: Path) -> list[Path]:
    """Files of a town set aside for a fresh start, never deleted: its manifest, bridge database (with its
    write-ahead log) and chain stay readable. Returns where they went."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    kept = []
    for current in paths:
        if not current.exists():
            continue
        folder = current.parent / "kept"  # out of the manifests' way: `ost` finds the town here unasked
        folder.mkdir(exist_ok=True)
        aside, n = folder / f"{current.stem}.{stamp}{current.suffix}", 1
        while aside.exists():  # two fresh starts in one second keep both
            n += 1
            aside = folder / f"{current.stem}.{stamp}-{n}{current.suffix}"
        for suffix in ("", "-wal", "-shm"):
            part = Path(str(current) + suffix)
            if part.exists():
                part.rename(Path(str(aside) + suffix))
        kept.append(aside)
    return kept


def recorded_block(manifest: Path) -> int:
    """The latest block the town's records (its manifest, its bridge's batches) say something happened in."""
    data = json.loads(manifest.read_text())
    blocks = [int(r.get("block") or 0) for part in ("contracts", "steps", "businesses") for r in data[part].values()]
    database = manifest.with_suffix(".bridge.sqlite")
    if database.exists():
        with contextlib.closing(sqlite3.connect(database)) as db:
            try:
                blocks.append(int(db.execute("SELECT max(block) FROM batches").fetchone()[0] or 0))
            except sqlite3.Error:
                pass  # a database from before any batch: nothing more to compare
    return max(blocks, default=0)


def _relayer_coordinates(
    client: ChainClient, record: Manifest, path: Path, signers: Mapping[ChecksumAddress, LocalAccount]
) -> list[str]:
    """The one bridge's relayer (the first town's first coordinator) made a coordinator of the town of ``path`` too,
    with the daily cap of that town's own first coordinator: it mints every town's participations sent with an API
    key, and a town where it may not would refuse them. The notes to say."""
    relayer = next(iter(record.roles().get("coordinators") or []), None)
    town = Town.load(client, path)
    if relayer is None or town.has_role(Role.COORDINATOR, relayer):
        return []
    roles = json.loads(path.read_text()).get("roles") or {}
    ambassador = signers.get(ChecksumAddress(roles.get("townAmbassador", "")))
    own = next(iter(roles.get("coordinators") or []), None)
    if ambassador is None or own is None:
        return [
            f"The bridge's relayer {relayer} is not a coordinator of {town.name}: its Town Ambassador runs `ost "
            f"coordinators add {relayer} --manifest {path}` before the bridge mints its participations."
        ]
    cap = int(town.infinity.functions.coordinatorDay(own).call()[0])
    town.set_role(ambassador, Role.COORDINATOR, relayer, held=True)
    town.set_coordinator_cap(ambassador, relayer, cap)
    return [
        f"The bridge's relayer {relayer} confirms shifts in {town.name} too (one bridge mints every town's "
        f"participations); on a real chain its Town Ambassador runs `ost coordinators add {relayer} --manifest "
        f"{path}`."
    ]


def up_command(
    plan_path: Annotated[Path, typer.Argument(help="The town plan (YAML).")] = Path("examples/town.yaml"),
    port: Annotated[
        int,
        typer.Option(
            "--chain-port", "--port", help="Port on 127.0.0.1 for the chain (--port is the old name); 0 picks one."
        ),
    ] = 8545,
    api_port: Annotated[int, typer.Option(help="Port on 127.0.0.1 for the bridge; 0 picks a free one.")] = 8000,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Start a new town instead of going on with the one last run here.")
    ] = False,
    also: Annotated[
        list[Path] | None,
        typer.Option(
            "--with",
            help="Another town's plan, deployed in the same OST network (repeatable); the bridge serves every "
            "town, PLAN's first.",
        ),
    ] = None,
) -> None:
    """The main job: start the embedded chain, deploy PLAN, serve the bridge; keep running until Ctrl-C. Run again
    in the same folder, it goes on with the same town — members, INF, sales, keys and all — applying any change
    to the plan; --fresh starts a new one (the old one's files are kept aside)."""
    check_ports(port, api_port)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    started = time.monotonic()
    root = Path.cwd()
    plan, _ = load_plan(plan_path)
    manifest = manifest_path(root, DEV_CHAIN_ID, plan.town)
    state = root / "deployments" / f"{DEV_CHAIN_ID}.chain-state.json"  # beside, not among, the manifests
    with serving_folder(root):
        # A saved chain goes on (a town of another plan is deployed beside the first on it); --fresh sets it aside.
        # A manifest whose chain was not saved (an older `ost up`) belongs to a chain that is gone: set aside too.
        gone = manifest.exists() and not state.exists()
        network = network_path(manifest.parent)  # the chain's OST network goes with the chain, and its other towns
        others = [manifest_path(root, DEV_CHAIN_ID, load_plan(p)[0].town) for p in also or []]
        aside = [manifest, manifest.with_suffix(".bridge.sqlite"), *others, network, state]
        kept = keep_aside(*aside) if fresh or gone else []
        resume = state.exists() and manifest.exists()
        # The chain's state is saved every second and when it stops: the next `ost up` here goes on from it.
        chain = LocalChain(port=port, extra_args=("--state", str(state), "--state-interval", "1"))
        with chain as node:
            client = ChainClient.connect(node.rpc_url)
            if resume and recorded_block(manifest) > client.w3.eth.block_number:
                raise ConfigError(
                    f"The saved chain stops at block {client.w3.eth.block_number}, but the town's records go on to "
                    f"block {recorded_block(manifest)}: the last moments before `ost up` was killed were not saved. "
                    "Run `ost up --fresh` to start a new town (this one's files are kept aside)."
                )
            signers = {a.address: a for a in dev_accounts()}
            try:
                record, notes = _deploy(client, plan_path, None, signers, quiet=False)
                towns = []
                for other in also or []:  # more towns in the same network: the country tier spans them
                    beside, more = _deploy(client, other, None, signers, quiet=False)
                    notes.append(f"{beside.record().town} is deployed beside it in the OST network: {beside.path}.")
                    notes.extend(more)
                    notes.extend(_relayer_coordinates(client, record, beside.path, signers))
                    towns.append(beside.path)
                set_default_town(record.path)  # with several towns here, `ost` commands mean the first
            except ConfigError as exc:
                if not resume:
                    raise
                raise ConfigError(
                    f"The town saved here cannot go on ({exc}). Run `ost up --fresh` to start a new one; the old "
                    "one's files are kept aside."
                ) from None
            _serve(record, towns, notes, node, api_port, started, kept, resume, stop)
    console.print("Bridge and chain stopped. The town is saved: `ost up` here goes on with it.")


def _serve(
    record: Manifest,
    towns: list[Path],
    notes: list[str],
    node: LocalChain,
    api_port: int,
    started: float,
    kept: list[Path],
    resume: bool,
    stop: threading.Event,
) -> None:
    """Serve the bridge for the town of ``record`` and ``towns`` beside it until ``stop``, saying first what runs
    where."""
    summary = _summary(record, notes, time.monotonic() - started)
    # A service of an older plugin takes no towns: given only when there are more towns than the first.
    more = {"towns": towns} if towns else {}
    running = [start(record.path, node.rpc_url, api_port, **more) for start in services().values()]
    release = hold_logs()
    say_what_runs(record, towns, node, running, summary, kept, resume)
    console.print("Press Ctrl-C to stop.")
    release()
    try:
        while not stop.wait(0.5):
            if not node.running or not all(service.running for service in running):
                raise typer.Exit(1)
    finally:
        release()
        for service in running:
            service.stop()

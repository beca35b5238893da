"""`ost compile` and `ost chain`."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from ..chain import DEV_MNEMONIC, LocalChain, dev_accounts
from ..compiler import compile_contracts
from .options import JsonOutput, console, emit_json


def compile_command(
    force: Annotated[bool, typer.Option("--force", help="Compile even if the build is current.")] = False,
    as_json: JsonOutput = False,
) -> None:
    """Compile contracts/ into build/ (skipped when nothing changed)."""
    result = compile_contracts(force=force)
    if as_json:
        emit_json({"compiled": result.compiled, "sourceHash": result.source_hash, "contracts": list(result.contracts)})
        return
    verb = "Compiled" if result.compiled else "Up to date:"
    console.print(f"{verb} {len(result.contracts)} contracts in {result.build_dir}")


def chain_command(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1; 0 picks a free one.")] = 8545,
    chain_id: Annotated[int, typer.Option("--chain-id")] = 31337,
) -> None:
    """Run a local chain in the foreground until Ctrl-C, with funded development accounts."""
    stop = threading.Event()
    # Ctrl-C or a TERM at any moment, even while starting, ends in the same orderly stop.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with LocalChain(port=port, chain_id=chain_id) as node:
        console.print(f"Chain {chain_id} listening on [bold]{node.rpc_url}[/bold]")
        console.print(f"Development accounts (mnemonic: {DEV_MNEMONIC!r}):")
        for index, account in enumerate(dev_accounts()[:10]):
            console.print(f"  {index:>2}  {account.address}")
        console.print("Press Ctrl-C to stop.")
        while not stop.wait(0.5):
            if not node.running:
                raise typer.Exit(1)
    console.print("Chain stopped.")

"""What every command on a deployed town is given: :class:`OnTown`, its shared options parsed once, and the town
they open. A command declares only its own arguments, and which shared options it takes:

.. code-block:: python

    @town_command(sale_app, "buy", signs=True, relays=True)
    def sale_buy(on: OnTown, business: Business, shares: ...) -> None:
        who = on.signer("buyer")
        cost, receipt = on.town.buy(who, business, count)
        on.done({...}, "Bought …")

The command line is unchanged: ``--rpc-url`` and ``--manifest`` (every town command), ``--account`` (one that
signs), ``--gasless`` and ``--bridge`` (one a member may have relayed; ``--bridge`` alone for one that works
through the bridge), ``--json`` — after the command's own, as before.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, get_type_hints

import typer
from eth_account.signers.local import LocalAccount

from ..townclient import Town
from .options import Account, BridgeUrl, Gasless, JsonOutput, ManifestFile, RpcUrl, done, emit_json, open_town, signer


@dataclass
class OnTown:
    """A town command's shared options, and the town they open (once, when first asked for)."""

    rpc_url: str | None = None
    manifest: Path | None = None
    account: str | None = None
    gasless: bool = False
    bridge: str | None = None
    as_json: bool = False

    @cached_property
    def town(self) -> Town:
        return open_town(self.rpc_url, self.manifest, gasless=self.gasless, bridge=self.bridge)

    def signer(self, role: str = "", holder: str | None = None) -> LocalAccount:
        """The account that signs: ``--account``, or on the development chain the one holding ``role``."""
        return signer(self.town, self.account, role, holder)

    def done(self, data: dict[str, Any], sentence: str) -> None:
        """Answer with ``data`` as JSON (``--json``), or with ``sentence``."""
        done(self.as_json, data, sentence)

    def emit(self, data: Any) -> bool:
        """Print ``data`` as JSON if ``--json`` was asked for; whether it was (the command has answered)."""
        if self.as_json:
            emit_json(data)
        return self.as_json


_SHARED = {  # the options' parameter names, their declarations and defaults, in the order --help lists them
    "rpc_url": (RpcUrl, None),
    "manifest": (ManifestFile, None),
    "account": (Account, None),
    "gasless": (Gasless, False),
    "bridge": (BridgeUrl, None),
    "as_json": (JsonOutput, False),
}


def town_options(
    *, signs: bool = False, relays: bool = False, bridged: bool = False, json: bool = True
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A command whose first parameter is ``on: OnTown``, as typer registers it: the shared options it takes —
    ``--rpc-url`` and ``--manifest``; ``--account`` if it ``signs``; ``--gasless`` and ``--bridge`` if a member
    may have it relayed (``relays``), ``--bridge`` alone if it works through the bridge (``bridged``); ``--json``
    unless ``json`` is False — added after its own."""
    taken = ["rpc_url", "manifest"] + ["account"] * signs + ["gasless"] * relays + ["bridge"] * (relays or bridged)
    taken += ["as_json"] * json

    def wrap(command: Callable[..., None]) -> Callable[..., None]:
        hints = get_type_hints(command, include_extras=True)
        own = [p.replace(annotation=hints[p.name]) for p in inspect.signature(command).parameters.values()]
        if not own or own[0].name != "on":
            raise TypeError(f"{command.__name__}: a town command's first parameter is `on: OnTown`.")
        shared = [
            inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, default=_SHARED[key][1], annotation=_SHARED[key][0])
            for key in taken
        ]

        @functools.wraps(command)
        def run(**values: Any) -> None:
            on = OnTown(**{key: values.pop(key) for key in taken})
            command(on, **values)

        parameters = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own[1:]] + shared
        run.__signature__ = inspect.Signature(parameters, return_annotation=None)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in parameters}
        del run.__wrapped__  # typer reads the signature above, not the command's
        run.shared_options = tuple(taken)  # type: ignore[attr-defined]  # what `ost` lists, and tests check
        return run

    return wrap


def town_command(
    app: typer.Typer,
    name: str,
    *,
    signs: bool = False,
    relays: bool = False,
    bridged: bool = False,
    json: bool = True,
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register ``name`` in ``app``: a command whose first parameter is ``on: OnTown``, with the shared options
    :func:`town_options` says."""

    def register(command: Callable[..., None]) -> Callable[..., None]:
        return app.command(name)(town_options(signs=signs, relays=relays, bridged=bridged, json=json)(command))

    return register

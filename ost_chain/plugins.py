"""Plugins: other packages add `ost` commands and services without `ost_chain` importing them.

As Ape finds ``ape_cli_subcommands``, the `ost` command looks in two entry-point groups of the
installed distributions:

- ``ost_chain.commands``: a ``typer.Typer`` app, added as ``ost NAME`` (the bridge adds ``ost api``);
- ``ost_chain.services``: a callable ``(manifest, rpc_url, port, *, towns) -> Service`` that ``ost up``
  starts beside the chain (the bridge serves itself this way, for every town ``ost up`` deployed).

So the import graph runs one way: plugins import ``ost_chain``, never the reverse, and an extra
that is not installed is a missing command, not an ImportError.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger("ost")

COMMANDS = "ost_chain.commands"
SERVICES = "ost_chain.services"


class Service(Protocol):
    """Something `ost up` runs beside the chain until Ctrl-C."""

    name: str
    url: str

    @property
    def running(self) -> bool: ...

    def stop(self) -> None: ...


class ServiceFactory(Protocol):
    """Starts a service for the town of ``manifest`` (and the ``towns`` beside it in its OST network) on ``rpc_url``,
    listening on ``port``."""

    def __call__(self, manifest: Path, rpc_url: str, port: int, *, towns: Sequence[Path] = ()) -> Service: ...


def commands() -> dict[str, Any]:
    """Every installed plugin command group that can load, by name."""
    return _load(COMMANDS)


def services() -> dict[str, ServiceFactory]:
    """Every installed service `ost up` starts that can load, by name."""
    return _load(SERVICES)


def _load(group: str) -> dict[str, Any]:
    """The entry points of ``group``; one whose package is missing (an extra not installed) is left out."""
    found = {}
    for point in entry_points(group=group):
        try:
            found[point.name] = point.load()
        except ModuleNotFoundError as exc:
            log.info("%s %r is not available: %s is not installed.", group, point.name, exc.name)
    return found

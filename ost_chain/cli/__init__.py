"""The `ost` command (assembled in :mod:`ost_chain.cli.root`; shared options in :mod:`ost_chain.cli.options`).

``app`` and ``main`` load on first use, so a plugin may import this package's helpers while the
command itself is still being assembled.
"""

from __future__ import annotations

from typing import Any

__all__ = ["app", "main"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from importlib import import_module

        from .._startup import loading

        with loading():  # every command, and the plugins' (see ost_chain._startup)
            root = import_module(f"{__name__}.root")
        return getattr(root, name)
    raise AttributeError(name)

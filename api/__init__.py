"""The bridge: coordinators submit verified participations over HTTP; INFINITY is minted on chain.

``create_app`` builds the FastAPI app for one deployed town; ``ost api`` serves it with uvicorn.
Nothing heavy loads on import: ``ost`` finds ``ost api`` here without loading FastAPI.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["BridgeSettings", "Settings", "create_app"]
_HOMES = {"create_app": ".main", "BridgeSettings": ".settings", "Settings": ".settings"}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name], __name__), name)
    raise AttributeError(name)

"""The bridge's settings live with every other setting, in :mod:`ost_chain.settings` (``OST_BRIDGE__…``)."""

from __future__ import annotations

from pathlib import Path

from ost_chain.settings import BridgeSettings, Settings, current_settings

__all__ = ["BridgeSettings", "Settings", "bridge_settings"]


def bridge_settings(
    manifest: Path, rpc_url: str, *, database_url: str | None = None, relayer: str | None = None, fresh: bool = False
) -> Settings:
    """The environment's settings for the bridge of the town of ``manifest`` on ``rpc_url``; a database URL or
    relayer given here wins, and ``fresh`` ignores the environment's database (a new town gets its own file)."""
    settings = current_settings()
    bridge = settings.bridge.model_copy(
        update={
            "manifest": manifest,
            "database_url": database_url or (None if fresh else settings.bridge.database_url),
            "relayer": relayer or settings.bridge.relayer,
        }
    )
    return settings.model_copy(update={"rpc_url": rpc_url, "bridge": bridge})

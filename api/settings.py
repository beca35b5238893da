"""The bridge's settings live with every other setting, in :mod:`ost_chain.settings` (``OST_BRIDGE__…``)."""

from ost_chain.settings import BridgeSettings, Settings

__all__ = ["BridgeSettings", "Settings"]

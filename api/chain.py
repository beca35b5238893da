"""What the bridge reads from the chain, briefly cached: roles, members, projects, the town.

Each thread gets its own connection. A role is trusted for ``role_cache_seconds``; while the
chain cannot be reached a role seen within ``stale_role_seconds`` is still trusted, so an outage
queues participations instead of refusing them (the contract checks the role again at mint time).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from eth_utils import keccak

from ost_chain.client import ChainClient
from ost_chain.townclient import Town

from .settings import BridgeSettings

T = TypeVar("T")
COORDINATOR_ROLE = keccak(text="COORDINATOR_ROLE")


class Unreachable(Exception):
    """The chain did not answer."""


class ChainView:
    def __init__(self, settings: BridgeSettings, manifest: dict[str, Any]) -> None:
        self.settings, self.manifest = settings, manifest
        self._local = threading.local()
        self._cache: dict[tuple[Any, ...], tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def town(self) -> Town:
        town = getattr(self._local, "town", None)
        if town is None:
            try:
                client = ChainClient.connect(self.settings.rpc_url, compile=False, timeout=self.settings.rpc_timeout)
            except Exception as exc:  # noqa: BLE001 - any connection failure means the same here
                raise Unreachable(str(exc)) from None
            town = self._local.town = Town(client, self.manifest)
        return town

    def _cached(self, key: tuple[Any, ...], ttl: float, read: Callable[[], T], stale: float = 0.0) -> T:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and now - hit[0] < ttl:
            return hit[1]
        try:
            value = read()
        except Exception as exc:  # noqa: BLE001 - requests' and web3's errors differ by version
            if hit is not None and now - hit[0] < stale:
                return hit[1]
            self._local.town = None
            raise Unreachable(str(exc)) from None
        with self._lock:
            self._cache[key] = (now, value)
        return value

    def is_coordinator(self, address: str) -> bool:
        return self._cached(("role", address), self.settings.role_cache_seconds,
                            lambda: bool(self.town().registry.functions.hasRole(COORDINATOR_ROLE, address).call()),
                            stale=self.settings.stale_role_seconds)  # fmt: skip

    def is_member(self, address: str) -> bool:
        return self._cached(("member", address), 2.0, lambda: bool(self.town().registry.functions.isMember(address)
                                                                    .call()))  # fmt: skip

    def project(self, project_id: int) -> tuple[int, int, bool]:
        return self._cached(("project", project_id), 10.0,
                            lambda: tuple(self.town().infinity.functions.project(project_id).call()))  # fmt: skip

    def summary(self) -> dict[str, Any]:
        return self._cached(("summary",), 2.0, lambda: self.town().summary())

    def block(self) -> int:
        return self._cached(("block",), 0.5, lambda: int(self.town().client.w3.eth.block_number))

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

from ost_chain.abi import Function
from ost_chain.artifacts import Artifacts
from ost_chain.client import ChainClient
from ost_chain.enums import NATIVE, Role
from ost_chain.manifest import TownManifest
from ost_chain.redact import scrub
from ost_chain.townclient import Town

from .nodelink import NodeLink
from .settings import BridgeSettings

T = TypeVar("T")
COORDINATOR_ROLE = Role.id(Role.COORDINATOR)


MISSING = object()


class Unreachable(Exception):
    """The chain did not answer; the message (for logs only) has the node URL's secrets scrubbed."""


class ChainView:
    def __init__(self, settings: BridgeSettings, rpc_url: str, manifest: TownManifest, artifacts: Artifacts) -> None:
        self.settings, self.rpc_url, self.manifest = settings, rpc_url, manifest
        self._registry = manifest.address("TownRegistry")
        self._infinity = manifest.address("InfinityToken")
        registry_abi, infinity_abi = artifacts.get("TownRegistry")["abi"], artifacts.get("InfinityToken")["abi"]
        self._has_role = Function.of(registry_abi, "hasRole")
        self._is_member = Function.of(registry_abi, "isMember")
        self._recovered_to = Function.of(registry_abi, "recoveredTo")
        self._project = Function.of(infinity_abi, "project")
        self._coordinator_day = Function.of(infinity_abi, "coordinatorDay")
        self._local = threading.local()
        self._link = NodeLink(rpc_url, settings.rpc_timeout)
        self._cache: dict[tuple[Any, ...], tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._by_block: dict[str, tuple[int, Any]] = {}
        self._reading = threading.Lock()
        self._shared: Town | None = None
        self._times: dict[int, int] = {}
        self._head: tuple[float, int] | None = None  # the head last asked, and when (monotonic)

    def town(self) -> Town:
        town = getattr(self._local, "town", None)
        if town is None:
            try:
                client = ChainClient.connect(self.rpc_url, compile=False, timeout=self.settings.rpc_timeout)
            except Exception as exc:  # noqa: BLE001 - any connection failure means the same here
                raise Unreachable(scrub(str(exc), self.rpc_url)) from None
            town = self._local.town = Town(client, self.manifest)
        return town

    def forget_connection(self) -> None:
        """Drop this thread's connection after a failure: the next call connects afresh."""
        self._local.town = None

    def _cached(
        self, key: tuple[Any, ...], ttl: float | Callable[[Any], float], read: Callable[[], T], stale: float = 0.0
    ) -> T:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and now - hit[0] < (ttl(hit[1]) if callable(ttl) else ttl):
            return hit[1]
        try:
            value = read()
        except Exception as exc:  # noqa: BLE001 - requests' and web3's errors differ by version
            if hit is not None and now - hit[0] < stale:
                return hit[1]
            self.forget_connection()
            raise Unreachable(scrub(str(exc), self.rpc_url)) from None
        with self._lock:
            self._cache[key] = (now, value)
        return value

    def fresh(self, kind: str, *args: Any) -> Any:
        """The cached answer of ``kind`` (``"role"``, ``"member"``, ``"project"``) if still fresh, else MISSING:
        lets an async caller skip a thread hop when no chain call is needed."""
        key = (kind, *args)
        with self._lock:
            hit = self._cache.get(key)
        if hit is None:
            return MISSING
        ttl = {
            "role": self.settings.role_cache_seconds,
            "member": 30.0 if hit[1] else 2.0,
            "project": 10.0,
            "cap": self.settings.cap_cache_seconds,
        }[kind]
        return hit[1] if time.monotonic() - hit[0] < ttl else MISSING

    def _call(self, to: str, fn: Function, *args: Any) -> Any:
        """A view by a bare ``eth_call`` on this thread's own connection (no web3 layers), encoded and decoded from
        the artifact's ABI."""
        (answer,) = self._ask([("eth_call", [{"to": to, "data": "0x" + fn.encode(*args).hex()}, "latest"])])
        return fn.decode(bytes.fromhex(self._result(answer)[2:]))

    def is_coordinator(self, address: str) -> bool:
        return self._cached(
            ("role", address),
            self.settings.role_cache_seconds,
            lambda: bool(self._call(self._registry, self._has_role, COORDINATOR_ROLE, address)),
            stale=self.settings.stale_role_seconds,
        )

    def is_member(self, address: str) -> bool:
        """Whether ``address`` is a member: trusted for 30 s when it is (the contract checks again at mint time)."""
        return self._cached(
            ("member", address),
            lambda member: 30.0 if member else 2.0,
            lambda: bool(self._call(self._registry, self._is_member, address)),
        )

    def cap(self, coordinator: str) -> int:
        """``coordinator``'s daily cap in INF's smallest unit, trusted for ``cap_cache_seconds`` (10 s)."""
        return self._cached(
            ("cap", coordinator),
            self.settings.cap_cache_seconds,
            lambda: int(self._call(self._infinity, self._coordinator_day, coordinator)[0]),
        )

    def project(self, project_id: int) -> Any:
        """A project as the contract keeps it: ``tokensPerShift``, ``shiftMinutes``, ``active``."""
        return self._cached(
            ("project", project_id), 10.0, lambda: self._call(self._infinity, self._project, project_id)
        )

    def head_and_recovery(self, address: str) -> tuple[int, str]:
        """The chain's latest block number, and where ``address``'s holdings went in a two-key recovery (the zero
        address if nowhere), asked now in one round trip (a phone step after its PIN needs both)."""
        data = "0x" + self._recovered_to.encode(address).hex()
        asked = [("eth_blockNumber", []), ("eth_call", [{"to": self._registry, "data": data}, "latest"])]
        head, moved = map(self._result, self._ask(asked))
        try:
            return int(head, 16), str(self._recovered_to.decode(bytes.fromhex(moved[2:])))
        except Exception as exc:  # noqa: BLE001 - an answer that is no number, or no address, is no answer
            raise Unreachable(self._said(exc)) from None

    def batch(self, calls: list[tuple[str, bytes]]) -> list[str | None]:
        """Views by bare ``eth_call`` (contract, calldata) in one JSON-RPC batch on this thread's own connection (web3
        encodes each entry apart: milliseconds for a few hundred): each one's result as the node gave it (hex), None
        where it gave none."""
        asked = [("eth_call", [{"to": to, "data": f"0x{data.hex()}"}, "latest"]) for to, data in calls]
        return [a.get("result") for a in self._ask(asked)]

    def _ask(self, asked: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
        """JSON-RPC requests (method, params) in one batch on this thread's connection: the answers in their order."""
        try:
            return self._link.ask(asked)
        except Exception as exc:  # noqa: BLE001 - any failure means unreachable here
            raise Unreachable(self._said(exc)) from None

    def _said(self, what: object) -> str:
        """What the node said, for a log: the URL's secrets scrubbed first, then cut (a secret cut in two would
        survive the scrub)."""
        return scrub(str(what), self.rpc_url)[:300]

    def _result(self, answer: dict[str, Any]) -> str:
        """An answer's result; its error, when it has none, as the node being unreachable for this read."""
        if not isinstance(answer.get("result"), str):
            raise Unreachable(self._said(answer.get("error")))
        return str(answer["result"])

    def time_at(self, block: int) -> int:
        """The time of block ``block`` (unix seconds): asked once, as a block's time never changes."""
        known = self._times.get(block)
        if known is None:
            (header,) = self._ask([("eth_getBlockByNumber", [hex(block), False])])
            try:
                known = int(self._result_header(header)["timestamp"], 16)
            except (KeyError, TypeError, ValueError):
                raise Unreachable(self._said(f"a block without a time: {header!r}")) from None
            if len(self._times) > 1_000:
                self._times.clear()
            self._times[block] = known
        return known

    def _result_header(self, answer: dict[str, Any]) -> dict[str, Any]:
        header = answer.get("result")
        if not isinstance(header, dict):
            raise Unreachable(self._said(answer.get("error") or "no such block yet"))
        return header

    def head(self) -> int:
        """The chain's latest block number: asked now, or as asked within ``head_seconds`` (the reads of one page
        arrive together, and share one question)."""
        asked = self._head
        if asked is not None and time.monotonic() - asked[0] < self.settings.head_seconds:
            return asked[1]
        head = self._result(*self._ask([("eth_blockNumber", [])]))
        try:
            number = int(head, 16)
        except ValueError:
            raise Unreachable(self._said(f"a block number of {head!r}")) from None
        self._head = (time.monotonic(), number)
        return number

    def _per_block(self, kind: str, read: Callable[[Town], T], block: int | None = None) -> T:
        """``read(town)`` once per block, one reader at a time on one shared connection: what the town shows
        changes only with a new block, and concurrent pages wait for one read instead of each making their own.
        ``block``: the head as the caller asked it already (else it is asked here)."""
        return self._at_block(kind, read, block)[1]

    def _at_block(self, kind: str, read: Callable[[Town], T], block: int | None = None) -> tuple[int, T]:
        """As :meth:`_per_block`, with the block the answer belongs to."""
        block = self.head() if block is None else block
        hit = self._by_block.get(kind)
        if hit is not None and hit[0] == block:  # read already: no wait behind another kind's read
            return block, hit[1]
        with self._reading:
            hit = self._by_block.get(kind)
            if hit is not None and hit[0] == block:
                return block, hit[1]
            try:
                if self._shared is None:
                    client = ChainClient.connect(self.rpc_url, compile=False, timeout=self.settings.rpc_timeout)
                    self._shared = Town(client, self.manifest)
                value = read(self._shared)
            except Exception as exc:  # noqa: BLE001 - requests' and web3's errors differ by version
                self._shared = None
                raise Unreachable(scrub(str(exc), self.rpc_url)) from None
            if len(self._by_block) > 1_000:
                self._by_block.clear()
            self._by_block[kind] = (block, value)
            return block, value

    def sales(self, block: int | None = None) -> list[Any]:
        return self._per_block("sales", lambda town: town.sales(), block)

    def town_plan(self, worked: set[int] | None = None) -> dict[str, Any]:
        """The town's 12-month plan with what is done, and whether it is the one published on chain; ``worked``:
        the projects worked, as the index has them."""
        from ost_chain.launch import town_plan

        return dict(self._per_block("town-plan", lambda town: town_plan(town, worked)))

    def investing(self, block: int | None = None) -> set[int]:
        """The businesses that ever had an investor part of their profit (an ``InvestorShareSet`` above zero): only
        their holders may have investor profit to claim, whatever the part is now."""

        def read(town: Town) -> set[int]:
            events = town.distributor.events.InvestorShareSet().get_logs(from_block=town._from_block)
            return {int(e["args"]["businessId"]) for e in events if int(e["args"]["basisPoints"]) > 0}

        return set(self._per_block("investing", read, block))

    def profit_assets(self, block: int | None = None) -> list[str]:
        """The native coin and every asset the town ever took profit in."""
        from ost_chain._owed import profit_assets

        return list(self._per_block("profit-assets", profit_assets, block))

    def member(self, address: str) -> dict[str, Any]:
        return dict(self._per_block(f"member:{address}", lambda town: town.member(address)))

    def recovery(self, address: str) -> dict[str, Any]:
        return dict(self._per_block(f"recovery:{address}", lambda town: town.recovery(address)))

    def eligibility(self, business_id: int, address: str) -> Any:
        def read(town: Town) -> Any:
            if not 0 <= business_id < len(town.businesses()):
                return None
            return town.eligibility(business_id, address)

        return self._per_block(f"eligibility:{business_id}:{address}", read)

    def asset(self, address: str) -> tuple[str, int]:
        """An asset's symbol and decimals (they never change)."""
        if address.lower() == NATIVE.lower():
            return self.settings.native_symbol, 18  # the chain's coin, by the name the town gives it
        town = self.town
        return self._cached(
            ("asset", address), float("inf"), lambda: (town().asset_symbol(address), town().asset_decimals(address))
        )

    def facts(self) -> dict[str, Any]:
        """The town's standing from its contracts (name, country, launch, businesses, the profit pool): what the
        index does not keep; its figures come from the index."""
        block, facts = self._at_block("facts", lambda town: town.facts())
        return {**facts, "block": block}

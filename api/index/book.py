"""What the index follows and how it reads it: the OST network (its own contract and the forwarder every town
shares) and every town of it — the four contracts each was made with, learned from the network's ``TownCreated``,
and each sale and share token its factory lists, learned from the listing —, each contract with its town, and each
of their events decoded from a log by the compiled ABI, into plain values (numbers as decimal text, addresses
checksummed, bytes as 0x-hex, structs by their fields' names).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import event_abi_to_log_topic, to_checksum_address

from ost_chain.artifacts import Artifacts
from ost_chain.figures import ZERO, Event
from ost_chain.manifest import TownManifest

log = logging.getLogger("ost.bridge.index")

NETWORK = ("OstNetwork", "TownForwarder")  # the network's own contracts, of no town
TOWN = {  # each town's four, by the name TownCreated gives their addresses
    "TownRegistry": "registry",
    "InfinityToken": "infinity",
    "BusinessFactory": "factory",
    "ProfitDistributor": "distributor",
}
LISTED = ("ShareSale", "ShareToken")  # one of each per business, at the addresses its listing names
LEARNING = ("OstNetwork.TownCreated", "BusinessFactory.BusinessListed")  # events that name contracts to follow
SKIPPED = {"Approval", "Initialized", "EIP712DomainChanged", "RoleAdminChanged"}  # what no read of the town needs


@lru_cache(maxsize=65_536)
def checksummed(address: str) -> str:
    """An address as the chain writes it (EIP-55); the same few recur in every log, and each costs a keccak."""
    return to_checksum_address(address)


def _type(param: dict[str, Any]) -> str:
    if param["type"].startswith("tuple"):
        return f"({','.join(_type(c) for c in param['components'])}){param['type'][5:]}"
    return str(param["type"])


def _word(kind: str) -> Any:
    """How one 32-byte word of an elementary static type reads, straight from its bytes (eth_abi's general decoder
    took most of a backfill's time); None for a type that is not one word."""
    if kind == "address":
        return lambda w: checksummed("0x" + w[12:].hex())
    if kind == "bool":
        return lambda w: w[31] == 1
    if kind.startswith("uint"):
        return lambda w: str(int.from_bytes(w, "big"))
    if kind.startswith("int"):
        return lambda w: str(int.from_bytes(w, "big", signed=True))
    if kind.startswith("bytes") and kind[5:].isdigit():
        size = int(kind[5:])
        return lambda w: "0x" + w[:size].hex()
    return None


def _plain(value: Any, param: dict[str, Any]) -> Any:
    """A decoded value as JSON keeps it exactly."""
    kind = param["type"]
    if kind.endswith("]"):
        inner = {**param, "type": kind[: kind.rindex("[")]}
        return [_plain(v, inner) for v in value]
    if kind == "tuple":
        return {c["name"]: _plain(v, c) for c, v in zip(param["components"], value, strict=True)}
    if kind == "address":
        return checksummed(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    return value


def first_block(manifest: TownManifest) -> int:
    """Where the index begins: the OST network's first block (every town of it is read), as the manifest (or the
    network manifest beside it) records it; else the town's own first block (and a town of the network older than
    it is read only from there: the network's figures for it are short of what came before)."""
    town = int(manifest.contracts["TownRegistry"].block or 0)
    network = manifest.contracts.get("OstNetwork")
    if network is None or network.block is None:
        log.warning(
            "index: the manifest does not say in which block the OST network began; its towns are read from block %s, "
            "this town's first (record the network beside the manifest, in network.json, to read them all)",
            town,
        )
        return town
    return min(int(network.block), town)


class Book:
    """The network's contracts the index follows, each with its town, and every event of theirs it decodes."""

    def __init__(self, manifest: TownManifest, artifacts: Artifacts) -> None:
        self.names: dict[str, str] = {}  # address (checksummed) → contract name
        self.town: dict[str, str] = {}  # address → the registry of its town ("" for the network's own)
        self.business: dict[str, int] = {}  # a sale's or share token's address → its business
        self.asset: dict[tuple[str, int], str] = {}  # (town, business) → the asset its sale is paid in
        self.events: dict[tuple[str, bytes], dict[str, Any]] = {}  # (contract name, topic) → the event's ABI
        for name in (*NETWORK, *TOWN, *LISTED):
            for entry in artifacts.get(name)["abi"]:
                if entry["type"] == "event" and entry["name"] not in SKIPPED:
                    self.events[(name, event_abi_to_log_topic(entry))] = entry
        self.own = checksummed(manifest.address("TownRegistry"))  # the bridge's town
        self._founded = {checksummed(manifest.address(n)): (n, "") for n in NETWORK}
        self._founded |= {checksummed(manifest.address(n)): (n, self.own) for n in TOWN}
        self.forget_learned()

    def forget_learned(self) -> None:
        """Follow only the network and the bridge's own town (the other towns and every listing are learned again)."""
        self.names = {address: name for address, (name, _) in self._founded.items()}
        self.town = {address: town for address, (_, town) in self._founded.items()}
        self.business.clear()
        self.asset.clear()

    def addresses(self) -> list[str]:
        return sorted(self.names)

    def learn(self, events: Iterable[Event]) -> list[str]:
        """The contracts the towns created and the listings among ``events`` name, now followed: their addresses
        (new only)."""
        new = []
        for event in events:
            if event.kind == "OstNetwork.TownCreated":
                town = event.args["registry"]
                for name, key in TOWN.items():
                    address = event.args[key]
                    if address not in self.names:
                        self.names[address], self.town[address] = name, town
                        new.append(address)
            elif event.kind == "BusinessFactory.BusinessListed":
                business = int(event.args["businessId"])
                self.asset[(event.town, business)] = event.args["terms"]["paymentAsset"]
                for name, key in (("ShareSale", "sale"), ("ShareToken", "token")):
                    address = event.args[key]
                    if address not in self.names:
                        self.names[address], self.business[address] = name, business
                        self.town[address] = event.town
                        new.append(address)
        return new

    def decode(self, log: dict[str, Any]) -> Event | None:
        """The event a log of a followed contract holds; None for one no read needs."""
        address = checksummed(log["address"])
        name = self.names.get(address)
        topics = [bytes.fromhex(str(t)[2:]) for t in log["topics"]]
        abi = self.events.get((name or "", topics[0])) if topics else None
        if name is None or abi is None:
            return None
        indexed = [p for p in abi["inputs"] if p.get("indexed")]
        rest = [p for p in abi["inputs"] if not p.get("indexed")]
        args: dict[str, Any] = {}
        for param, topic in zip(indexed, topics[1:], strict=True):
            read = _word(param["type"])
            args[param["name"]] = read(topic) if read is not None else "0x" + topic.hex()  # a dynamic one: its hash
        data = bytes.fromhex(str(log["data"])[2:])
        words = [_word(p["type"]) for p in rest]
        if all(w is not None for w in words) and len(data) == 32 * len(rest):  # one word each: read as they stand
            for n, (param, read) in enumerate(zip(rest, words, strict=True)):
                args[param["name"]] = read(data[32 * n : 32 * n + 32])
        else:
            for param, value in zip(rest, abi_decode([_type(p) for p in rest], data), strict=True):
                args[param["name"]] = _plain(value, param)
        if abi["name"] == "Transfer" and (name == "ShareToken" or ZERO not in (args["from"], args["to"])):
            return None  # only INF's mints and burns make a figure; a transfer anyone may send costs the index nothing
        business = self.business.get(address)
        if business is None and "businessId" in args:
            business = int(args["businessId"])
        return Event(
            block=int(log["blockNumber"], 16),
            log_index=int(log["logIndex"], 16),
            block_hash=str(log["blockHash"]),
            tx=str(log["transactionHash"]),
            contract=address,
            kind=f"{name}.{abi['name']}",
            args=args,
            business_id=business,
            town=self.town.get(address, ""),
        )

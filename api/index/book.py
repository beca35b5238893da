"""What the index follows and how it reads it: the town's contracts by address (the five it was deployed with, and
each sale and share token its factory lists, learned from the listing), and each of their events decoded from a log
by the compiled ABI, into plain values (numbers as decimal text, addresses checksummed, bytes as 0x-hex, structs by
their fields' names).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import event_abi_to_log_topic, to_checksum_address

from ost_chain.artifacts import Artifacts
from ost_chain.figures import Event
from ost_chain.manifest import TownManifest

FOLLOWED = ("TownRegistry", "InfinityToken", "BusinessFactory", "ProfitDistributor", "TownForwarder")
LISTED = ("ShareSale", "ShareToken")  # one of each per business, at the addresses its listing names
SKIPPED = {"Approval", "Initialized", "EIP712DomainChanged", "RoleAdminChanged"}  # what no read of the town needs
ZERO = "0x" + "00" * 20


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


class Book:
    """The town's contracts the index follows, and every event of theirs it decodes."""

    def __init__(self, manifest: TownManifest, artifacts: Artifacts) -> None:
        self.names: dict[str, str] = {}  # address (checksummed) → contract name
        self.business: dict[str, int] = {}  # a sale's or share token's address → its business
        self.asset: dict[int, str] = {}  # a business → the asset its sale is paid in
        self.events: dict[tuple[str, bytes], dict[str, Any]] = {}  # (contract name, topic) → the event's ABI
        for name in (*FOLLOWED, *LISTED):
            for entry in artifacts.get(name)["abi"]:
                if entry["type"] == "event" and entry["name"] not in SKIPPED:
                    self.events[(name, event_abi_to_log_topic(entry))] = entry
        for name in FOLLOWED:
            self.names[checksummed(manifest.address(name))] = name

    def forget_listed(self) -> None:
        """Follow only the five contracts the town was deployed with (its listings are learned again)."""
        for address in self.business:
            del self.names[address]
        self.business.clear()
        self.asset.clear()

    def addresses(self) -> list[str]:
        return sorted(self.names)

    def learn(self, events: Iterable[Event]) -> list[str]:
        """The sales and share tokens the listings among ``events`` name, now followed: their addresses (new only)."""
        new = []
        for event in events:
            if event.kind == "BusinessFactory.BusinessListed":
                business = int(event.args["businessId"])
                self.asset[business] = event.args["terms"]["paymentAsset"]
                for name, key in (("ShareSale", "sale"), ("ShareToken", "token")):
                    address = event.args[key]
                    if address not in self.names:
                        self.names[address], self.business[address] = name, business
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
        )

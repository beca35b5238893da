"""Calldata, results and events from the compiled ABI: the one source of every selector and type.

Web3's contract objects do this for ordinary calls. The bridge's hot paths skip web3's layers
for speed, and take their codecs from here instead, built once from the artifact's ABI entries:
no selector, type string or field position is ever written by hand.
"""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_typing import ABIComponent, ABIFunction
from eth_utils import to_checksum_address
from eth_utils.abi import (
    abi_to_signature,
    event_abi_to_log_topic,
    function_abi_to_4byte_selector,
    get_abi_input_types,
    get_abi_output_types,
)

from .exceptions import ToolchainError


def find(abi: Sequence[dict[str, Any]], kind: str, signature: str) -> dict[str, Any]:
    """The ``kind`` entry (``function``, ``event``) of ``abi`` with ``signature`` (``claim(address)``), or its
    only entry of that name when ``signature`` is a bare name."""
    entries = [e for e in abi if e.get("type") == kind]
    if "(" in signature:
        found = [e for e in entries if abi_to_signature(e) == signature]  # type: ignore[arg-type]
    else:
        found = [e for e in entries if e.get("name") == signature]
    if len(found) != 1:
        raise ToolchainError(f"The ABI has {len(found)} {kind}s matching {signature!r}; run `ost compile`.")
    return found[0]


def named(param: ABIComponent, value: Any) -> Any:
    """A decoded value as web3 gives it (addresses checksummed), each struct a named tuple, recursively."""
    kind = param["type"]
    if kind.endswith("]"):
        inner = {**param, "type": kind[: kind.rindex("[")]}
        return [named(inner, v) for v in value]  # type: ignore[arg-type]
    if kind == "address":
        return to_checksum_address(value)
    components = param.get("components")
    if not components:
        return value
    fields = tuple(c["name"] for c in components)
    return _struct(_struct_name(param), fields)(*(named(c, v) for c, v in zip(components, value, strict=True)))


def _struct_name(param: ABIComponent) -> str:
    """A struct's name from its ``internalType`` (``struct IShareSale.SaleTerms[2][]`` is ``SaleTerms``)."""
    return re.sub(r"(\[\d*\])+$", "", str(param.get("internalType", "")).rsplit(".", 1)[-1].split(" ")[-1])


@lru_cache(maxsize=256)
def _struct(name: str, fields: tuple[str, ...]) -> Any:
    """A named tuple for a struct; components without a usable name are called ``_0``, ``_1``…"""
    return namedtuple(name if name.isidentifier() else "Struct", fields, rename=True)


# A reader of one static value from a call's return data: (the data, the word it starts at) -> the value.
Reader = Callable[[bytes, int], Any]


class _Unusual(Exception):
    """A word no ABI encoder writes for its type (a bool of 2, an address with high bytes): left to ``eth_abi``."""


def _reader(param: ABIComponent) -> tuple[int, Reader] | None:
    """How many 32-byte words a static output takes and how to read it as :func:`named` would give it; None for a
    dynamic one (left to ``eth_abi``)."""
    kind = param["type"]
    if kind.endswith("]"):
        count = kind[kind.rindex("[") + 1 : -1]
        inner = _reader({**param, "type": kind[: kind.rindex("[")]})
        if not count or inner is None:
            return None
        size, read = inner
        return size * int(count), lambda data, at: [read(data, at + size * n) for n in range(int(count))]
    if kind.startswith(("uint", "int")):
        signed, bits = kind.startswith("int"), int(kind.removeprefix("u").removeprefix("int") or 256)
        low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1)) if signed else (0, 2**bits)

        def number(data: bytes, at: int) -> int:
            value = int.from_bytes(data[32 * at : 32 * at + 32], "big", signed=signed)
            if not low <= value < high:  # padding that is not the value's own sign: not an ABI encoding
                raise _Unusual
            return value

        return 1, number
    if kind == "bool":

        def flag(data: bytes, at: int) -> bool:
            value = int.from_bytes(data[32 * at : 32 * at + 32], "big")
            if value > 1:
                raise _Unusual
            return value == 1

        return 1, flag
    if kind == "address":

        def address(data: bytes, at: int) -> str:
            if any(data[32 * at : 32 * at + 12]):
                raise _Unusual
            return to_checksum_address(data[32 * at + 12 : 32 * at + 32])

        return 1, address
    if kind.startswith("bytes") and kind != "bytes":
        width = int(kind[5:])

        def fixed(data: bytes, at: int) -> bytes:
            if any(data[32 * at + width : 32 * at + 32]):
                raise _Unusual
            return data[32 * at : 32 * at + width]

        return 1, fixed
    components = param.get("components")
    if kind != "tuple" or not components:
        return None
    parts = [_reader(c) for c in components]
    if any(p is None for p in parts):
        return None
    sizes = [p[0] for p in parts if p is not None]
    reads = [p[1] for p in parts if p is not None]
    starts = [sum(sizes[:n]) for n in range(len(sizes))]
    struct = _struct(_struct_name(param), tuple(c["name"] for c in components))
    return sum(sizes), lambda data, at: struct(*(read(data, at + s) for read, s in zip(reads, starts, strict=True)))


def _static_decoder(abi: ABIFunction) -> Callable[[bytes], Any] | None:
    """:func:`decode_result` straight from the words, for outputs that are all static; None otherwise. Data of any
    other length than theirs (a revert's, a wrong contract's) goes to ``eth_abi``, which says what is wrong."""
    parts = [_reader(o) for o in abi.get("outputs", [])]
    if not parts or any(p is None for p in parts):
        return None
    sizes = [p[0] for p in parts if p is not None]
    reads = [p[1] for p in parts if p is not None]
    starts = [sum(sizes[:n]) for n in range(len(sizes))]
    length = 32 * sum(sizes)

    def decode(data: bytes) -> Any:
        if len(data) != length:
            return decode_result(abi, data)
        try:
            values = [read(data, at) for read, at in zip(reads, starts, strict=True)]
        except _Unusual:  # not what a contract's ABI encoder writes: eth_abi says what is wrong with it
            return decode_result(abi, data)
        return values[0] if len(values) == 1 else tuple(values)

    return decode


@dataclass(frozen=True)
class Function:
    """One function of an ABI: its selector, argument types and outputs, derived once (static outputs are read
    straight from their words: ``eth_abi`` took a hundred microseconds a call, on paths that read hundreds)."""

    abi: ABIFunction
    selector: bytes
    inputs: tuple[str, ...]
    static: Callable[[bytes], Any] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, abi: Sequence[dict[str, Any]], signature: str) -> Function:
        return cls.entry(find(abi, "function", signature))  # type: ignore[arg-type]

    @classmethod
    def entry(cls, entry: ABIFunction) -> Function:
        """The function of one ABI entry."""
        selector, inputs = function_abi_to_4byte_selector(entry), tuple(get_abi_input_types(entry))
        return cls(entry, selector, inputs, _static_decoder(entry))

    def fields(self, argument: int) -> tuple[str, ...]:
        """The component names, in ABI order, of the struct (or struct array) argument at ``argument``."""
        return tuple(c["name"] for c in self.abi["inputs"][argument]["components"])

    def struct(self, argument: int) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
        """A builder of the struct argument at ``argument`` from a mapping by component name: never by position."""
        names = self.fields(argument)
        return lambda values: tuple(values[name] for name in names)

    def encode(self, *args: Any) -> bytes:
        """The calldata of a call with ``args`` (structs as tuples, addresses as text or bytes)."""
        return self.selector + abi_encode(self.inputs, args)

    def decode(self, data: bytes) -> Any:
        """The return data: one value alone, several as a tuple, structs as named tuples."""
        return self.static(data) if self.static is not None else decode_result(self.abi, data)


@dataclass(frozen=True)
class Event:
    """One event of an ABI: its topic and the types and names of its data, derived once."""

    topic: str
    names: tuple[str, ...]
    types: tuple[str, ...]
    indexed: tuple[str, ...]

    @classmethod
    def of(cls, abi: Sequence[dict[str, Any]], name: str) -> Event:
        entry = find(abi, "event", name)
        data = [p for p in entry["inputs"] if not p.get("indexed")]
        return cls(
            "0x" + event_abi_to_log_topic(entry).hex(),  # type: ignore[arg-type]
            tuple(p["name"] for p in data),
            tuple(p["type"] for p in data),
            tuple(p["name"] for p in entry["inputs"] if p.get("indexed")),
        )

    def matches(self, log: dict[str, Any]) -> bool:
        return bool(log["topics"]) and _hex(log["topics"][0]) == self.topic

    def data(self, log: dict[str, Any]) -> dict[str, Any]:
        """The log's non-indexed arguments by name."""
        raw = log["data"]
        values = abi_decode(self.types, bytes.fromhex(raw[2:]) if isinstance(raw, str) else bytes(raw))
        return dict(zip(self.names, values, strict=True))

    def word(self, log: dict[str, Any], argument: str) -> int:
        """A static non-indexed argument as an integer, read straight from its 32-byte word of the log's data (the
        word's place derived from the ABI): a hot path's cheaper :meth:`data`."""
        index = self.names.index(argument)
        if any(_dynamic(t) for t in self.types[: index + 1]):
            return int(self.data(log)[argument])
        raw = log["data"]
        if isinstance(raw, str):
            return int(raw[2 + 64 * index : 2 + 64 * (index + 1)], 16)
        return int.from_bytes(bytes(raw)[32 * index : 32 * (index + 1)], "big")

    def topic_of(self, log: dict[str, Any], argument: str) -> str:
        """An indexed argument's topic, as 0x-hex."""
        return _hex(log["topics"][1 + self.indexed.index(argument)])


def _dynamic(kind: str) -> bool:
    return kind in ("bytes", "string") or kind.endswith("[]") or kind.startswith("(")


def _hex(value: Any) -> str:
    return value.lower() if isinstance(value, str) else "0x" + bytes(value).hex()


def decode_result(abi: ABIFunction, data: bytes) -> Any:
    """A call's return data as its ABI entry describes it: one value alone, several as a tuple, structs named."""
    outputs = abi.get("outputs", [])
    values = [named(o, v) for o, v in zip(outputs, abi_decode(get_abi_output_types(abi), data), strict=True)]
    return values[0] if len(values) == 1 else tuple(values)


def encode_call(abi: ABIFunction, args: Sequence[Any]) -> str:
    """The calldata of a call of ``abi`` with ``args``, as 0x-hex."""
    return "0x" + (function_abi_to_4byte_selector(abi) + abi_encode(get_abi_input_types(abi), args)).hex()


# The ERC-20 functions the town reads of any payment asset, and the ERC-2612 ones a gasless purchase signs for.
ERC20_ABI = [
    {"type": "function", "name": name, "stateMutability": mutability, "inputs": inputs, "outputs": outputs}
    for name, mutability, inputs, outputs in (
        (
            "allowance",
            "view",
            [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"}],
            [{"name": "", "type": "uint256"}],
        ),
        (
            "approve",
            "nonpayable",
            [{"name": "spender", "type": "address"}, {"name": "value", "type": "uint256"}],
            [{"name": "", "type": "bool"}],
        ),
        ("balanceOf", "view", [{"name": "account", "type": "address"}], [{"name": "", "type": "uint256"}]),
        ("decimals", "view", [], [{"name": "", "type": "uint8"}]),
        ("name", "view", [], [{"name": "", "type": "string"}]),
        ("version", "view", [], [{"name": "", "type": "string"}]),  # an ERC-2612 domain's version (USDC: "2")
        (
            "permit",
            "nonpayable",
            [
                {"name": n, "type": t}
                for n, t in (
                    ("owner", "address"),
                    ("spender", "address"),
                    ("value", "uint256"),
                    ("deadline", "uint256"),
                    ("v", "uint8"),
                    ("r", "bytes32"),
                    ("s", "bytes32"),
                )
            ],
            [],
        ),
        ("nonces", "view", [{"name": "owner", "type": "address"}], [{"name": "", "type": "uint256"}]),
        ("symbol", "view", [], [{"name": "", "type": "string"}]),
    )
]

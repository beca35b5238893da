"""Decode contract reverts into :class:`ContractRevert` with a plain sentence.

Every custom error of every compiled contract is known by its selector. The sentence comes from
the error's NatSpec (``@notice``, else ``@dev``) with each back-quoted parameter name replaced by
its value; role hashes are shown by their names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from .enums import SOLIDITY, Role, solidity_members
from .exceptions import ContractRevert

_IN_WORDS = {
    Role.OST_OFFICE: "the OST office's role",
    Role.COUNTRY_AMBASSADOR: "the Country Ambassador's role",
    Role.TOWN_AMBASSADOR: "the Town Ambassador's role",
    Role.COORDINATOR: "a coordinator's role",
}
# A role by what it is, in words, then its name in the contracts: "the Town Ambassador's role (TOWN_AMBASSADOR_ROLE)".
ROLE_NAMES = {Role.id(name): f"{_IN_WORDS.get(name, name)} ({name})" for name in Role.ALL}

_OVERRIDES = {
    "AccessControlUnauthorizedAccount": "`account` does not hold `neededRole`.",
    "EnforcedPause": "The contract is paused.",
    "ERC20InsufficientBalance": "`sender` holds `balance`, less than the `needed` asked for.",
    "ERC20InsufficientAllowance": "`spender` may spend `allowance` of the owner's tokens, less than `needed`.",
    "ERC2612ExpiredSignature": "The permit expired at `deadline`.",
    "ERC2612InvalidSigner": "The permit was signed by `signer`, not by `owner`.",
    "ReentrancyGuardReentrantCall": "A call re-entered a guarded function.",
    "ERC2771ForwarderInvalidSigner": "The request is not signed by `from` for this forwarder as it stands: it was "
    "signed for another town, changed after signing, or its nonce was already used.",
    "ERC2771ForwarderExpiredRequest": "The request expired at `deadline` (unix time): sign it again.",
    "ERC2771UntrustfulTarget": "`target` does not take requests from this forwarder (`forwarder`): it belongs to "
    "another town, or is not one of the town's member-facing contracts.",
    "ERC2771ForwarderMismatchedValue": "The request asks `requestedValue` wei of coin, and `msgValue` came with it.",
}

# Solidity enums reach the ABI as uint8; their member names, for sentences.
ENUMS = {f"enum {name}": tuple(solidity_members(enum)) for enum, name in SOLIDITY.items()}

_WORDS = {"enum IShareSale.Phase", "enum ITownRegistry.Tier"}

_PANICS = {
    0x01: "an assertion failed",
    0x11: "an arithmetic operation overflowed or underflowed",
    0x12: "a division by zero",
    0x21: "an invalid enum value",
    0x32: "an array index out of bounds",
    0x41: "out of memory",
}

_ERROR_STRING = function_signature_to_4byte_selector("Error(string)")
_PANIC = function_signature_to_4byte_selector("Panic(uint256)")


def _type_string(param: dict[str, Any]) -> str:
    if param["type"].startswith("tuple"):
        inner = ",".join(_type_string(c) for c in param["components"])
        return f"({inner}){param['type'][5:]}"
    return str(param["type"])


def _display(value: Any, abi_type: str, internal_type: str = "") -> str:
    names = ENUMS.get(internal_type)
    if names is not None and isinstance(value, int) and value < len(names):
        # A phase or a tier is a word in a sentence ("in the world phase"), not a Solidity name ("World").
        return names[value].lower() if internal_type in _WORDS else names[value]
    if abi_type == "address":
        return to_checksum_address(value)
    if isinstance(value, bytes):
        if abi_type == "bytes32" and value in ROLE_NAMES:
            return ROLE_NAMES[value]
        if abi_type == "bytes2" and value.isalpha() and value.isupper():  # an ISO 3166-1 country code
            return country_said(value.decode())
        return "0x" + value.hex()
    return str(value)


def country_said(code: str) -> str:
    """A country code with its name in English, where Babel knows it: ``ZA (South Africa)``."""
    try:
        from babel import Locale  # the bridge's, and the development environment's; a bare install says the code
    except ImportError:
        return code
    name = Locale("en").territories.get(code)
    return f"{code} ({name})" if name else code


class ErrorDecoder:
    """Knows every custom error of a set of ABIs, with its NatSpec."""

    def __init__(self, artifacts: Iterable[dict[str, Any]]) -> None:
        self._errors: dict[bytes, tuple[str, list[dict[str, Any]], str]] = {}
        for artifact in artifacts:
            docs: dict[str, Any] = {}
            for key, field in (("devdoc", "details"), ("userdoc", "notice")):
                for signature, entries in artifact.get(key, {}).get("errors", {}).items():
                    text = entries[0].get(field) if entries else None
                    if text:
                        docs[signature] = text
            for item in artifact["abi"]:
                if item["type"] != "error":
                    continue
                signature = f"{item['name']}({','.join(_type_string(p) for p in item['inputs'])})"
                selector = function_signature_to_4byte_selector(signature)
                text = _OVERRIDES.get(item["name"]) or docs.get(signature, "")
                known = self._errors.get(selector)
                if known is None or (text and not known[2]):
                    self._errors[selector] = (item["name"], item["inputs"], text)

    def decode(self, data: str | bytes | None) -> ContractRevert:
        """The revert that ``data`` (the revert's return data) describes."""
        raw = bytes.fromhex(data[2:] if data.startswith("0x") else data) if isinstance(data, str) else data
        if not raw:
            return ContractRevert("Revert", (), {}, "The call reverted without a reason.")
        selector, body = raw[:4], raw[4:]
        if selector == _ERROR_STRING:
            (message,) = abi_decode(["string"], body)
            return ContractRevert("Error", (message,), {"message": message}, f"The call reverted: {message}")
        if selector == _PANIC:
            (code,) = abi_decode(["uint256"], body)
            what = _PANICS.get(code, f"panic code {code:#x}")
            return ContractRevert("Panic", (code,), {"code": code}, f"The contract failed: {what}.")
        known = self._errors.get(selector)
        if known is None:
            return ContractRevert("Unknown", (raw,), {}, f"The call reverted with unknown data 0x{raw.hex()}.")
        name, inputs, text = known
        values = abi_decode([_type_string(p) for p in inputs], body)
        named = {p["name"]: v for p, v in zip(inputs, values, strict=True)}
        shown = {
            p["name"]: _display(v, p["type"], p.get("internalType", "")) for p, v in zip(inputs, values, strict=True)
        }
        if text:
            sentence = re.sub(r"`(\w+)`", lambda m: shown.get(m.group(1), m.group(0)), text)
        else:
            sentence = f"{name}({', '.join(f'{k}={v}' for k, v in shown.items())})"
        return ContractRevert(name, tuple(values), named, f"{name}: {sentence}")

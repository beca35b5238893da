"""People's units and identifiers: amounts in whole units, checksummed addresses, ids as bytes32."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from eth_utils import is_address, is_checksum_address, keccak, to_checksum_address

from .exceptions import ConfigError

ONE_INF = 10**18
"""One INFINITY in its smallest unit (INF has 18 decimals)."""


def hash_id(text: str) -> bytes:
    """The bytes32 key of a participation or redemption id: ``0x`` and 64 hex digits as is, else keccak of the text."""
    if re.fullmatch(r"0x[0-9a-fA-F]{64}", text):
        return bytes.fromhex(text[2:])
    if not text or len(text) > 200:
        raise ConfigError("An id must be 1 to 200 characters (or 0x and 64 hex digits).")
    return keccak(text=text)


@lru_cache(maxsize=65_536)  # a town's addresses recur; a checksum costs a keccak
def valid_address(value: object) -> str | None:
    """``value`` checksummed if it is an address (a mixed-case one must carry a valid EIP-55 checksum), else None."""
    if not isinstance(value, str) or not is_address(value):
        return None
    digits = value[2:]
    if digits != digits.lower() and digits != digits.upper() and not is_checksum_address(value):
        return None
    return to_checksum_address(value)


DEV_CHAIN_ID = 31337  # the development chain, whose accounts dev:0, dev:1, … have public keys


def checksum(address: str, what: str = "address", *, chain_id: int | None = None) -> str:
    """``address`` checksummed, or a clear error. On the development chain (``chain_id`` 31337) ``dev:N`` names its
    N-th account, as plans do; anywhere else ``dev:N`` is refused, saying why."""
    if address.startswith("dev:"):
        return _development(address, what, chain_id)
    checked = valid_address(address)
    if checked is None:
        raise ConfigError(f"The {what} {address!r} is not an address (0x and 40 hex digits, checksum if mixed case).")
    return checked


def parse_amount(text: str | int | Decimal, decimals: int, what: str = "amount") -> int:
    """``text`` in whole units (``"1.5"``) as an integer of the smallest unit; positive, at most ``decimals`` places."""
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        raise ConfigError(f"The {what} {text!r} is not a number.") from None
    units = value * (Decimal(10) ** decimals)
    if not value.is_finite() or units <= 0 or units != units.to_integral_value():
        raise ConfigError(f"The {what} {text} must be positive with at most {decimals} decimal places.")
    return int(units)


def format_amount(units: int, decimals: int) -> str:
    """``units`` of the smallest unit in whole units, without trailing zeros."""
    text = f"{Decimal(units) / (Decimal(10) ** decimals):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _development(reference: str, what: str, chain_id: int | None) -> str:
    from .chain import dev_accounts  # the accounts are derived only when named

    if chain_id != DEV_CHAIN_ID:
        where = f"this is chain {chain_id}" if chain_id is not None else "no chain is named here"
        raise ConfigError(
            f"The {what} {reference!r} names a development account, whose key is public: dev:N is for the "
            f"development chain ({DEV_CHAIN_ID}) only and {where}. Write the 0x address."
        )
    accounts = dev_accounts()
    index = reference.removeprefix("dev:")
    if not index.isdigit() or int(index) >= len(accounts):
        raise ConfigError(
            f"The {what} {reference!r} is not a development account: dev:0 to dev:{len(accounts) - 1} exist."
        )
    return str(accounts[int(index)].address)

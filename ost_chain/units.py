"""People's units and identifiers: amounts in whole units, checksummed addresses, ids as bytes32."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation, localcontext
from functools import lru_cache
from zoneinfo import ZoneInfo

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


def relayed_id(coordinator: str, text: str) -> bytes:
    """The bytes32 key of ``coordinator``'s participation ``text`` when the bridge's relayer mints it: on chain every
    coordinator's ids are its own, and a batch is its relayer's, so the bridge keeps each coordinator's ids apart
    in the relayer's with the coordinator's address: keccak256(abi.encode(coordinator, id))."""
    return keccak(bytes(12) + bytes.fromhex(coordinator[2:]) + hash_id(text))


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


UINT256_MAX = 2**256 - 1
UINT96_MAX = 2**96 - 1
_PRECISE = Context(
    prec=160
)  # every uint256 in whole units and its decimals, exactly (a Decimal's default is 28 digits)


def parse_amount(text: str | int | Decimal, decimals: int, what: str = "amount", most: int = UINT256_MAX) -> int:
    """``text`` in whole units (``"1.5"``, or ``"1,5"`` written with a decimal comma) as an integer of the smallest
    unit; positive, at most ``decimals`` places, at most ``most`` smallest units (what the chain can hold: a uint256
    by default). A comma that could be a thousands separator is refused, saying to write the decimal point."""
    with localcontext(_PRECISE):
        return _parse_amount(text, decimals, what, most)


def _parse_amount(text: str | int | Decimal, decimals: int, what: str, most: int) -> int:
    written = str(text).strip()
    if "," in written:
        whole, _, fraction = written.partition(",")
        if "." in written or "," in fraction or len(fraction) == 3 or not whole or not fraction:
            raise ConfigError(
                f"The {what} {written!r} is ambiguous: write whole units with a decimal point and no thousands "
                "separator, e.g. 1500 or 1.5."
            )
        written = f"{whole}.{fraction}"  # 1,5 is one and a half
    try:
        value = Decimal(written)
    except InvalidOperation:
        raise ConfigError(f"The {what} {text!r} is not a number: write it in whole units, e.g. 1.5.") from None
    if not value.is_finite() or abs(value.adjusted()) > 120:
        raise ConfigError(f"The {what} {text!r} is not an amount anyone could hold: write it in whole units, e.g. 1.5.")
    units = value * (Decimal(10) ** decimals)
    if units <= 0 or units != units.to_integral_value():
        raise ConfigError(f"The {what} {_plain(value)} must be positive with at most {decimals} decimal places.")
    if units > most:
        raise ConfigError(
            f"The {what} {_plain(value)} is more than can be held here ({format_amount(most, decimals, 0)} at most): "
            "check the number."
        )
    return int(units)


def _plain(value: Decimal) -> str:
    """A number in plain digits, never exponent notation."""
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_amount(units: int, decimals: int, places: int | None = None) -> str:
    """``units`` of the smallest unit in whole units, without trailing zeros; ``places``: rounded to at most that
    many decimals, as people read amounts (a non-zero amount below that shows as ``<0.0001``). Exact for any
    uint256, in plain digits."""
    with localcontext(_PRECISE):
        return _format_amount(units, decimals, places)


def _format_amount(units: int, decimals: int, places: int | None) -> str:
    value = Decimal(units) / (Decimal(10) ** decimals)
    if places is not None and value:
        rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
        if not rounded:
            return f"<{Decimal(1).scaleb(-places):f}"
        value = rounded
    text = f"{value:,f}" if places is not None else f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def money(units: int, decimals: int, symbol: str) -> str:
    """An amount as people read it: whole units, rounded to four decimals, with its currency (``1,234.5 USDC``)."""
    return f"{format_amount(units, decimals, places=4)} {symbol}"


def numbered(n: int, noun: str, plural: str | None = None) -> str:
    """A number with its noun's form, as the command says it in English: ``1 member``, ``1,000 members``,
    ``2 countries`` (``plural`` where adding an s is wrong). The bridge's words come from its catalogs' plural
    forms; the command speaks English."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def when(timestamp: int, zone: str = "UTC") -> str:
    """A unix time as a date and time in ``zone`` (an IANA name): ``3 March 2026, 14:00 SAST``."""
    moment = datetime.fromtimestamp(timestamp, ZoneInfo(zone))
    return f"{moment.day} {moment:%B %Y, %H:%M} {moment.tzname()}"


def duration(seconds: int) -> str:
    """A duration in words, to the minute: ``2 days 3 hours``."""
    minutes = max(0, int(seconds)) // 60
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    said = [f"{n} {word}{'s' if n != 1 else ''}" for n, word in parts if n][:2]
    return " ".join(said) or "less than a minute"


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

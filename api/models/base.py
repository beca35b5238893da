"""What every body of the API shares: camelCase keys, the shape of an id, and an address checked."""

from __future__ import annotations

from pydantic import BaseModel as _PydanticModel
from pydantic import ConfigDict
from pydantic.alias_generators import to_camel

from ost_chain.units import valid_address

from ..i18n import _


class BaseModel(_PydanticModel):
    """Every body of the API: camelCase keys, as the CLI's JSON (``participationId``, ``txHash``); a request may
    also use the snake_case names of the first version."""

    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )


ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/@#+=-]{0,199}$"


def _phone_like(value: str) -> bool:
    """A phone number as a coordinator would write it, in full (``+27 82 123 4567``) or as dialled at home
    (``082 123 4567``, the town's country), to resolve to its member's address. An address has its ``x``."""
    digits = sum(c.isdigit() for c in value)
    return value.startswith(("+", "0")) and 8 <= digits <= 15 and set(value) <= set("+0123456789 -")


def check_address(value: str) -> str:
    """``value`` checksummed, or a ValueError saying what an address must look like."""
    checked = valid_address(value)
    if checked is None:
        raise ValueError(_("expected an address: 0x and 40 hex digits, with a valid EIP-55 checksum if mixed case"))
    return checked


class Links(BaseModel):
    self: str

"""Members' relayed actions (gasless), the ambassadors' signed phone orders, and a member's quota of the day."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field, field_validator

from ..db import Status
from .base import BaseModel, Links, check_address

# ── relayed actions (gasless) ──


class RelayCreate(BaseModel):
    """A member's signed forward request: the ``ForwardRequest`` message they signed (``eth_signTypedData_v4``,
    domain: this town's ``TownForwarder``) and the signature. Numbers may be JSON numbers or decimal strings."""

    model_config = ConfigDict(extra="forbid")
    sender: str = Field(alias="from", description="The member's address: who signed, and who acts.")
    to: str = Field(description="The town's contract called: INFINITY, the profit distributor, a sale or share token.")
    value: int = Field(default=0, ge=0, lt=2**256, description="Always 0: a relayed action carries no coin.")
    gas: int = Field(gt=0, lt=2**256, description="Gas the call may use.")
    nonce: int = Field(ge=0, lt=2**63, description="The member's next nonce at the town's forwarder.")
    deadline: int = Field(ge=0, lt=2**48, description="Unix time after which the forwarder refuses the request.")
    data: str = Field(pattern=r"^0x([0-9a-fA-F]{2}){4,}$", max_length=8_192, description="The call's data, hex.")
    signature: str = Field(pattern=r"^0x[0-9a-fA-F]{130}$", description="65-byte signature, hex.")

    _check = field_validator("sender", "to")(lambda cls, v: check_address(v))


class PhoneOrderCreate(BaseModel):
    """An ambassador's order about a phone member: the ``PhoneOrder`` they signed (``eth_signTypedData_v4``, domain
    ``OST bridge``, this town's registry) and the signature; a reset also carries the one-time PIN it signed."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["sign-up", "reset-pin", "propose-move", "confirm-move", "list"]
    phone: str = Field(max_length=32, description="The member's number (the lost SIM's, for a move); empty to list.")
    detail: str = Field(max_length=80, description="The name (sign-up), the new number (a move), the PIN's digest.")
    deadline: int = Field(ge=0, lt=2**63, description="Unix time after which the order is refused.")
    nonce: str = Field(pattern=r"^0x[0-9a-fA-F]{64}$", description="32 random bytes, hex: each order is used once.")
    signature: str = Field(pattern=r"^0x[0-9a-fA-F]{130}$", description="65-byte signature, hex.")
    one_time_pin: str | None = Field(default=None, max_length=6, description="A reset's one-time PIN.")


class RelayPublic(BaseModel):
    """Where a member's relayed action stands, to its block."""

    relay_id: str = Field(description="The EIP-712 hash the member signed: the same request always has this id.")
    status: Status
    signer: str
    action: str = Field(description="What it does, in words: send INF, redeem a basket, claim profit, …")
    target: str
    nonce: int
    tx_hash: str | None
    block: int | None
    gas_used: int | None = Field(description="Its part of the relay transaction's gas.")
    cost: str | None = Field(description="What the relayer paid for it, in wei, as a decimal string.")
    reason: str | None
    created_at: datetime
    updated_at: datetime
    links: Links


class RelayQuota(BaseModel):
    """What a member has left of today's free actions (the town's day, in its time zone)."""

    address: str
    day: str = Field(description="The town's day, YYYY-MM-DD.")
    free_actions: int
    used: int
    left: int
    gas_used: int
    gas_per_day: int
    next_day: str = Field(description="When the next day's actions begin, e.g. 00:00 SAST.")
    sentence: str

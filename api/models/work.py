"""The coordinators' bodies: participations (an API key's or a signed one) and the meals that went with them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import ConfigDict, Field, field_validator, model_validator

from ..db import Status
from ..i18n import _
from .base import ID_PATTERN, BaseModel, Links, _phone_like, check_address

# ── participations ──


class Attestation(BaseModel):
    """A coordinator's EIP-712 signature of the participation (see ``participation_typed_data``)."""

    model_config = ConfigDict(extra="forbid")
    coordinator: str = Field(description="The signing coordinator's address.")
    deadline: int = Field(ge=0, lt=2**64, description="Last second (unix time) at which it may be relayed.")
    signature: str = Field(pattern=r"^0x[0-9a-fA-F]{130}$", description="65-byte signature, hex.")

    _check = field_validator("coordinator")(lambda cls, v: check_address(v))


class ParticipationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participation_id: str = Field(pattern=ID_PATTERN, description="Unique id; letters, digits and ._:/@#+=- only.")
    member: str = Field(description="The member's address, or a phone member's number (+27… or 082…).")
    project_id: int = Field(ge=0, lt=2**64)
    minutes_worked: int | None = Field(
        default=None, gt=0, le=1440, alias="minutes", description="Minutes worked, as `ost reward --minutes` takes."
    )
    hours: Decimal | None = Field(
        default=None, gt=0, le=24, description="Or hours worked, in whole minutes (e.g. 3 or 1.5): give one of the two."
    )
    evidence_uri: str | None = Field(default=None, max_length=2048)
    meal: bool = Field(default=False, description="A community-kitchen meal goes with this participation.")
    attestation: Attestation | None = None

    _check = field_validator("member")(lambda cls, v: v if _phone_like(v) else check_address(v))

    @field_validator("hours")
    @classmethod
    def _whole_minutes(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and value * 60 != (value * 60).to_integral_value():
            raise ValueError(_("hours must come to a whole number of minutes (e.g. 1.5, not 1.51)"))
        return value

    @model_validator(mode="after")
    def _one_duration(self) -> ParticipationCreate:
        if (self.minutes_worked is None) == (self.hours is None):
            raise ValueError(_("give the time worked once: minutes (e.g. 180) or hours (e.g. 3), not both or neither"))
        return self

    @property
    def minutes(self) -> int:
        return self.minutes_worked if self.minutes_worked is not None else int((self.hours or 0) * 60)


class ParticipationPublic(BaseModel):
    """Where a participation stands. Who it names — the member, the coordinator, the meal, the evidence — is shown
    only to a coordinator's key; anyone holding the id (a signer without a key) sees its progress."""

    participation_id: str
    status: Status
    member: str | None
    project_id: int
    minutes: int
    coordinator: str | None
    meal: bool | None
    evidence_uri: str | None
    tx_hash: str | None
    block: int | None
    minted: str | None = Field(description="INF minted, in wei (10^-18 INF), as a decimal string.")
    reason: str | None
    created_at: datetime
    updated_at: datetime
    links: Links


# ── meals ──


class MealCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participation_id: str = Field(pattern=ID_PATTERN)
    served_at: datetime | None = Field(
        default=None, description="Default: now. Without an offset, the town's local time (its plan's time zone)."
    )
    note: str | None = Field(default=None, max_length=500)


class MealPublic(BaseModel):
    participation_id: str
    member: str
    served_on: str
    served_at: datetime
    note: str | None
    recorded_by: str

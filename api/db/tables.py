"""The bridge's tables: API keys, participations, members' relayed actions, their batches, phone accounts and their
orders and moves, USSD steps, SMS receipts, meals, the lease; and the statuses their rows go through."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Status(StrEnum):
    """Where a participation stands: waiting, in a transaction, minted, or refused with a reason."""

    QUEUED = "queued"
    SUBMITTED = "submitted"
    CONFIRMED = "confirmed"
    FAILED = "failed"


class BatchStatus(StrEnum):
    """Where a batch transaction stands: broadcast and awaited, mined, or given up (its rows queued again)."""

    SENT = "sent"
    CONFIRMED = "confirmed"
    FAILED = "failed"


class BatchKind(StrEnum):
    """What a batch transaction calls: ``rewardBatch`` (API-key rows) or ``rewardWithAttestation`` (one signed row)."""

    BATCH = "batch"
    ATTESTATION = "attestation"
    RELAY = "relay"  # ``executeBatch`` of the forwarder: members' signed requests


class RelayStatus(StrEnum):
    """Where a member's relayed action stands: waiting, in a transaction, done, or refused or reverted."""

    QUEUED = "queued"
    SUBMITTED = "submitted"
    CONFIRMED = "confirmed"
    FAILED = "failed"


class Base(DeclarativeBase):
    pass


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # public part of the key
    digest: Mapped[str] = mapped_column(String(64))  # sha-256 of the secret part
    coordinator: Mapped[str] = mapped_column(String(42), index=True)
    town: Mapped[str] = mapped_column(String(42), server_default="")  # the one town it acts in (its registry)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Participation(Base):
    """A coordinator's participation in a town: its id is the coordinator's own in that town (another coordinator,
    or the same one in another town, may use the same id for its own participation), and so is its key on chain."""

    __tablename__ = "participations"
    __table_args__ = (
        PrimaryKeyConstraint("participation_id", "coordinator", "town", name="pk_participations_town"),
        Index("ix_participations_coordinator_block", "coordinator", "block"),
        Index("ix_participations_town_status", "town", "status", "created_at"),  # each town's queue
        UniqueConstraint("town", "coordinator", "key", name="uq_participations_town_key"),
    )

    participation_id: Mapped[str] = mapped_column(String(200))
    # The bytes32 on chain: the id's own for a signed participation (in its coordinator's ids), the coordinator's
    # address and the id's for one the bridge's relayer mints (ost_chain.units.relayed_id).
    key: Mapped[str] = mapped_column(String(66))
    body_hash: Mapped[str] = mapped_column(String(64))
    member: Mapped[str] = mapped_column(String(42), index=True)
    project_id: Mapped[int] = mapped_column(BigInteger)
    minutes: Mapped[int] = mapped_column(Integer)
    evidence_uri: Mapped[str | None] = mapped_column(Text, nullable=True)
    meal: Mapped[bool] = mapped_column(Boolean, default=False)
    coordinator: Mapped[str] = mapped_column(String(42))
    # The town it belongs to (its registry): "" only in a row from before revision 0011 that the bridge has not
    # named yet (it names its first town in them when it starts).
    town: Mapped[str] = mapped_column(String(42), server_default="")
    api_key_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    attestation: Mapped[dict[str, Any] | None] = mapped_column(
        JSON(none_as_null=True), nullable=True
    )  # deadline, signature
    status: Mapped[str] = mapped_column(String(12), index=True, default=Status.QUEUED)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), nullable=True, index=True)
    tx_hash: Mapped[str | None] = mapped_column(String(66), nullable=True)
    block: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    minted: Mapped[str | None] = mapped_column(String(80), nullable=True)  # wei, as text (beyond 64 bits)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Batch(Base):
    """One transaction (and its re-priced replacements, same nonce) carrying participations."""

    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(12))  # a BatchKind
    # The town whose INFINITY a batch of participations calls (its registry); "" for a relay batch (the network's
    # forwarder, every town's requests) and in a row from before revision 0011 the bridge has not named yet.
    town: Mapped[str] = mapped_column(String(42), server_default="")
    nonce: Mapped[int] = mapped_column(BigInteger)
    sender: Mapped[str] = mapped_column(String(42))
    tx_hashes: Mapped[list[str]] = mapped_column(JSON, default=list)  # every signed version, newest last
    raw_tx: Mapped[str] = mapped_column(Text)  # newest signed version, to re-broadcast after a crash
    tx: Mapped[dict[str, Any]] = mapped_column(JSON)  # the unsigned newest version, to re-price
    status: Mapped[str] = mapped_column(String(12), default=BatchStatus.SENT, index=True)
    size: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    repriced_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    block: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    gas_used: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    cost: Mapped[str | None] = mapped_column(String(80), nullable=True)  # wei the relayer paid, as text
    mined_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, index=True)


class RelayRequest(Base):
    """A member's signed forward request, relayed once: the town's forwarder uses each (signer, nonce) once."""

    __tablename__ = "relays"
    __table_args__ = (
        # One live request per nonce of a signer. A failed one leaves its nonce free: either the forwarder used it
        # (its event says so, and the chain refuses it again) or it was never sent, and the member signs anew.
        Index(
            "ux_relays_signer_nonce",
            "signer",
            "nonce",
            unique=True,
            sqlite_where=text("status != 'failed'"),
            postgresql_where=text("status != 'failed'"),
        ),
        Index("ix_relays_signer_day", "signer", "day"),
        Index("ix_relays_town_status", "town", "status", "created_at"),  # each town's turn in a batch
        Index("ix_relays_town_day", "town", "day"),  # the gas a town's day has taken of its budget
    )

    id: Mapped[str] = mapped_column(String(66), primary_key=True)  # the EIP-712 hash the member signed
    signer: Mapped[str] = mapped_column(String(42))
    target: Mapped[str] = mapped_column(String(42))
    # The town whose desk took it (its registry): "" only in a row from before revision 0010 that the bridge has not
    # named yet (it names its first town in them when it starts).
    town: Mapped[str] = mapped_column(String(42), server_default="")
    action: Mapped[str] = mapped_column(String(40))  # the member action's slug: "send-inf" (ost_chain/actions.py)
    nonce: Mapped[int] = mapped_column(BigInteger)
    gas: Mapped[int] = mapped_column(BigInteger)  # the gas the member's request gives its call
    deadline: Mapped[int] = mapped_column(BigInteger)  # unix time
    data: Mapped[str] = mapped_column(Text)  # hex
    signature: Mapped[str] = mapped_column(String(132))
    estimate: Mapped[int] = mapped_column(BigInteger)  # gas of the relay alone, simulated at intake
    day: Mapped[str] = mapped_column(String(10))  # the town's day it counts against (YYYY-MM-DD)
    counted: Mapped[bool] = mapped_column(Boolean, default=True)  # against the member's quota
    status: Mapped[str] = mapped_column(String(12), index=True, default=RelayStatus.QUEUED)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), nullable=True, index=True)
    tx_hash: Mapped[str | None] = mapped_column(String(66), nullable=True)
    block: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    gas_used: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # its part of the batch's gas
    cost: Mapped[str | None] = mapped_column(String(80), nullable=True)  # wei the relayer paid for it, as text
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class PhoneAccount(Base):
    """A member with a feature phone: the custodial key the bridge holds for the number (sealed), the PIN (hashed)."""

    __tablename__ = "phone_accounts"

    phone: Mapped[str] = mapped_column(String(16), primary_key=True)  # E.164
    address: Mapped[str] = mapped_column(String(42), unique=True)
    # The town whose member it is (its registry): its ambassador's orders act on it, its menu answers the number.
    town: Mapped[str] = mapped_column(String(42), index=True, server_default="")
    sealed_key: Mapped[str] = mapped_column(Text)  # AES-256-GCM under the custody secret (api.custody)
    name: Mapped[str] = mapped_column(String(60))
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)  # chosen at the first dial
    pin_hash: Mapped[str | None] = mapped_column(Text, nullable=True)  # Argon2id; none until the first dial
    pin_failures: Mapped[int] = mapped_column(Integer, default=0)
    pin_reset: Mapped[bool] = mapped_column(Boolean, default=False)  # the PIN is a one-time one from a reset
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class PhoneOrder(Base):
    """An ambassador's signed order about a phone member, carried out: once each (its nonce), with who signed it."""

    __tablename__ = "phone_orders"

    nonce: Mapped[str] = mapped_column(String(66), primary_key=True)
    action: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str] = mapped_column(String(16), index=True)
    signer: Mapped[str] = mapped_column(String(42))
    town: Mapped[str] = mapped_column(String(42), server_default="")  # whose ambassador signed it (its registry)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class UssdStep(Base):
    """The last reply of a USSD step, kept a while: the gateway may send the same step again, and gets the same
    reply instead of a second transfer."""

    __tablename__ = "ussd_steps"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha-256 of session, number and answers
    reply: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class PhoneMove(Base):
    """A lost SIM: the Town Ambassador proposes moving an account to a new number, the Country Ambassador confirms."""

    __tablename__ = "phone_moves"

    old_phone: Mapped[str] = mapped_column(String(16), primary_key=True)
    new_phone: Mapped[str] = mapped_column(String(16))
    town: Mapped[str] = mapped_column(String(42), server_default="")  # the account's town (its registry)
    proposed_by: Mapped[str] = mapped_column(String(42))
    confirmed_by: Mapped[str | None] = mapped_column(String(42), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Sms(Base):
    """A short message to a phone member, in its language: queued, then sent (or kept when no gateway is set)."""

    __tablename__ = "sms_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedupe: Mapped[str] = mapped_column(String(120), unique=True)  # what it tells of: once each
    phone: Mapped[str] = mapped_column(String(16), index=True)
    town: Mapped[str] = mapped_column(String(42), server_default="")  # the town it tells of (its registry)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="queued", index=True)  # queued, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    not_before: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # after a failure: when to retry
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Meal(Base):
    """The community-kitchen meal served with a participation, recorded by the coordinator who confirmed it."""

    __tablename__ = "meals"
    __table_args__ = (
        PrimaryKeyConstraint("participation_id", "recorded_by", "town", name="pk_meals_town"),
        ForeignKeyConstraint(
            ["participation_id", "recorded_by", "town"],
            ["participations.participation_id", "participations.coordinator", "participations.town"],
            name="fk_meals_participation",
            onupdate="CASCADE",  # a meal's town is its participation's, named with it
        ),
        Index("ix_meals_town_served_on", "town", "served_on"),
    )

    participation_id: Mapped[str] = mapped_column(String(200))
    served_on: Mapped[str] = mapped_column(String(10), index=True)  # YYYY-MM-DD
    served_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    member: Mapped[str] = mapped_column(String(42), index=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(42))
    # The town it belongs to (its registry): "" only in a row from before revision 0011 that the bridge has not
    # named yet (it names its first town in them when it starts).
    town: Mapped[str] = mapped_column(String(42), server_default="")


class Lease(Base):
    """Who runs the worker: one row, held for a few seconds at a time and renewed."""

    __tablename__ = "worker_lease"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime)

"""The index: the OST network's events as the bridge read them from the chain — each town's, each with its town —,
the blocks they are in, how far it has read (its cursor) and each town's headline figures, kept as it reads. Every
read of a town's history, and the network's figures, is served from here.

Amounts are decimal text: an amount of INF in wei passes SQLite's 64-bit integers at 9.2 INF.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base


class IndexCursor(Base):
    """How far the index has read a chain's events: the last block read (every event up to it is in), and its hash."""

    __tablename__ = "index_cursor"

    source: Mapped[str] = mapped_column(String(40), primary_key=True)  # "town"
    block: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(66))


class IndexedBlock(Base):
    """A block the index read an event from, or its cursor stood on: its hash and parent's (a reorg is found by a
    hash that no longer matches the chain's), and its time."""

    __tablename__ = "index_blocks"

    number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[str] = mapped_column(String(66))
    parent: Mapped[str] = mapped_column(String(66))
    time: Mapped[int] = mapped_column(BigInteger)  # unix seconds, as the chain keeps it


class IndexedEvent(Base):
    """One event of a town's contracts (``town``: its registry; the network's own and the shared forwarder's: "",
    read by no town): what it is, whom it is about (``account``, and ``other`` where two are named), its business,
    asset and amount where it has them, and every argument as the ABI names it."""

    __tablename__ = "index_events"
    __table_args__ = (
        UniqueConstraint("block", "log_index", name="uq_index_events_log"),
        Index("ix_index_events_town_account_block", "town", "account", "block"),
        Index("ix_index_events_town_kind_block", "town", "kind", "block"),
        Index("ix_index_events_kind_block", "kind", "block"),  # the network's reads, across every town
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    town: Mapped[str] = mapped_column(String(42))
    block: Mapped[int] = mapped_column(BigInteger, index=True)
    log_index: Mapped[int] = mapped_column(Integer)
    tx: Mapped[str] = mapped_column(String(66))
    contract: Mapped[str] = mapped_column(String(42))
    kind: Mapped[str] = mapped_column(String(80))  # the contract's name and the event's: "InfinityToken.Rewarded"
    business_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    account: Mapped[str | None] = mapped_column(String(42), nullable=True)
    other: Mapped[str | None] = mapped_column(String(42), nullable=True)
    asset: Mapped[str | None] = mapped_column(String(42), nullable=True)
    amount: Mapped[str | None] = mapped_column(String(80), nullable=True)
    args: Mapped[dict[str, Any]] = mapped_column(JSON)


class IndexTotal(Base):
    """A town's headline figure the index keeps as it reads (see ``api/index/figures.py`` for each one's
    definition)."""

    __tablename__ = "index_totals"

    town: Mapped[str] = mapped_column(String(42), primary_key=True)
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    value: Mapped[str] = mapped_column(String(80))

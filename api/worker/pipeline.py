"""The pipeline: several batches in flight on the relayer's consecutive nonces, sized by gas, so each block is filled.

Each pass reads the chain's state once (the latest block, the relayer's mined and pending nonces, and the receipts
of the batches whose nonces are spent) in two JSON-RPC round trips, whatever the number of batches in flight. A
new batch is signed at the next nonce — the chain's pending nonce, or past the last batch recorded in flight,
whichever is higher: the records, never a counter — while the gas in flight is below a few blocks' worth.

Batches are sized before they are built: the most gas one may ask is a quarter of the block's gas limit (read from
the chain, so several fit a block) and never more than a transaction may ask (EIP-7825), and the rows it takes
follow from the gas per row measured by the last estimate of the same kind.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from eth_account.signers.local import LocalAccount

from ..db import Batch
from .relay import TX_GAS_CAP, RelayerProblem, Rpc, RpcError

log = logging.getLogger("ost.bridge.worker")
BATCH_SHARE = 4  # a batch asks at most this share of a block's gas limit, so several fill a block
MARGIN = 20  # a batch's gas limit is its estimate and a twentieth
PARTIAL_AFTER = 2.0  # a partial batch (of either kind) waits behind batches in flight at most this long, then goes


def room(latest: dict[str, Any]) -> int:
    """The most gas one batch may ask on this chain now."""
    return min(int(latest["gasLimit"], 16) // BATCH_SHARE, TX_GAS_CAP)


def with_margin(estimate: int) -> int:
    """The gas limit given a batch of this estimate: a twentieth more and a little, for a chain that moves between
    the estimate and the block (a block is packed by its transactions' limits, so a wider margin fills it less)."""
    return estimate + estimate // MARGIN + 25_000


@dataclass
class Look:
    """The chain as one pass of the worker sees it."""

    latest: dict[str, Any]
    mined: int  # the relayer's transactions mined (its next nonce in the latest block)
    pending: int  # the same, counting what the node holds
    receipts: dict[str, dict[str, Any]] = field(default_factory=dict)  # tx hash → receipt, for spent nonces
    known: dict[str, bool] = field(default_factory=dict)  # tx hash → the node has it, for the next nonce's batch

    def receipt(self, batch: Batch) -> tuple[str, dict[str, Any]] | None:
        """The receipt of whichever signed version of ``batch`` was mined, if one was."""
        for tx_hash in reversed(batch.tx_hashes):
            found = self.receipts.get(tx_hash)
            if found is not None:
                return tx_hash, found
        return None


def look(rpc: Rpc, relayer: str, open_batches: list[Batch]) -> Look:
    """The state of the chain and of every batch in flight, in two round trips."""
    latest, mined, pending = rpc.reads(
        [
            ("eth_getBlockByNumber", ["latest", False]),
            ("eth_getTransactionCount", [relayer, "latest"]),
            ("eth_getTransactionCount", [relayer, "pending"]),
        ]
    )
    seen = Look(latest, int(mined, 16), int(pending, 16))
    spent = [h for b in open_batches if b.nonce < seen.mined for h in b.tx_hashes]
    head = [h for b in open_batches if b.nonce == seen.mined for h in b.tx_hashes]
    answers = rpc.reads(
        [("eth_getTransactionReceipt", [h]) for h in spent] + [("eth_getTransactionByHash", [h]) for h in head]
    )
    seen.receipts = {h: r for h, r in zip(spent, answers[: len(spent)], strict=True) if r is not None}
    seen.known = {h: t is not None for h, t in zip(head, answers[len(spent) :], strict=True)}
    return seen


def next_nonce(seen: Look, open_batches: list[Batch]) -> int:
    """The nonce of the next batch: the node's pending nonce, or past the last batch in flight if higher (a batch
    recorded but not yet broadcast, or dropped by the node, still holds its nonce)."""
    return max([seen.pending, *(b.nonce + 1 for b in open_batches)])


def has_room(seen: Look, in_flight: list[Batch], blocks: float, most: int) -> bool:
    """Whether another batch may be sent: fewer than ``most`` in flight, asking less than ``blocks`` blocks' gas."""
    if len(in_flight) >= most:
        return False
    asked = sum(int(b.tx.get("gas", 0)) for b in in_flight)
    return asked < blocks * int(seen.latest["gasLimit"], 16)


def fill_gap(rpc: Rpc, relayer: LocalAccount, chain_id: int, seen: Look, open_batches: list[Batch]) -> bool:
    """A nonce below batches in flight that nothing holds (its batch was refused by the node and its rows queued
    again) would hold every later batch for ever: send the relayer a transfer of nothing to itself at that nonce.
    True if one was sent."""
    above = any(b.nonce > seen.mined for b in open_batches)
    if not above or seen.pending > seen.mined or any(b.nonce == seen.mined for b in open_batches):
        return False
    base = int(seen.latest.get("baseFeePerGas", "0x0"), 16)
    priority = int(rpc("eth_maxPriorityFeePerGas"), 16)
    tx: dict[str, Any] = {
        "chainId": chain_id,
        "nonce": seen.mined,
        "to": relayer.address,
        "value": 0,
        "gas": 21_000,
        "maxFeePerGas": 2 * base + priority,
        "maxPriorityFeePerGas": priority,
    }
    signed = relayer.sign_transaction(tx)
    try:
        rpc("eth_sendRawTransaction", signed.raw_transaction.to_0x_hex())
    except RpcError as exc:
        raise RelayerProblem(
            f"The nonce {seen.mined} left free by a refused batch could not be filled: {exc}"
        ) from None
    log.info("nonce %d filled with a transfer of nothing (tx %s): the batches after it go on", seen.mined, signed.hash)
    return True


class Sizes:
    """The gas per row of each kind of batch, as it was last measured (an estimate, or a mined batch's receipt): how
    many rows the next batch takes."""

    def __init__(self) -> None:
        self._per_row: dict[str, int] = {}

    def per_row(self, kind: str) -> int | None:
        return self._per_row.get(kind)

    def rows(self, kind: str, gas_room: int, most: int) -> int:
        per_row = self._per_row.get(kind)
        if not per_row:
            return most
        return max(1, min(most, (gas_room - 25_000) * MARGIN // (MARGIN + 1) // per_row))

    def measured(self, kind: str, gas: int, rows: int) -> None:
        self._per_row[kind] = max(1, gas // max(1, rows))

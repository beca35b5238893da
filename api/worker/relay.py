"""Relaying: the calldata of a batch, its signing and recording before broadcast, re-broadcast, re-pricing.

Bare JSON-RPC on the town's connection, without web3's formatters (the worker's hot path); every
selector and type comes from the artifact's ABI (:mod:`ost_chain.abi`), derived once at start-up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from sqlalchemy import update

from ost_chain.abi import Event, Function
from ost_chain.townclient import Town

from ..db import Batch, BatchKind, BatchStatus, BridgeSession, Participation, RelayRequest, Status, utcnow
from ..settings import BridgeSettings

log = logging.getLogger("ost.bridge.worker")

# What a node says when it already has the transaction, or its nonce is spent: look again later.
_BENIGN = (
    "already known",
    "known transaction",
    "nonce too low",
    "replacement transaction underpriced",
    "already imported",
)


class RpcError(Exception):
    """The node answered a JSON-RPC call with an error."""


class Reverted(Exception):
    """A call or an estimate reverted; ``data`` is the revert data to decode."""

    def __init__(self, message: str, data: str) -> None:
        super().__init__(message)
        self.data = data


class RelayerProblem(Exception):
    """The relayer cannot mint now (cap reached, token paused, role lost): participations wait."""


class Rpc:
    """Bare JSON-RPC calls on the town's connection."""

    def __init__(self, town: Town) -> None:
        self.provider = town.client.w3.provider

    def __call__(self, method: str, *params: Any) -> Any:
        response = self.provider.make_request(method, list(params))  # type: ignore[arg-type]
        error = response.get("error")
        if error:
            data = error.get("data")
            if isinstance(data, str) and data.startswith("0x") and len(data) >= 10:
                raise Reverted(str(error.get("message")), data)
            raise RpcError(f"{method}: {error.get('message')}")
        return response.get("result")


@dataclass(frozen=True)
class InfinityCodecs:
    """The INFINITY functions and event the worker uses, from the artifact's ABI; structs built by field name."""

    reward_batch: Function
    reward_with_attestation: Function
    reward_batch_with_attestations: Function
    rewarded: Event
    reward: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    participation: Callable[[Mapping[str, Any]], tuple[Any, ...]]

    @classmethod
    def of(cls, abi: list[dict[str, Any]]) -> InfinityCodecs:
        batch, attested = Function.of(abi, "rewardBatch"), Function.of(abi, "rewardWithAttestation")
        return cls(
            batch,
            attested,
            Function.of(abi, "rewardBatchWithAttestations"),
            Event.of(abi, "Rewarded"),
            batch.struct(0),
            attested.struct(0),
        )

    def calldata(self, rows: list[Participation]) -> bytes:
        """The transaction's data (addresses as bytes: no checksum, which costs a keccak each)."""
        if rows[0].attestation is not None:
            signed = [self.participation(_signed(r)) for r in rows]
            signatures = [bytes.fromhex(r.attestation["signature"][2:]) for r in rows]  # type: ignore[index]
            if len(rows) == 1:
                return self.reward_with_attestation.encode(signed[0], signatures[0])
            return self.reward_batch_with_attestations.encode(signed, signatures)
        return self.reward_batch.encode([self.reward(_reward(r)) for r in rows])


def _signed(row: Participation) -> dict[str, Any]:
    assert row.attestation is not None
    return {
        **_reward(row),
        "coordinator": bytes.fromhex(row.coordinator[2:]),
        "deadline": int(row.attestation["deadline"]),
    }


def _reward(row: Participation) -> dict[str, Any]:
    return {
        "member": bytes.fromhex(row.member[2:]),
        "minutesWorked": row.minutes,
        "participationId": bytes.fromhex(row.key[2:]),
        "projectId": row.project_id,
    }


class Relay:
    """Signs, records and broadcasts batches from the relayer's account."""

    def __init__(self, settings: BridgeSettings, relayer: LocalAccount) -> None:
        self.settings, self.relayer = settings, relayer

    def estimate(self, rpc: Rpc, to: str, data: bytes) -> int:
        """The gas of ``data`` sent to ``to``; raises :class:`Reverted` if it would revert."""
        return int(rpc("eth_estimateGas", {"from": self.relayer.address, "to": to, "data": "0x" + data.hex()}), 16)

    def send(
        self,
        session: BridgeSession,
        town: Town,
        rows: list[Participation],
        data: bytes,
        gas: int,
        latest: dict[str, Any],
    ) -> Batch:
        """Sign ``data`` at the chain's pending nonce, record the batch and its rows, then broadcast it."""
        kind = BatchKind.ATTESTATION if rows[0].attestation else BatchKind.BATCH
        batch = self.sign(town, kind, town.infinity.address, data, gas, latest, len(rows))
        tx_hash = batch.tx_hashes[0]
        with session.writing():  # recorded before it leaves: a crash from here on finds it
            session.add(batch)
            session.flush()
            session.execute(
                update(Participation),
                [
                    {
                        "participation_id": r.participation_id,
                        "status": Status.SUBMITTED,
                        "batch_id": batch.id,
                        "tx_hash": tx_hash,
                        "attempts": r.attempts + 1,
                        "updated_at": utcnow(),
                    }
                    for r in rows
                ],
            )
        log.info("batch %s: %d participation(s), nonce %d, tx %s", batch.id, len(rows), batch.nonce, tx_hash)
        self.broadcast(session, town, batch)
        return batch

    def sign(
        self, town: Town, kind: BatchKind, to: str, data: bytes, gas: int, latest: dict[str, Any], size: int
    ) -> Batch:
        """A batch of ``size`` rows calling ``to`` with ``data``, signed at the relayer's pending nonce; not yet
        recorded (the caller records it with its rows, in one write, before broadcasting it)."""
        rpc = Rpc(town)
        base = int(latest.get("baseFeePerGas", "0x0"), 16)
        priority = int(rpc("eth_maxPriorityFeePerGas"), 16)
        tx: dict[str, Any] = {
            "chainId": town.client.chain_id,
            "nonce": int(rpc("eth_getTransactionCount", self.relayer.address, "pending"), 16),
            "to": to,
            "data": "0x" + data.hex(),
            "value": 0,
            "gas": gas,
            "maxFeePerGas": 2 * base + priority,
            "maxPriorityFeePerGas": priority,
        }
        signed = self.relayer.sign_transaction(tx)
        return Batch(
            kind=kind,
            nonce=tx["nonce"],
            sender=self.relayer.address,
            tx_hashes=[signed.hash.to_0x_hex()],
            raw_tx=signed.raw_transaction.to_0x_hex(),
            tx=tx,
            status=BatchStatus.SENT,
            size=size,
        )

    def broadcast(self, session: BridgeSession, town: Town, batch: Batch) -> None:
        """Send the batch's newest version. If the node refuses it outright (no funds, over the block's gas),
        the batch is dropped, its participations wait again, and the health report says why."""
        try:
            Rpc(town)("eth_sendRawTransaction", batch.raw_tx)
        except (Reverted, RpcError) as exc:
            message = str(exc).lower()
            if any(benign in message for benign in _BENIGN):  # the node has it, or the nonce is spent: next look
                log.info("broadcast of batch %s: %s", batch.id, exc)
                return
            with session.writing():
                batch.status = BatchStatus.FAILED
                for table in (Participation, RelayRequest):
                    session.execute(
                        update(table)
                        .where(table.batch_id == batch.id)
                        .values(status=Status.QUEUED, batch_id=None, tx_hash=None, updated_at=utcnow())
                    )
            raise RelayerProblem(f"The node refused the relayer's transaction: {exc}") from None

    @staticmethod
    def receipt(rpc: Rpc, batch: Batch) -> tuple[str, dict[str, Any]] | None:
        """The receipt of whichever signed version of ``batch`` was mined, if one was."""
        for tx_hash in reversed(batch.tx_hashes):
            receipt = rpc("eth_getTransactionReceipt", tx_hash)
            if receipt is not None:
                return tx_hash, receipt
        return None

    def reprice(self, session: BridgeSession, town: Town, batch: Batch) -> None:
        """Replace a stuck transaction with the same nonce and fees a quarter higher (nodes want at least 10%)."""
        tx = dict(batch.tx)
        base = int(Rpc(town)("eth_getBlockByNumber", "latest", False).get("baseFeePerGas", "0x0"), 16)
        tx["maxPriorityFeePerGas"] = tx["maxPriorityFeePerGas"] * 5 // 4 + 1
        tx["maxFeePerGas"] = max(tx["maxFeePerGas"] * 5 // 4 + 1, 2 * base + tx["maxPriorityFeePerGas"])
        signed = self.relayer.sign_transaction(tx)
        batch.tx, batch.raw_tx = tx, signed.raw_transaction.to_0x_hex()
        batch.tx_hashes = [*batch.tx_hashes, signed.hash.to_0x_hex()]
        batch.repriced_at = utcnow()
        session.save()
        log.info("batch %s re-priced: tx %s, max fee %d", batch.id, batch.tx_hashes[-1], tx["maxFeePerGas"])
        self.broadcast(session, town, batch)

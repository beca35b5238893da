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

# JSON-RPC error codes that are the node's or the request's own trouble (EIP-1474: parse error, invalid request,
# method or params, resource unavailable, limit exceeded; providers' rate limits), never what the call itself did.
_NODE_TROUBLE = frozenset({-32700, -32600, -32601, -32602, -32002, -32004, -32005, -32007, -32016, 429})
_REVERTED = 3  # the code nodes give a revert (EIP-1474's "execution error"; geth, anvil)
# The methods that run a call: an error of theirs that is not the node's trouble is the call's own failure.
_EXECUTING = frozenset({"eth_call", "eth_estimateGas"})
# EIP-7825 (Osaka): the most gas one transaction may ask, whatever the block allows.
TX_GAS_CAP = 16_777_216


class RpcError(Exception):
    """The node answered a JSON-RPC call with an error."""


class Reverted(Exception):
    """A call or an estimate failed: ``data`` is the revert data to decode, ``0x`` for a revert without data, out of
    gas, or any other failure of the call itself (decided from the answer's form and code, never its wording).
    ``certain`` is False for an error with neither data nor a revert's code (-32000, -32603: a node's "out of gas" —
    or its "header not found"): the caller tells them apart by whether the node answered the other calls."""

    def __init__(self, message: str, data: str, *, certain: bool = True) -> None:
        super().__init__(message)
        self.data, self.certain = data, certain

    @property
    def empty(self) -> bool:
        """No revert data: out of gas, a bare ``revert()``, an invalid opcode, or a node that says no more."""
        return len(self.data) <= 2


class RelayerProblem(Exception):
    """The relayer cannot mint now (cap reached, token paused, role lost): participations wait."""


def _outcome(method: str, response: dict[str, Any]) -> Any:
    """The result of one JSON-RPC answer, or the :class:`Reverted` / :class:`RpcError` it carries."""
    error = response.get("error")
    if not error:
        return response.get("result")
    data, code = error.get("data"), error.get("code")
    if isinstance(data, dict):  # some nodes nest the revert data one level down
        data = data.get("data")
    if method in _EXECUTING:
        if isinstance(data, str) and data.startswith("0x"):
            return Reverted(str(error.get("message")), data)
        if code == _REVERTED:
            return Reverted(str(error.get("message")), "0x")
        if code not in _NODE_TROUBLE:
            return Reverted(str(error.get("message")), "0x", certain=False)
    return RpcError(f"{method}: {error.get('message')}")


class Rpc:
    """Bare JSON-RPC calls on the town's connection."""

    def __init__(self, town: Town) -> None:
        self.provider = town.client.w3.provider

    def __call__(self, method: str, *params: Any) -> Any:
        answer = _outcome(method, self.provider.make_request(method, list(params)))  # type: ignore[arg-type]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def batch(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        """Many calls in one round trip: each one's result, or the :class:`Reverted` or :class:`RpcError` it met
        (returned, not raised, so one call's failure is that call's alone)."""
        if not calls:
            return []
        responses = self.provider.make_batch_request(calls)  # type: ignore[attr-defined]
        if not isinstance(responses, list):
            raise RpcError(f"the node refused a batch of {len(calls)} calls")
        answers = sorted(responses, key=lambda r: int(r["id"]))
        if len(answers) != len(calls):
            raise RpcError(f"the node answered {len(answers)} of a batch of {len(calls)} calls")
        return [_outcome(method, answer) for (method, _), answer in zip(calls, answers, strict=True)]

    def reads(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        """Reads that must all answer, in one round trip: their results, or the first error among them raised."""
        answers = self.batch(calls)
        for answer in answers:
            if isinstance(answer, Exception):
                raise answer
        return answers


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
        nonce: int,
    ) -> Batch:
        """Sign ``data`` at ``nonce``, record the batch and its rows, then broadcast it."""
        kind = BatchKind.ATTESTATION if rows[0].attestation else BatchKind.BATCH
        batch = self.sign(town, kind, town.infinity.address, data, gas, latest, len(rows), nonce)
        batch.town = town.registry.address  # its rows' town: whose INFINITY it calls
        tx_hash = batch.tx_hashes[0]
        with session.writing():  # recorded before it leaves: a crash from here on finds it
            session.add(batch)
            session.flush()
            session.execute(
                update(Participation),
                [
                    {
                        "participation_id": r.participation_id,
                        "coordinator": r.coordinator,
                        "town": r.town,
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
        self,
        town: Town,
        kind: BatchKind,
        to: str,
        data: bytes,
        gas: int,
        latest: dict[str, Any],
        size: int,
        nonce: int,
    ) -> Batch:
        """A batch of ``size`` rows calling ``to`` with ``data``, signed at ``nonce`` (the pipeline's next); not yet
        recorded (the caller records it with its rows, in one write, before broadcasting it)."""
        rpc = Rpc(town)
        base = int(latest.get("baseFeePerGas", "0x0"), 16)
        priority = int(rpc("eth_maxPriorityFeePerGas"), 16)
        tx: dict[str, Any] = {
            "chainId": town.client.chain_id,
            "nonce": nonce,
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

    def broadcast(self, session: BridgeSession, town: Town, batch: Batch, *, fresh: bool = False) -> None:
        """Send the batch's newest version. What an error means is decided from the chain, never from the node's
        words: a node that has (or mined) a version, or whose nonce is spent, is fine — the next look settles it; a
        relayer that cannot pay the batch's most keeps it waiting, signed, until it is funded; a batch none of whose
        versions the node has any more is signed afresh at today's fees, once; any other refusal fails the batch
        and queues its rows again (the pipeline fills the nonce it leaves free)."""
        rpc = Rpc(town)
        try:
            rpc("eth_sendRawTransaction", batch.raw_tx)
            return
        except (Reverted, RpcError) as exc:
            refusal = exc
        answers = rpc.reads(
            [
                ("eth_getTransactionCount", [batch.sender, "latest"]),
                ("eth_getBalance", [batch.sender, "latest"]),
                *(("eth_getTransactionByHash", [h]) for h in batch.tx_hashes),
            ]
        )
        mined, balance, known = int(answers[0], 16), int(answers[1], 16), any(answers[2:])
        if known or mined > batch.nonce:
            log.info("broadcast of batch %s: %s (the node has a version, or its nonce is spent)", batch.id, refusal)
            return
        most = int(batch.tx["gas"]) * int(batch.tx["maxFeePerGas"]) + int(batch.tx.get("value", 0))
        if balance < most:
            raise RelayerProblem(
                f"The relayer {batch.sender} holds {balance} wei, less than the {most} wei a batch may cost in gas: "
                "fund it. Nothing is lost: the batch waits, signed, and is sent once it can be paid."
            )
        if len(batch.tx_hashes) > 1 and not fresh:  # re-priced, and no version left: today's fees, once
            log.info("batch %s: no version of it is known any more (%s): signed afresh", batch.id, refusal)
            self._resign(session, town, batch)
            self.broadcast(session, town, batch, fresh=True)
            return
        with session.writing():
            batch.status = BatchStatus.FAILED
            for table in (Participation, RelayRequest):
                session.execute(
                    update(table)
                    .where(table.batch_id == batch.id)
                    .values(status=Status.QUEUED, batch_id=None, tx_hash=None, updated_at=utcnow())
                )
        raise RelayerProblem(f"The node refused the relayer's transaction: {refusal}") from None

    def _resign(self, session: BridgeSession, town: Town, batch: Batch) -> None:
        """The batch signed again at today's fees (its nonce, calldata and gas as before), recorded before it leaves."""
        rpc = Rpc(town)
        latest, priority = rpc.reads([("eth_getBlockByNumber", ["latest", False]), ("eth_maxPriorityFeePerGas", [])])
        tx = dict(batch.tx)
        tx["maxPriorityFeePerGas"] = int(priority, 16)
        tx["maxFeePerGas"] = 2 * int(latest.get("baseFeePerGas", "0x0"), 16) + tx["maxPriorityFeePerGas"]
        signed = self.relayer.sign_transaction(tx)
        batch.tx, batch.raw_tx = tx, signed.raw_transaction.to_0x_hex()
        batch.tx_hashes = [*batch.tx_hashes, signed.hash.to_0x_hex()]
        batch.repriced_at = utcnow()
        session.save()

    def reprice(self, session: BridgeSession, town: Town, batch: Batch, latest: dict[str, Any]) -> None:
        """Replace a stuck transaction with the same nonce and fees a quarter higher (nodes want at least 10%). The
        new version is recorded before it leaves; if the node refuses it, the batch goes back to the version it had
        (a refused version's fees are never built on), and is looked at again after ``stuck_after``."""
        previous = (dict(batch.tx), batch.raw_tx, list(batch.tx_hashes))
        tx = dict(batch.tx)
        base = int(latest.get("baseFeePerGas", "0x0"), 16)
        tx["maxPriorityFeePerGas"] = tx["maxPriorityFeePerGas"] * 5 // 4 + 1
        tx["maxFeePerGas"] = max(tx["maxFeePerGas"] * 5 // 4 + 1, 2 * base + tx["maxPriorityFeePerGas"])
        signed = self.relayer.sign_transaction(tx)
        batch.tx, batch.raw_tx = tx, signed.raw_transaction.to_0x_hex()
        batch.tx_hashes = [*batch.tx_hashes, signed.hash.to_0x_hex()]
        batch.repriced_at = utcnow()
        session.save()
        try:
            Rpc(town)("eth_sendRawTransaction", batch.raw_tx)
        except (Reverted, RpcError) as exc:
            log.info("batch %s: its re-priced version was refused (%s): it stays as it was", batch.id, exc)
            batch.tx, batch.raw_tx, batch.tx_hashes = previous
            session.save()
            return
        log.info("batch %s re-priced: tx %s, max fee %d", batch.id, batch.tx_hashes[-1], tx["maxFeePerGas"])

"""The batching worker: accepted participations → ``rewardBatch`` transactions, exactly once.

One worker at a time holds the lease (a row renewed every few seconds), so several API replicas
can share one database. A batch is recorded — nonce, every signed version, the participations it
carries — *before* it is broadcast; after a crash the next worker finds it, looks for its
receipt, re-broadcasts it if the node lost it, or re-prices it if it is stuck. The nonce is the
chain's pending nonce at the moment of signing (one batch is in flight at a time), never a
counter kept here. Participations the contract would refuse are settled one by one from the
decoded revert of a simulation: already rewarded → confirmed, not a member → failed; a problem
of the relayer itself (cap, pause, role) keeps them queued and shows in the health report.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import timedelta
from typing import Any

from eth_abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from hexbytes import HexBytes
from sqlalchemy import func, select, update
from sqlalchemy.orm import sessionmaker

from ost_chain.exceptions import ContractRevert
from ost_chain.townclient import Town

from .chain import ChainView
from .db import Batch, BridgeSession, Lease, Participation, utcnow
from .settings import BridgeSettings

log = logging.getLogger("ost.bridge.worker")
LEASE_SECONDS = 10
MAX_ATTEMPTS = 3


def _commit(session: BridgeSession) -> None:
    """Write what changed in memory, taking the database's write turn only now."""
    with session.writing():
        pass


class RpcError(Exception):
    """The node answered a JSON-RPC call with an error."""


class _Reverted(Exception):
    def __init__(self, message: str, data: str) -> None:
        super().__init__(message)
        self.data = data


class _Rpc:
    """Bare JSON-RPC calls on the town's connection: the worker's hot path, without web3's formatters."""

    def __init__(self, town: Town) -> None:
        self.provider = town.client.w3.provider

    def __call__(self, method: str, *params: Any) -> Any:
        response = self.provider.make_request(method, list(params))  # type: ignore[arg-type]
        error = response.get("error")
        if error:
            data = error.get("data")
            if isinstance(data, str) and data.startswith("0x") and len(data) >= 10:
                raise _Reverted(str(error.get("message")), data)
            raise RpcError(f"{method}: {error.get('message')}")
        return response.get("result")


_BENIGN = (
    "already known",
    "known transaction",
    "nonce too low",
    "replacement transaction underpriced",
    "already imported",
)
_REWARDS = "(address,uint32,bytes32,uint256)[]"
_PARTICIPATION = "(address,uint32,bytes32,uint256,address,uint256)"
_BATCH = keccak(text=f"rewardBatch({_REWARDS})")[:4]
_ATTEST = keccak(text=f"rewardWithAttestation({_PARTICIPATION},bytes)")[:4]
_REWARDED = "0x" + keccak(text="Rewarded(address,bytes32,uint256,uint256,address,uint32)").hex()


class RelayerProblem(Exception):
    """The relayer cannot mint now (cap reached, token paused, role lost): participations wait."""


class Worker:
    def __init__(self, settings: BridgeSettings, make_session: sessionmaker[BridgeSession], chain: ChainView,
                 relayer: LocalAccount) -> None:  # fmt: skip
        self.settings, self.make_session, self.chain, self.relayer = settings, make_session, chain, relayer
        self.holder = uuid.uuid4().hex
        self.leader = False
        self.problem: str | None = None  # why minting is paused, for /healthz
        self.last_error: str | None = None
        self.confirmed = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._reconciled = False
        self._lease_until = 0.0

    # ── life ──

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="ost-bridge-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self.leader:
            with self.make_session() as session, session.writing():
                session.execute(update(Lease).where(Lease.holder == self.holder).values(expires_at=utcnow()))

    def _run(self) -> None:
        pause = 0.0
        while not self._stop.wait(pause):
            try:
                if not self._hold_lease():
                    pause = 1.0
                    continue
                if not self._reconciled:
                    self.reconcile()
                    self._reconciled = True
                pause = 0.0 if self.step() else 0.02
                self.last_error = None
            except RelayerProblem as exc:
                self.problem = str(exc)
                log.warning("minting paused: %s", exc)
                pause = 5.0
            except Exception as exc:  # noqa: BLE001 - the chain or the database is away: wait, then reconcile
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("worker: %s", self.last_error)
                self._reconciled = False
                pause = min(2.0, max(0.2, pause * 2))

    def _hold_lease(self) -> bool:
        if self.leader and time.monotonic() < self._lease_until - LEASE_SECONDS / 2:
            return True
        now = utcnow()
        with self.make_session() as session, session.writing():
            row = session.get(Lease, 1)
            if row is None:
                session.add(Lease(id=1, holder=self.holder, expires_at=now + timedelta(seconds=LEASE_SECONDS)))
            elif row.holder == self.holder or row.expires_at < now:
                taken = session.execute(
                    update(Lease).where(Lease.id == 1, Lease.holder == row.holder, Lease.expires_at == row.expires_at)
                    .values(holder=self.holder, expires_at=now + timedelta(seconds=LEASE_SECONDS))
                ).rowcount  # type: ignore[attr-defined]  # fmt: skip
                if not taken:
                    self.leader = False
                    return False
            else:
                self.leader = False
                return False
        if not self.leader:
            self._reconciled = False
        self.leader, self._lease_until = True, time.monotonic() + LEASE_SECONDS
        return True

    # ── one step ──

    def step(self) -> bool:
        """Advance the open batch, or send a new one; True if anything moved."""
        town = self.chain.town()
        with self.make_session() as session:
            open_batch = session.scalars(select(Batch).where(Batch.status == "sent").order_by(Batch.id)).first()
            if open_batch is not None:
                return self._advance(session, town, open_batch)
            rows = self._take(session)
            if not rows:
                return False
            return self._send(session, town, rows)

    def _take(self, session: BridgeSession) -> list[Participation]:
        attested = session.scalars(
            select(Participation).where(Participation.status == "queued", Participation.attestation.is_not(None))
            .order_by(Participation.created_at).limit(1)
        ).first()  # fmt: skip
        if attested is not None:
            return [attested]
        rows = list(session.scalars(
            select(Participation).where(Participation.status == "queued", Participation.attestation.is_(None))
            .order_by(Participation.created_at).limit(self.settings.batch_size)
        ))  # fmt: skip
        if rows and len(rows) < self.settings.batch_size:
            age = (utcnow() - rows[0].created_at).total_seconds()
            if age < self.settings.batch_wait:
                return []
        return rows

    @staticmethod
    def _calldata(rows: list[Participation]) -> bytes:
        """The transaction's data, encoded directly (web3's encoder re-checksums every address: a keccak each)."""
        if rows[0].attestation is not None:
            row, att = rows[0], rows[0].attestation
            participation = (bytes.fromhex(row.member[2:]), row.minutes, bytes.fromhex(row.key[2:]), row.project_id,
                             bytes.fromhex(row.coordinator[2:]), int(att["deadline"]))  # fmt: skip
            return _ATTEST + abi_encode([_PARTICIPATION, "bytes"], [participation, bytes.fromhex(att["signature"][2:])])
        entries = [(bytes.fromhex(r.member[2:]), r.minutes, bytes.fromhex(r.key[2:]), r.project_id) for r in rows]
        return _BATCH + abi_encode([_REWARDS], [entries])

    def _send(self, session: BridgeSession, town: Town, rows: list[Participation]) -> bool:
        rpc = _Rpc(town)
        infinity = town.infinity.address
        latest = rpc("eth_getBlockByNumber", "latest", False)
        room = int(latest["gasLimit"], 16) * 3 // 4  # leave room in the block for others
        while rows:
            data = self._calldata(rows)
            try:
                gas = int(rpc("eth_estimateGas", {"from": self.relayer.address, "to": infinity,
                                                  "data": "0x" + data.hex()}), 16)  # fmt: skip
            except _Reverted as exc:
                rows = self._settle_refused(session, town, rows, town.client.artifacts.errors.decode(exc.data))
                continue
            if gas * 6 // 5 + 20_000 > room and len(rows) > 1:
                rows = rows[: len(rows) // 2]  # too big for a block: the rest waits for the next batch
                continue
            break
        if not rows:
            return True
        self.problem = None
        base = int(latest.get("baseFeePerGas", "0x0"), 16)
        priority = int(rpc("eth_maxPriorityFeePerGas"), 16)
        tx: dict[str, Any] = {
            "chainId": town.client.chain_id, "nonce": int(rpc("eth_getTransactionCount", self.relayer.address,
                                                             "pending"), 16),
            "to": infinity, "data": "0x" + data.hex(), "value": 0, "gas": gas * 6 // 5 + 20_000,
            "maxFeePerGas": 2 * base + priority, "maxPriorityFeePerGas": priority,
        }  # fmt: skip
        signed = self.relayer.sign_transaction(tx)
        tx_hash = signed.hash.to_0x_hex()
        batch = Batch(kind="attestation" if rows[0].attestation else "batch", nonce=tx["nonce"],
                      sender=self.relayer.address, tx_hashes=[tx_hash], raw_tx=signed.raw_transaction.to_0x_hex(),
                      tx=tx, status="sent", size=len(rows))  # fmt: skip
        with session.writing():  # recorded before it leaves: a crash from here on finds it
            session.add(batch)
            session.flush()
            session.execute(update(Participation), [
                {"participation_id": r.participation_id, "status": "submitted", "batch_id": batch.id,
                 "tx_hash": tx_hash, "attempts": r.attempts + 1, "updated_at": utcnow()} for r in rows
            ])  # fmt: skip
        log.info("batch %s: %d participation(s), nonce %d, tx %s", batch.id, len(rows), tx["nonce"], tx_hash)
        self._broadcast(session, town, batch)
        return True

    def _broadcast(self, session: BridgeSession, town: Town, batch: Batch) -> None:
        """Send the batch's newest version. If the node refuses it outright (no funds, over the block's gas),
        the batch is dropped, its participations wait again, and the health report says why."""
        try:
            _Rpc(town)("eth_sendRawTransaction", batch.raw_tx)
        except (_Reverted, RpcError) as exc:
            message = str(exc).lower()
            if any(benign in message for benign in _BENIGN):  # the node has it, or the nonce is spent: next look
                log.info("broadcast of batch %s: %s", batch.id, exc)
                return
            with session.writing():
                batch.status = "failed"
                session.execute(update(Participation).where(Participation.batch_id == batch.id)
                                .values(status="queued", batch_id=None, tx_hash=None, updated_at=utcnow()))  # fmt: skip
            raise RelayerProblem(f"The node refused the relayer's transaction: {exc}") from None

    def _advance(self, session: BridgeSession, town: Town, batch: Batch) -> bool:
        rpc = _Rpc(town)
        mined = self._receipt(rpc, batch)
        if mined is not None:
            return self._settle_mined(session, town, batch, *mined)
        spent = int(rpc("eth_getTransactionCount", batch.sender, "latest"), 16) > batch.nonce
        if spent:  # mined between the two looks, or the nonce went to a transaction we do not know
            mined = self._receipt(rpc, batch)
            if mined is not None:
                return self._settle_mined(session, town, batch, *mined)
            rows = self._rows(session, batch)
            done = town.client.call_many([town.infinity.functions.isRewarded(HexBytes(r.key)) for r in rows])
            for row, rewarded in zip(rows, done, strict=True):
                if rewarded:
                    self._confirm_from_logs(town, row)
                else:
                    row.status, row.batch_id, row.tx_hash = "queued", None, None
            batch.status = "failed"
            _commit(session)
            return True
        if rpc("eth_getTransactionByHash", batch.tx_hashes[-1]) is None:
            # The node lost it (restarted, or we stopped before broadcasting): send it again.
            self._broadcast(session, town, batch)
            return False
        since = batch.repriced_at or batch.sent_at
        if (utcnow() - since).total_seconds() > self.settings.stuck_after:
            self._reprice(session, town, batch)
            return True
        return False

    @staticmethod
    def _receipt(rpc: _Rpc, batch: Batch) -> tuple[str, dict[str, Any]] | None:
        """The receipt of whichever signed version of ``batch`` was mined, if one was."""
        for tx_hash in reversed(batch.tx_hashes):
            receipt = rpc("eth_getTransactionReceipt", tx_hash)
            if receipt is not None:
                return tx_hash, receipt
        return None

    def _reprice(self, session: BridgeSession, town: Town, batch: Batch) -> None:
        """Replace a stuck transaction with the same nonce and fees a quarter higher (nodes want at least 10%)."""
        tx = dict(batch.tx)
        base = int(_Rpc(town)("eth_getBlockByNumber", "latest", False).get("baseFeePerGas", "0x0"), 16)
        tx["maxPriorityFeePerGas"] = tx["maxPriorityFeePerGas"] * 5 // 4 + 1
        tx["maxFeePerGas"] = max(tx["maxFeePerGas"] * 5 // 4 + 1, 2 * base + tx["maxPriorityFeePerGas"])
        signed = self.relayer.sign_transaction(tx)
        batch.tx, batch.raw_tx = tx, signed.raw_transaction.to_0x_hex()
        batch.tx_hashes = [*batch.tx_hashes, signed.hash.to_0x_hex()]
        batch.repriced_at = utcnow()
        _commit(session)
        log.info("batch %s re-priced: tx %s, max fee %d", batch.id, batch.tx_hashes[-1], tx["maxFeePerGas"])
        self._broadcast(session, town, batch)

    def _settle_mined(self, session: BridgeSession, town: Town, batch: Batch, tx_hash: str,
                      receipt: dict[str, Any]) -> bool:  # fmt: skip
        rows = self._rows(session, batch)
        batch.block, batch.gas_used = int(receipt["blockNumber"], 16), int(receipt["gasUsed"], 16)
        now = utcnow()
        if int(receipt["status"], 16) == 1:
            infinity = town.infinity.address.lower()
            minted = {log["topics"][2]: str(int(log["data"][2:66], 16)) for log in receipt["logs"]
                      if log["address"].lower() == infinity and log["topics"][0] == _REWARDED}  # fmt: skip
            changes = [{"participation_id": r.participation_id, "status": "confirmed", "tx_hash": tx_hash,
                        "block": batch.block, "minted": minted.get(r.key, "0"), "updated_at": now}
                       for r in rows]  # fmt: skip
            batch.status = "confirmed"
            self.confirmed += len(rows)
        else:  # mined but reverted (the chain changed since the simulation): try again, a few times
            changes = [{"participation_id": r.participation_id, "batch_id": None, "updated_at": now,
                        "status": "failed" if r.attempts >= MAX_ATTEMPTS else "queued",
                        "reason": f"transaction {tx_hash} reverted" if r.attempts >= MAX_ATTEMPTS else None}
                       for r in rows]  # fmt: skip
            batch.status = "failed"
        with session.writing():
            session.execute(update(Participation), changes)
        return True

    def _rows(self, session: BridgeSession, batch: Batch) -> list[Participation]:
        return list(session.scalars(select(Participation).where(Participation.batch_id == batch.id)))

    # ── refusals ──

    def _settle_refused(self, session: BridgeSession, town: Town, rows: list[Participation],
                        revert: ContractRevert) -> list[Participation]:  # fmt: skip
        """Settle the participations a simulated revert names; the rest go on. A relayer problem stops here."""
        named, error = revert.named, revert.error
        attested = rows[0].attestation is not None
        if error == "InfinityTokenAlreadyRewarded":
            key = "0x" + bytes(named["participationId"]).hex()
            done = [r for r in rows if r.key == key]
            for row in done:
                self._confirm_from_logs(town, row)
            _commit(session)
            return [r for r in rows if r not in done] if done else self._narrow(rows)
        if error == "InfinityTokenNotMember":
            chosen = [r for r in rows if r.member == to_checksum_address(named["account"])]
        elif error == "InfinityTokenInactiveProject":
            chosen = [r for r in rows if r.project_id == named["projectId"]]
        elif error == "InfinityTokenInvalidMinutes":
            chosen = [r for r in rows if r.minutes == named["minutesWorked"]]
        elif error == "InfinityTokenMemberDayExceeded":
            # The first entry that overflows the member's day: theirs, with those minutes, latest in the batch.
            member = to_checksum_address(named["member"])
            chosen = [r for r in rows if r.member == member and r.minutes == named["minutesWorked"]][-1:]
        elif attested and error in (
            "InfinityTokenAttestationExpired", "InfinityTokenInvalidSignature", "AccessControlUnauthorizedAccount",
            "InfinityTokenCoordinatorCapExceeded",
        ):  # fmt: skip
            chosen = rows  # the signing coordinator's own problem: this participation alone
        else:
            raise RelayerProblem(revert.sentence)
        if not chosen:
            if len(rows) > 1:
                return self._narrow(rows)
            chosen = rows
        for row in chosen:
            row.status, row.reason = "failed", revert.sentence
        _commit(session)
        return [r for r in rows if r not in chosen]

    @staticmethod
    def _narrow(rows: list[Participation]) -> list[Participation]:
        """A refusal no participation could be matched to: try the first half; the rest waits for the next batch."""
        return rows[: max(1, len(rows) // 2)]

    def _confirm_from_logs(self, town: Town, row: Participation) -> None:
        """Mark ``row`` confirmed, with the transaction that rewarded it (found by its indexed id)."""
        events = town.infinity.events.Rewarded().get_logs(
            argument_filters={"participationId": HexBytes(row.key)}, from_block=town._from_block
        )
        row.status = "confirmed"
        if events:
            event = events[-1]
            row.tx_hash, row.block = event["transactionHash"].to_0x_hex(), int(event["blockNumber"])
            row.minted = str(int(event["args"]["amount"]))
        row.reason = None if row.tx_hash else "rewarded on chain"

    # ── start ──

    def reconcile(self) -> None:
        """After a start or an outage: participations still queued that the chain already rewarded are confirmed."""
        town = self.chain.town()
        with self.make_session() as session:
            queued = list(session.scalars(select(Participation).where(Participation.status == "queued")))
            for start in range(0, len(queued), 500):
                chunk = queued[start : start + 500]
                done = town.client.call_many([town.infinity.functions.isRewarded(HexBytes(r.key)) for r in chunk])
                for row, rewarded in zip(chunk, done, strict=True):
                    if rewarded:
                        self._confirm_from_logs(town, row)
            _commit(session)
        log.info("reconciled %d queued participation(s) with the chain", len(queued))

    def queue_stats(self) -> tuple[int, float | None]:
        with self.make_session() as session:
            depth, oldest = session.execute(
                select(func.count(), func.min(Participation.created_at))
                .where(Participation.status.in_(("queued", "submitted")))
            ).one()  # fmt: skip
        age = (utcnow() - oldest).total_seconds() if oldest is not None else None
        return int(depth), age

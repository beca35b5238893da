"""Members' relayed actions: queued requests → one ``executeBatch`` of the town's forwarder, settled from its events.

Exactly once comes from the forwarder itself: it uses each signer's nonce once, so a request sent
twice (a re-broadcast, a re-priced copy, a replica taking over) executes at most once, and the bridge
learns what happened from ``ExecutedForwardRequest(signer, nonce, success)``. A batch is sent with a
refund receiver, so an invalid request in it (expired, its nonce used meanwhile) is skipped instead
of reverting the others. Each row is simulated again just before sending: one that would now revert
is failed without being sent, and costs the relayer nothing. A relayed call that reverts on chain
anyway is failed with the reason and still counts against the member's day.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select

from ost_chain.abi import Event, Function
from ost_chain.gasless import forwarded_call
from ost_chain.townclient import Town

from ..db import Batch, BatchKind, BatchStatus, BridgeSession, RelayRequest, RelayStatus, utcnow
from ..i18n import Words
from . import pipeline
from .relay import Relay as Sender
from .relay import Reverted, Rpc, RpcError

log = logging.getLogger("ost.bridge.worker")
MAX_ATTEMPTS = 3
HEADROOM = 150_000  # what a batch's largest request is expected to add for its own signed gas (see relay_gas)
EXPIRY_MARGIN = 15  # seconds: a request this close to its deadline is not sent (it would expire on the way)


class Forwarding:
    """Sends and settles batches of members' relayed actions."""

    def __init__(
        self, sender: Sender, forwarder_abi: list[dict[str, Any]], batch_size: int, sizes: pipeline.Sizes
    ) -> None:
        self.sender, self.batch_size, self.sizes = sender, batch_size, sizes
        self.execute_batch = Function.of(forwarder_abi, "executeBatch")
        self.nonces = Function.of(forwarder_abi, "nonces")
        self.executed = Event.of(forwarder_abi, "ExecutedForwardRequest")
        self.confirmed = 0
        self.turn = 0  # which town's turn comes first in the next batch (see in_turn)

    # ── sending ──

    def waiting(self, session: BridgeSession) -> bool:
        return (
            session.scalar(
                select(func.count()).select_from(RelayRequest).where(RelayRequest.status == RelayStatus.QUEUED)
            )
            != 0
        )

    def send(
        self, session: BridgeSession, town: Town, latest: dict[str, Any], nonce: int, *, full_only: bool = False
    ) -> bool:
        """Send the oldest queued requests, each town in turn (one per signer: the desk lets one wait at a time), in
        one transaction at ``nonce``, as many as fit a batch's gas (``full_only``: only if that many wait). A request
        that fails its checks is settled alone; the rest go on."""
        room = pipeline.room(latest)
        most = self.sizes.rows(BatchKind.RELAY, room - HEADROOM, self.batch_size)
        rows = in_turn(session, most, self.turn)
        if not rows:
            return False
        waited = (utcnow() - min(row.created_at for row in rows)).total_seconds()
        if full_only and len(rows) < most and waited < pipeline.PARTIAL_AFTER:
            return False  # a part-full batch waits a little behind those in flight, never until its deadline
        rpc = Rpc(town)
        rows = self._still_good(session, town, rpc, rows, int(latest["timestamp"], 16))
        relayer = self.sender.relayer.address
        while rows:
            # Refunds to itself: a request the forwarder finds invalid is skipped, not reverted.
            data = self.execute_batch.encode([_request(r) for r in rows], relayer)
            gas = self._gas(rpc, town, rows, data, room)
            if gas is None:  # the forwarder refuses the batch: find the request by halves, fail it alone
                if len(rows) > 1:
                    rows = rows[: len(rows) // 2]
                    continue
                return self._refused(session, town, rpc, rows[0], data, room)
            if gas > room and len(rows) > 1:
                rows = rows[: len(rows) // 2]  # too big for a batch: the rest waits for the next one
                continue
            break
        if not rows or gas is None:
            return True
        batch = self.sender.sign(town, BatchKind.RELAY, town.forwarder.address, data, gas, latest, len(rows), nonce)
        self.turn += len({row.town for row in rows})  # the towns this batch served: the next begins after them
        now = utcnow()
        with session.writing():  # recorded before it leaves: a crash from here on finds it
            session.add(batch)
            session.flush()
            for row in rows:
                row.status, row.batch_id, row.tx_hash = RelayStatus.SUBMITTED, batch.id, batch.tx_hashes[0]
                row.attempts, row.updated_at = row.attempts + 1, now
        log.info("relay batch %s: %d action(s), nonce %d, tx %s", batch.id, len(rows), batch.nonce, batch.tx_hashes[0])
        self.sender.broadcast(session, town, batch)
        return True

    def _gas(self, rpc: Rpc, town: Town, rows: list[RelayRequest], data: bytes, room: int) -> int | None:
        """The gas limit of a batch of ``rows``, or None if the forwarder refuses it. An estimate runs the batch a
        score of times; instead the batch runs once, at the gas the last mined batches' gas per action foretells
        (the desk's estimates before any): if it passes, the estimate is no more, and the margin goes on top. Only
        if it fails is it estimated — a request that would starve is the guess's fault, not the member's."""
        per_row = self.sizes.per_row(BatchKind.RELAY)
        used = per_row * len(rows) if per_row else sum(r.estimate - 21_000 for r in rows)
        # The forwarder makes a call only with its request's whole signed gas still there (and a little for the
        # call itself): the guess leaves that for the largest, on top of what the batch uses.
        guess = 21_000 + used + max(r.gas for r in rows) * 64 // 63 + 1_100
        call = {"from": self.sender.relayer.address, "to": town.forwarder.address, "data": "0x" + data.hex()}
        try:  # the guess itself must pass: then it is no less than the estimate, and the headroom is whole on top
            rpc("eth_call", {**call, "gas": hex(min(guess, room))}, "latest")
            return relay_gas(guess, rows)
        except Reverted:
            pass
        try:
            return relay_gas(int(rpc("eth_estimateGas", {**call, "gas": hex(room)}), 16), rows)
        except Reverted:
            return None

    def _refused(self, session: BridgeSession, town: Town, rpc: Rpc, row: RelayRequest, data: bytes, room: int) -> bool:
        """Fail ``row``, whose batch of one the forwarder refuses, with the reason the chain gives; one the node's
        answer leaves unclear is set aside, and failed (not counted) after a few tries."""
        call = {"from": self.sender.relayer.address, "to": town.forwarder.address, "data": "0x" + data.hex()}
        try:
            rpc("eth_call", {**call, "gas": hex(room)}, "latest")
            failure = Reverted("", "0x", certain=False)  # it passes alone now: the estimate's failure was unclear
        except Reverted as exc:
            failure = exc
        if not failure.certain:
            row.attempts += 1
            if row.attempts >= MAX_ATTEMPTS:
                self._fail(row, Words("The chain's node could not check it: sign the action again."), counted=False)
            session.save()
            return True
        said = _said(town, failure)
        self._fail(row, Words("The town's forwarder refuses it, so it was not sent: {said}", said=said))
        session.save()
        return True

    def _still_good(
        self, session: BridgeSession, town: Town, rpc: Rpc, rows: list[RelayRequest], now: int
    ) -> list[RelayRequest]:
        """The rows still worth sending: their nonce unused, not about to expire, their call not failing now — all
        read in one round trip. A row that fails is failed alone, with its reason, and counts against its member's
        day; one the node could not check is set aside for the next batch (failed after a few tries)."""
        forwarder = town.forwarder.address
        reads: list[tuple[str, list[Any]]] = []
        for row in rows:
            reads.append(
                ("eth_call", [{"to": forwarder, "data": "0x" + self.nonces.encode(row.signer).hex()}, "latest"])
            )
            call = {
                "from": forwarder,
                "to": row.target,
                "data": "0x" + forwarded_call(row.signer, bytes.fromhex(row.data[2:])).hex(),
                "gas": hex(row.gas),
            }
            reads.append(("eth_call", [call, "latest"]))
        answers = rpc.batch(reads)
        # A failure the node's answer does not make certain is the call's own when the node ran the others' calls.
        node_ran = any(not isinstance(a, Exception) for a in answers[1::2])
        good, changed = [], False
        for row, used, simulated in zip(rows, answers[::2], answers[1::2], strict=True):
            unclear = isinstance(simulated, Reverted) and not simulated.certain and not node_ran
            if isinstance(used, RpcError) or isinstance(simulated, RpcError) or unclear:
                changed = True
                row.attempts += 1
                if row.attempts >= MAX_ATTEMPTS:
                    self._fail(row, Words("The chain's node could not check it: sign the action again."), counted=False)
                continue  # set aside: the next batch tries it again
            if not isinstance(used, Exception) and int(used, 16) > row.nonce:  # used meanwhile: never send
                self._from_logs(town, row)
                changed = True
            elif row.deadline < now + EXPIRY_MARGIN:
                self._fail(row, Words("It expired while waiting to be sent: sign the action again."))
                changed = True
            elif isinstance(simulated, Reverted):
                self._fail(row, Words("It would fail now, so it was not sent: {said}", said=_said(town, simulated)))
                changed = True
            else:
                good.append(row)
        if changed:
            session.save()  # the rows settled, failed or set aside here
        return good

    @staticmethod
    def _fail(row: RelayRequest, reason: str, *, counted: bool = True) -> None:
        """Fail ``row`` unsent; a failed action counts against its member's day (the relayer checked it for the member
        and the next one may not wait behind it)."""
        row.status, row.reason, row.counted, row.updated_at = RelayStatus.FAILED, reason, counted, utcnow()
        row.batch_id, row.tx_hash = None, None

    # ── settling ──

    def mined(self, session: BridgeSession, town: Town, batch: Batch, tx_hash: str, receipt: dict[str, Any]) -> None:
        rows = list(session.scalars(select(RelayRequest).where(RelayRequest.batch_id == batch.id)))
        batch.block, batch.gas_used = int(receipt["blockNumber"], 16), int(receipt["gasUsed"], 16)
        price = int(receipt.get("effectiveGasPrice", "0x0"), 16)
        batch.cost, batch.mined_at = str(batch.gas_used * price), utcnow()
        if int(receipt["status"], 16) != 1:  # the whole transaction reverted (out of gas): nobody's action ran
            for row in rows:
                self._again(row, f"the relay transaction {tx_hash} reverted")
            batch.status = BatchStatus.FAILED
            session.save()
            return
        forwarder = town.forwarder.address.lower()
        outcome = {
            (_topic_address(e["topics"][1]), self.executed.word(e, "nonce")): bool(self.executed.word(e, "success"))
            for e in receipt["logs"]
            if e["address"].lower() == forwarder and self.executed.matches(e)
        }
        ran = [r for r in rows if (r.signer.lower(), r.nonce) in outcome]
        if ran:
            self.sizes.measured(BatchKind.RELAY, batch.gas_used - 21_000, len(ran))
        estimates = sum(r.estimate for r in ran) or 1
        shares = {id(r): batch.gas_used * r.estimate // estimates for r in ran}
        if ran:  # what rounding left goes to the last: the rows' gas (and cost) add up to the batch's
            shares[id(ran[-1])] += batch.gas_used - sum(shares.values())
        for row in rows:
            key = (row.signer.lower(), row.nonce)
            if key not in outcome:  # skipped by the forwarder: its nonce was used meanwhile, or it expired
                self._skipped(town, row)
                continue
            row.tx_hash, row.block = tx_hash, batch.block
            row.gas_used = shares[id(row)]
            row.cost = str(row.gas_used * price)
            if outcome[key]:
                row.status, row.reason = RelayStatus.CONFIRMED, None
                self.confirmed += 1
            else:
                row.status = RelayStatus.FAILED
                row.reason = Words(
                    "It reverted on chain (the town changed after it was checked); it counts as today's action."
                )
            row.updated_at = utcnow()
        batch.status = BatchStatus.CONFIRMED
        session.save()

    def lost(self, session: BridgeSession, town: Town, batch: Batch) -> None:
        """The batch's nonce went to a transaction we cannot find: settle what the forwarder ran, queue the rest."""
        for row in session.scalars(select(RelayRequest).where(RelayRequest.batch_id == batch.id)):
            self._skipped(town, row)
        batch.status = BatchStatus.FAILED
        session.save()

    def reconcile(self, session: BridgeSession, town: Town) -> None:
        """After a start or an outage: queued requests whose nonce the forwarder already used are settled."""
        rows = list(session.scalars(select(RelayRequest).where(RelayRequest.status == RelayStatus.QUEUED)))
        for row in rows:
            if int(town.forwarder.functions.nonces(row.signer).call()) > row.nonce:
                self._from_logs(town, row)
        session.save()

    def _skipped(self, town: Town, row: RelayRequest) -> None:
        if int(town.forwarder.functions.nonces(row.signer).call()) > row.nonce:
            self._from_logs(town, row)
        elif row.deadline < int(town.client.w3.eth.get_block("latest")["timestamp"]):
            self._fail(row, Words("It expired before it could be sent: sign the action again."))
        else:
            self._again(row, "its transaction was not mined")

    def _again(self, row: RelayRequest, why: str) -> None:
        row.batch_id, row.tx_hash, row.updated_at = None, None, utcnow()
        if row.attempts >= MAX_ATTEMPTS:
            row.status, row.counted, row.reason = (
                RelayStatus.FAILED,
                False,
                f"Not sent after {row.attempts} tries: {why}.",
            )
        else:
            row.status = RelayStatus.QUEUED

    def _from_logs(self, town: Town, row: RelayRequest) -> None:
        """Settle ``row``, whose nonce the forwarder used, from the event of that use: confirmed or reverted when it
        was this request, failed when another request of the signer's used the nonce."""
        events = town.forwarder.events.ExecutedForwardRequest().get_logs(
            argument_filters={"signer": row.signer}, from_block=town._from_block
        )
        mine = [e for e in events if int(e["args"]["nonce"]) == row.nonce]
        row.updated_at = utcnow()
        if not mine:
            row.status, row.counted = RelayStatus.FAILED, False
            row.reason = Words("Its nonce was used by another request of the same member: sign the action again.")
            return
        event = mine[-1]
        tx = town.client.w3.eth.get_transaction(event["transactionHash"])
        if bytes.fromhex(row.signature[2:]) not in bytes(tx["input"]):
            row.status, row.counted = RelayStatus.FAILED, False
            row.reason = Words("Its nonce was used by another request of the same member: sign the action again.")
            return
        row.tx_hash, row.block = event["transactionHash"].to_0x_hex(), int(event["blockNumber"])
        if event["args"]["success"]:
            row.status, row.reason = RelayStatus.CONFIRMED, None
            self.confirmed += 1
        else:
            row.status, row.reason = RelayStatus.FAILED, Words("It reverted on chain; it counts as today's action.")


def in_turn(session: BridgeSession, most: int, turn: int = 0) -> list[RelayRequest]:
    """The queued requests of the next batch, at most ``most``, each town served taking its turn: every town with
    requests waiting has an equal share of the batch (its own oldest), and what a town leaves of its share goes to the
    oldest of the rest. They come in turns — each town's oldest, then each town's next — so a batch cut short to fit a
    block (``send`` halves one that does not) is as fair as a whole one; and the first turn goes round the towns
    (``turn``: the towns, in the order of their registries, begin at this one), so that batches smaller than the
    number of towns leave none out. So one town's backlog never holds up another town's members."""
    queued = RelayRequest.status == RelayStatus.QUEUED
    towns = list(session.scalars(select(RelayRequest.town).where(queued).distinct()))
    oldest = select(RelayRequest).where(queued).order_by(RelayRequest.created_at, RelayRequest.id)
    if len(towns) <= 1:
        return list(session.scalars(oldest.limit(most)))
    share = max(1, most // len(towns))
    taken = [row for town in towns for row in session.scalars(oldest.where(RelayRequest.town == town).limit(share))]
    if len(taken) < most:
        chosen = {row.id for row in taken}
        taken += list(session.scalars(oldest.where(RelayRequest.id.not_in(chosen)).limit(most - len(taken))))
    lines: dict[str, list[RelayRequest]] = {}
    for row in sorted(taken, key=lambda row: (row.created_at, row.id)):
        lines.setdefault(row.town, []).append(row)  # each town's, oldest first
    order = sorted(lines)
    order = order[turn % len(order) :] + order[: turn % len(order)]
    turns = [lines[t][i] for i in range(max(map(len, lines.values()))) for t in order if i < len(lines[t])]
    return turns[:most]


def relay_gas(estimate: int, rows: list[RelayRequest]) -> int:
    """The gas limit of a batch of ``rows`` that its estimate measured: the pipeline's margin, and room for the
    largest request to get all the gas its member signed for on top (EIP-150's 63/64 included). A call starved of
    its gas would make the forwarder end the whole transaction (``TownForwarder._forward``); the estimate itself
    is the least that starves none, now, so this leaves one call room to need up to its signature's worth more."""
    return pipeline.with_margin(estimate) + max(r.gas for r in rows) * 64 // 63


def _request(row: RelayRequest) -> tuple[Any, ...]:
    return (
        bytes.fromhex(row.signer[2:]),
        bytes.fromhex(row.target[2:]),
        0,
        row.gas,
        row.deadline,
        bytes.fromhex(row.data[2:]),
        bytes.fromhex(row.signature[2:]),
    )


def _topic_address(topic: Any) -> str:
    raw = topic if isinstance(topic, str) else "0x" + bytes(topic).hex()
    return "0x" + raw[-40:].lower()


def _said(town: Town, exc: Reverted) -> str:
    """Why a call failed, in a sentence: the contract's own reason, or — with no revert data — what that means."""
    if exc.empty:
        return Words(
            "it runs out of the gas its member signed for, or fails without a reason; sign it again with more gas."
        )
    return town.client.artifacts.errors.decode(exc.data).sentence

"""Settlement: what the chain did with each participation — from a receipt, a decoded revert or the logs."""

from __future__ import annotations

import logging
from typing import Any

from eth_utils import to_checksum_address
from hexbytes import HexBytes
from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from ost_chain.exceptions import ContractRevert
from ost_chain.townclient import Town

from ..db import Batch, BatchStatus, BridgeSession, Participation, Status, utcnow
from .relay import InfinityCodecs, RelayerProblem

log = logging.getLogger("ost.bridge.worker")
MAX_ATTEMPTS = 3
# Refusals that are the signing coordinator's own problem: that one attested participation fails alone.
_SIGNER_PROBLEMS = (
    "InfinityTokenAttestationExpired",
    "InfinityTokenInvalidSignature",
    "AccessControlUnauthorizedAccount",
    "InfinityTokenCoordinatorCapExceeded",
)


class Settlement:
    def __init__(self, codecs: InfinityCodecs, relayer: str) -> None:
        self.codecs, self.relayer = codecs, relayer
        self.confirmed = 0

    def owner(self, row: Participation) -> str:
        """Whose ids on chain ``row``'s key is among: its signer's for a signed participation, else the relayer's
        (the key then carries the coordinator's address: see ost_chain.units.relayed_id)."""
        return row.coordinator if row.attestation is not None else self.relayer

    def is_rewarded(self, town: Town, row: Participation, token: Any = None) -> Any:
        return (token or town.infinity).functions.isRewarded(self.owner(row), HexBytes(row.key))

    @staticmethod
    def token(town: Town, batch: Batch) -> Any:
        """The INFINITY ``batch`` called: its town's (``town``'s, or another served before, whose address the batch
        recorded), so a batch is settled against the contract it called and no other."""
        to = str(batch.tx.get("to") or town.infinity.address)
        return town.infinity if to.lower() == town.infinity.address.lower() else town.client.at("InfinityToken", to)

    def rows(self, session: BridgeSession, batch: Batch) -> list[Participation]:
        return list(session.scalars(select(Participation).where(Participation.batch_id == batch.id)))

    def mined(self, session: BridgeSession, town: Town, batch: Batch, tx_hash: str, receipt: dict[str, Any]) -> bool:
        """Settle every participation of a mined batch from its receipt: minted, or queued again if it reverted."""
        rows = self.rows(session, batch)
        batch.block, batch.gas_used = int(receipt["blockNumber"], 16), int(receipt["gasUsed"], 16)
        batch.cost, batch.mined_at = str(batch.gas_used * int(receipt.get("effectiveGasPrice", "0x0"), 16)), utcnow()
        now = utcnow()
        if int(receipt["status"], 16) == 1:
            infinity, rewarded = str(batch.tx.get("to") or town.infinity.address).lower(), self.codecs.rewarded
            minted = {  # by id and the coordinator whose ids it is in: two coordinators may share an id
                (rewarded.topic_of(e, "participationId"), _address(rewarded.word(e, "coordinator"))): str(
                    rewarded.word(e, "amount")
                )
                for e in receipt["logs"]
                if e["address"].lower() == infinity and rewarded.matches(e)
            }
            changes = [
                {
                    "participation_id": r.participation_id,
                    "coordinator": r.coordinator,
                    "town": r.town,
                    "status": Status.CONFIRMED,
                    "tx_hash": tx_hash,
                    "block": batch.block,
                    "minted": minted.get((r.key, self.owner(r).lower()), "0"),
                    "updated_at": now,
                }
                for r in rows
            ]
            batch.status = BatchStatus.CONFIRMED
            self.confirmed += len(rows)
        else:  # mined but reverted: the chain changed since the simulation (a front-run filled someone's day)
            # The next simulation names the entry that breaks a batch and settles it alone; no other entry is
            # charged for it. Only a participation that keeps reverting on its own fails, after a few tries.
            alone = len(rows) == 1
            changes = [
                {
                    "participation_id": r.participation_id,
                    "coordinator": r.coordinator,
                    "town": r.town,
                    "batch_id": None,
                    "updated_at": now,
                    "status": Status.FAILED if alone and r.attempts >= MAX_ATTEMPTS else Status.QUEUED,
                    "reason": f"transaction {tx_hash} reverted" if alone and r.attempts >= MAX_ATTEMPTS else None,
                }
                for r in rows
            ]
            batch.status = BatchStatus.FAILED
        with session.writing():
            session.execute(update(Participation), changes)
        return True

    def lost(self, session: BridgeSession, town: Town, batch: Batch) -> None:
        """The batch's nonce went to a transaction we cannot find: confirm what the chain rewarded, queue the rest."""
        rows, token = self.rows(session, batch), self.token(town, batch)
        done = town.client.call_many([self.is_rewarded(town, r, token) for r in rows])
        for row, rewarded in zip(rows, done, strict=True):
            if rewarded:
                self.confirm_from_logs(town, row, token)
            else:
                row.status, row.batch_id, row.tx_hash = Status.QUEUED, None, None
        batch.status = BatchStatus.FAILED
        session.save()

    def refused(
        self, session: BridgeSession, town: Town, rows: list[Participation], revert: ContractRevert
    ) -> list[Participation]:
        """Settle the participations a simulated revert names; the rest go on. A relayer problem stops here."""
        named, error = revert.named, revert.error
        attested = rows[0].attestation is not None
        if error == "InfinityTokenAlreadyRewarded":
            key, owner = "0x" + bytes(named["participationId"]).hex(), to_checksum_address(named["coordinator"])
            done = [r for r in rows if r.key == key and self.owner(r) == owner]
            for row in done:
                self.confirm_from_logs(town, row)
            session.save()
            return [r for r in rows if r not in done] if done else narrow(rows)
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
        elif attested and error in _SIGNER_PROBLEMS:
            chosen = _signers_entries(rows, error, named)  # the signing coordinator's own problem
        else:
            raise RelayerProblem(revert.sentence)
        if not chosen:
            if len(rows) > 1:
                return narrow(rows)
            chosen = rows
        for row in chosen:
            row.status, row.reason = Status.FAILED, revert.sentence
        session.save()
        return [r for r in rows if r not in chosen]

    def confirm_from_logs(self, town: Town, row: Participation, token: Any = None) -> None:
        """Settle ``row``, whose id the chain has rewarded, from the ``Rewarded`` event of that id: confirmed with
        its transaction when the event is this participation (member, minutes, project), failed when the id was
        used for something else — by another coordinator first, or by mistake for another member."""
        owner = self.owner(row)
        events = [
            e
            for e in (token or town.infinity)
            .events.Rewarded()
            .get_logs(argument_filters={"participationId": HexBytes(row.key)}, from_block=town._from_block)
            if e["args"]["coordinator"] == owner  # the id among this row's owner's, not another coordinator's
        ]
        if not events:  # rewarded, says the contract, but its event is out of the node's reach
            row.status, row.reason = Status.CONFIRMED, "rewarded on chain"
            return
        event = events[-1]
        args, block = event["args"], int(event["blockNumber"])
        used_for = (args["member"], int(args["minutesWorked"]), int(args["projectId"]))
        if used_for != (row.member, row.minutes, row.project_id):
            row.status = Status.FAILED
            row.reason = (
                f"This participation id was already used for {args['member']} on block {block} "
                f"({int(args['minutesWorked'])} minutes, project {int(args['projectId'])}): nothing was minted for "
                f"{row.member}. Submit it again under a new id."
            )
            return
        row.status, row.reason = Status.CONFIRMED, None
        row.tx_hash, row.block = event["transactionHash"].to_0x_hex(), block
        row.minted = str(int(args["amount"]))

    def reconcile(self, make_session: sessionmaker[BridgeSession], town: Town) -> None:
        """After a start or an outage: ``town``'s participations still queued that the chain already rewarded are
        confirmed."""
        with make_session() as session:
            ours = (Participation.status == Status.QUEUED, Participation.town == town.registry.address)
            queued = list(session.scalars(select(Participation).where(*ours)))
            for start in range(0, len(queued), 500):
                chunk = queued[start : start + 500]
                done = town.client.call_many([self.is_rewarded(town, r) for r in chunk])
                for row, rewarded in zip(chunk, done, strict=True):
                    if rewarded:
                        self.confirm_from_logs(town, row)
            session.save()
        log.info("reconciled %d queued participation(s) of %s with the chain", len(queued), town.record.town)


def _address(word: int) -> str:
    return "0x" + word.to_bytes(32, "big")[12:].hex()


def narrow(rows: list[Participation]) -> list[Participation]:
    """A refusal no participation could be matched to: try the first half; the rest waits for the next batch."""
    return rows[: max(1, len(rows) // 2)]


def _signers_entries(rows: list[Participation], error: str, named: dict[str, Any]) -> list[Participation]:
    """The signed participations a signer's refusal is about: all of a revoked signer's; for an expired deadline,
    those with it; for a bad signature or a full cap, the signer's last one (the rest are simulated again)."""
    if error == "InfinityTokenAttestationExpired":
        return [r for r in rows if r.attestation and int(r.attestation["deadline"]) == int(named["deadline"])]
    signer = to_checksum_address(named.get("account") or named.get("coordinator"))
    theirs = [r for r in rows if r.coordinator == signer]
    return theirs if error == "AccessControlUnauthorizedAccount" else theirs[-1:]

"""The worker driven step by step in this process, against a real chain, to force races the HTTP tests cannot."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select, update

from api.bridge import Bridge
from api.db import Batch, BatchStatus, Participation, Status
from api.settings import bridge_settings
from api.worker import pipeline
from api.worker.loop import NAME_EVERY
from ost_chain.units import hash_id
from tests.api.conftest import COORDINATOR, MEMBERS, OTHER_COORDINATOR, Databases, Deployed
from tests.api.test_holding import queue


@pytest.fixture
def town(fresh_town: Deployed) -> Deployed:
    return fresh_town


@pytest.fixture
def bridge(town: Deployed, databases: Databases) -> Iterator[Bridge]:
    settings = bridge_settings(town.manifest, town.node.rpc_url, database_url=databases.url("worker"))
    settings.bridge.run_worker, settings.bridge.batch_wait = False, 0.0
    b = Bridge(settings)
    yield b
    b.stop()


def test_a_batch_whose_receipt_lags_its_nonce_is_settled_from_its_receipt(
    bridge: Bridge, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the embedded chain the nonce can show as used before the receipt can be fetched. The batch must still be
    settled from its receipt (block, amounts), not given up and confirmed one log query at a time (issue 15 #14)."""
    worker = bridge.worker
    ids = queue(bridge, 3, "race", minutes=180)
    assert worker.lease.hold()[0]
    worker.reconcile()
    assert worker.step()  # sent, and mined at once
    real, lagging = pipeline.Look.receipt, [2]

    def late(seen: pipeline.Look, batch: Batch) -> Any:
        if lagging[0]:
            lagging[0] -= 1
            return None  # the race: the nonce is spent, the receipt not yet there
        return real(seen, batch)

    lost: list[Any] = []
    monkeypatch.setattr(pipeline.Look, "receipt", late)
    worker.settlement.lost = lambda *args: lost.append(args)  # type: ignore[method-assign]
    for _ in range(20):
        worker.step()
        with bridge.sessions() as session:
            batch = session.get(Batch, 1)
            if batch is not None and batch.status != BatchStatus.SENT:
                break
    assert lost == []
    with bridge.sessions() as session:
        batch = session.get(Batch, 1)
        assert batch is not None and batch.status == BatchStatus.CONFIRMED and batch.block is not None
        rows = [session.get(Participation, (i, COORDINATOR.address, bridge.served(None).registry)) for i in ids]
        assert all(r is not None and r.status == Status.CONFIRMED and r.block == batch.block for r in rows)
        assert all(r is not None and r.tx_hash == batch.tx_hashes[-1] and r.minted == str(10**18) for r in rows)


def _front_run(town: Deployed, member: str, tag: str) -> None:
    """A coordinator fills ``member``'s day with a higher tip, so it is mined before the bridge's pending batch."""
    client, sender = town.client, OTHER_COORDINATOR
    fn = town.town.infinity.functions.reward(member, 1440, hash_id(f"front-run/{tag}"), 1)
    tx = fn.build_transaction(
        {
            "from": sender.address,
            "nonce": client.w3.eth.get_transaction_count(sender.address, "pending"),
            "gas": 300_000,
            "maxPriorityFeePerGas": 50 * 10**9,
            "maxFeePerGas": 100 * 10**9,
            "chainId": client.chain_id,
        }
    )
    client.w3.eth.send_raw_transaction(sender.sign_transaction(tx).raw_transaction)


def test_front_runs_fail_only_the_entry_they_hit_and_never_the_rest_of_the_batch(
    town: Deployed, bridge: Bridge
) -> None:
    """rewardBatch is all or nothing: filling one member's day just before a batch reverted the batch, and after
    three such reverts every participation in it failed for good. Only the entries hit may fail (issue 15 #5)."""
    worker, rpc = bridge.worker, town.client.w3.provider.make_request
    ids = queue(bridge, 8, "race", minutes=180)
    assert worker.lease.hold()[0]
    worker.reconcile()
    rpc("evm_setAutomine", [False])  # type: ignore[arg-type]
    try:
        for round_ in range(3):
            worker.step()  # a batch is sent and waits in the mempool
            _front_run(town, MEMBERS[round_], str(round_))
            rpc("evm_mine", [])  # type: ignore[arg-type]
            worker.step()  # the worker finds it reverted
            with bridge.sessions() as session:
                assert session.get(Batch, round_ + 1).status == BatchStatus.FAILED
    finally:
        rpc("evm_setAutomine", [True])  # type: ignore[arg-type]
    for _ in range(30):
        worker.step()
    with bridge.sessions() as session:
        rows = {i: session.get(Participation, (i, COORDINATOR.address, bridge.served(None).registry)) for i in ids}
    statuses = {i: (r.status, r.reason) for i, r in rows.items() if r is not None}
    hit = {f"race-{n}" for n in range(3)}
    assert all(statuses[i][0] == Status.FAILED and "1440" in (statuses[i][1] or "") for i in hit), statuses
    assert all(statuses[i][0] == Status.CONFIRMED for i in set(ids) - hit), statuses


def test_rows_a_replica_of_the_previous_version_writes_without_their_town_are_named_and_minted(
    bridge: Bridge, town: Deployed
) -> None:
    """Issue 31, a rolling upgrade: a replica of the previous version, beside this one on one database, writes its
    participations without their town (`""`). The leading worker names them its first town's within a minute (its
    clock moved on here, not waited for) and mints them, instead of leaving them until a bridge next starts."""
    ids = queue(bridge, 2, "older")
    with bridge.sessions() as session, session.writing():  # as the previous version wrote them: no town
        session.execute(update(Participation).where(Participation.participation_id.in_(ids)).values(town=""))
    assert bridge.worker.lease.hold()[0]
    bridge.worker.reconcile()
    bridge.worker.step()
    with bridge.sessions() as session:  # a minute has not passed: still unnamed, and not sent
        assert [(r.town, r.status) for r in session.scalars(select(Participation))] == [("", Status.QUEUED)] * 2
    bridge.worker._named_at -= NAME_EVERY  # the minute has passed
    for _ in range(30):
        bridge.worker.step()
        with bridge.sessions() as session:
            rows = list(session.scalars(select(Participation)))
        if all(r.status == Status.CONFIRMED for r in rows):
            break
    assert [(r.town, r.status) for r in rows] == [(town.town.registry.address, Status.CONFIRMED)] * 2

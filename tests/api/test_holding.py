"""The bridge holds under attack and backlog, and fills the chain (issue 26): the worker driven pass by pass in this
process against a real anvil, on SQLite and PostgreSQL, to force the races and backlogs the HTTP tests cannot."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from eth_account import Account
from eth_utils import keccak
from pydantic import SecretStr
from sqlalchemy import func, select

from api.bridge import Bridge
from api.db import Batch, BatchStatus, Participation, RelayRequest, RelayStatus, Status, utcnow
from api.main import create_app
from api.settings import bridge_settings
from api.worker import pipeline
from api.worker.relay import TX_GAS_CAP
from ost_chain.exceptions import ContractRevert
from ost_chain.gasless import forwarded_call
from ost_chain.townclient import Reward
from ost_chain.units import hash_id, relayed_id
from tests.api.conftest import (
    AMBASSADOR,
    COORDINATOR,
    DEV,
    MEMBERS,
    OTHER_COORDINATOR,
    Databases,
    Deployed,
    attested,
    deploy_town,
    free_port,
    wait_until,
)
from tests.api.conftest import Bridge as Served
from tests.api.test_bridge import assert_problem, auth
from tests.api.test_relay import _unsigned_by, member, signed

ONE_INF = 10**18


def in_process(d: Deployed, database_url: str, **options: Any) -> Bridge:
    """A bridge in this process whose worker runs only when a test steps it."""
    settings = bridge_settings(d.manifest, d.node.rpc_url, database_url=database_url)
    settings.bridge.run_worker, settings.bridge.batch_wait = False, 0.0
    for name, value in options.items():
        setattr(settings.bridge, name, value)
    return Bridge(settings)


def leading(bridge: Bridge) -> Bridge:
    assert bridge.worker.lease.hold()[0]
    bridge.worker.reconcile()
    return bridge


def queue(
    bridge: Bridge,
    count: int,
    tag: str,
    minutes: int = 90,
    coordinator: str | None = None,
    town: str | None = None,
    members: list[str] | None = None,
) -> list[str]:
    """``count`` API-key participations of the first coordinator (or ``coordinator``), the 60 members (or
    ``members``) in turn, in the bridge's first town (or ``town``, a registry)."""
    ids, now = [f"{tag}-{n}" for n in range(count)], utcnow()
    chosen = itertools.cycle(members or MEMBERS)
    with bridge.sessions() as session, session.writing():
        for participation_id in ids:
            session.add(
                Participation(
                    participation_id=participation_id,
                    key="0x" + relayed_id(coordinator or COORDINATOR.address, participation_id).hex(),
                    body_hash="x" * 64,
                    member=next(chosen),
                    project_id=1,
                    minutes=minutes,
                    coordinator=coordinator or COORDINATOR.address,
                    town=town or bridge.served(None).registry,
                    api_key_id="k",
                    status=Status.QUEUED,
                    attempts=0,
                    created_at=now,
                    updated_at=now,
                )
            )
    return ids


def statuses(bridge: Bridge) -> dict[str, int]:
    with bridge.sessions() as session:
        return dict(session.execute(select(Participation.status, func.count()).group_by(Participation.status)).all())


def run(bridge: Bridge, until: Any, steps: int = 200, mine: Any = None) -> None:
    """Pass after pass until ``until()``; with ``mine``, a block after each pass (the chain's automine being off)."""
    for _ in range(steps):
        bridge.worker.step()
        if mine is not None:
            mine("evm_mine", [])
        if until():
            return
    raise AssertionError(f"not done after {steps} passes: {statuses(bridge)}")


def rewarded_once(d: Deployed, ids: list[str]) -> None:
    """Every id of the first coordinator's rewarded on chain (keyed as the bridge keys them), each exactly once."""
    events = d.town.infinity.events.Rewarded().get_logs(from_block=0)
    keys = [bytes(e["args"]["participationId"]) for e in events]
    wanted = {relayed_id(COORDINATOR.address, i) for i in ids}
    assert wanted <= set(keys)
    assert len([k for k in keys if k in wanted]) == len(wanted)


@pytest.fixture
def town(fresh_town: Deployed) -> Deployed:
    return fresh_town


@pytest.fixture
def automine_off(town: Deployed) -> Iterator[Any]:
    rpc = town.client.w3.provider.make_request
    rpc("evm_setAutomine", [False])  # type: ignore[arg-type]
    yield rpc
    rpc("evm_setAutomine", [True])  # type: ignore[arg-type]


# ── 1. one member cannot stall every relayed action ──


def _call_gas(d: Deployed, sender: str, fn: Any) -> int:
    """The gas ``fn`` needs now when the forwarder makes the call for ``sender``."""
    data = bytes.fromhex(fn._encode_transaction_data()[2:])
    call = {"from": d.town.forwarder.address, "to": fn.address, "data": "0x" + forwarded_call(sender, data).hex()}
    return int(d.client.w3.eth.estimate_gas(call))  # type: ignore[arg-type]


def test_a_call_that_runs_out_of_gas_fails_alone_and_every_other_members_action_is_relayed(
    town: Deployed, databases: Databases
) -> None:
    """The attack of issue 26 #1: a member signs an INF transfer with just enough gas for a receiver that holds INF
    (a written balance), then empties the receiver before the worker sends it, so the call runs out of gas and the node
    answers `execution reverted` with data `0x`. Before, the pass failed on that answer, and every member's action
    waited until her deadline. Now her action fails alone, with its reason, and counts against her day."""
    d = town
    # The receiver is a shop, no member, paid in INF: its INF slot holds its balance alone, so emptying it makes the
    # slot cold and new again (a member's slot also keeps its membership, and stays written).
    her, giver, drop = member(d), member(d, inf=1), Account.create()
    for account in (giver, drop):
        d.client.send_value(DEV[0], account.address, 10**17)  # each pays its own transaction
    d.town.client.transact(d.town.infinity.functions.transfer(drop.address, ONE_INF), giver)
    send = d.town.infinity.functions.transfer(drop.address, ONE_INF // 10)
    tight = _call_gas(d, her.address, send)
    bridge = leading(in_process(d, databases.url("stall")))
    try:
        with bridge.sessions() as session:
            tight_gas = tight + tight // 8 + 5_000  # the least the desk takes
            hers = bridge.relay_desk.accept(session, d.town, signed(d, her, send, gas=tight_gas), None)
            others = [
                bridge.relay_desk.accept(
                    session, d.town, signed(d, m, d.town.infinity.functions.transfer(DEV[10].address, ONE_INF)), None
                )
                for m in (member(d), member(d), member(d))
            ]
            her_id, other_ids = hers.id, [o.id for o in others]
        d.town.client.transact(d.town.infinity.functions.transfer(DEV[11].address, ONE_INF), drop)  # cold now

        def settled() -> bool:
            with bridge.sessions() as session:
                rows = session.scalars(select(RelayRequest)).all()
                return all(r.status in (RelayStatus.CONFIRMED, RelayStatus.FAILED) for r in rows)

        run(bridge, settled, steps=40)
        with bridge.sessions() as session:
            mine = session.get(RelayRequest, her_id)
            assert mine is not None and mine.status == RelayStatus.FAILED and mine.counted, mine
            assert mine.reason is not None and "runs out of the gas its member signed for" in mine.reason
            for other in other_ids:
                row = session.get(RelayRequest, other)
                assert row is not None and row.status == RelayStatus.CONFIRMED, (row.status, row.reason)
        assert bridge.worker.last_error is None
        assert d.town.infinity.functions.balanceOf(DEV[10].address).call() == 3 * ONE_INF
    finally:
        bridge.stop()


def test_the_desk_refuses_a_request_whose_gas_is_short_of_its_call_with_a_sentence(
    town: Deployed, databases: Databases
) -> None:
    """Before, a request signed with less gas than its call needs ran out of gas in the desk's simulation and the
    member was answered 500; now 422 and one sentence that says how much to sign for, and nothing is queued."""
    d = town
    her = member(d)
    send = d.town.infinity.functions.transfer(DEV[10].address, ONE_INF)
    needed = _call_gas(d, her.address, send)
    served = Served(d, databases.url("short")).start()
    try:
        http = httpx.Client(base_url=served.url, timeout=30)
        for gas in (needed - 1_000, needed + 1_000):
            answer = http.post("/v1/relay", json=signed(d, her, send, gas=gas).as_json())
            assert_problem(answer, 422, "sign it again with at least")
            assert answer.json()["type"] == "/problems/gas-too-low"
        assert http.get(f"/v1/relay/quota/{her.address}").json()["used"] == 0
        enough = http.post("/v1/relay", json=signed(d, her, send).as_json())
        assert enough.status_code == 202, enough.text
    finally:
        served.stop()


def test_a_relayer_that_cannot_pay_is_said_at_the_door_and_nothing_is_queued(
    town: Deployed, databases: Databases
) -> None:
    """Issue 27 #25: with a relayer holding no coin, the bridge accepted relayed requests and re-sent the same batch
    every 5 s, and the member's command gave up after 120 s. Now the door answers 503 with a sentence (decided from
    the relayer's balance and the gas price, not a node's words), nothing is queued, and /healthz says why."""
    d = town
    her = member(d)
    send = signed(d, her, d.town.infinity.functions.transfer(DEV[10].address, ONE_INF))
    relayer = COORDINATOR  # the bridge relays from the first coordinator's account on the development chain
    block = d.client.w3.eth.get_block("latest")
    fee = 2 * int(block["baseFeePerGas"]) + int(d.client.w3.eth.max_priority_fee)
    d.client.send_value(relayer, DEV[0].address, d.client.balance(relayer.address) - 21_000 * fee)  # all but the fee
    served = Served(d, databases.url("empty")).start()
    try:
        http = httpx.Client(base_url=served.url, timeout=30)
        answer = http.post("/v1/relay", json=send.as_json())
        assert_problem(answer, 503, "no coin left to pay for gas")
        assert answer.headers["retry-after"] == "600"
        assert http.get(f"/v1/relay/quota/{her.address}").json()["used"] == 0  # nothing queued, nothing counted
        health = http.get("/healthz").json()
        assert health["relayer"]["low"] is True and any("fund it" in w for w in health["warnings"]), health
    finally:
        served.stop()


# ── 2. a backlog bigger than a block ──


@pytest.fixture(params=["anvil", "edr"])
def small_blocks(
    request: pytest.FixtureRequest, tmp_path: Path, databases: Databases
) -> Iterator[tuple[Deployed, int]]:
    """A town on anvil's chain of 10 M-gas blocks, or on Hardhat's EDR node (30 M-gas blocks, Osaka: a transaction
    may ask 16,777,216 gas at most, and an estimate past that fails without data); the block gas limit. The node's
    rules do not depend on the database: EDR runs with SQLite only (with PostgreSQL too it added 16 s to a
    worker's run), anvil with both."""
    if request.param == "edr" and databases.kind != "sqlite":
        pytest.skip("the node's rules are the same whatever the database: EDR runs with SQLite")
    if request.param == "anvil":
        d, limit = deploy_town(tmp_path, extra_args=("--gas-limit", "10000000")), 10_000_000
    else:
        d, limit = deploy_town(tmp_path, node_kind="edr"), 30_000_000
    yield d, limit
    d.node.stop()


def test_a_backlog_bigger_than_a_block_is_minted_in_batches_sized_by_gas(
    small_blocks: tuple[Deployed, int], databases: Databases
) -> None:
    """Issue 26 #2: 500 first participations need ~37 M gas: more than a 10 M-gas block, and more than one transaction
    may ask on an Osaka chain. Before, the estimate failed without data and the same rows were taken for ever; now
    the batch halves, the worker learns the gas per row, and every batch asks at most a quarter of a block (never
    more than EIP-7825's cap)."""
    d, limit = small_blocks
    bridge = leading(in_process(d, databases.url("backlog"), batch_size=500))
    try:
        ids = queue(bridge, 500, "backlog")
        run(bridge, lambda: statuses(bridge) == {Status.CONFIRMED: 500}, steps=300)
        with bridge.sessions() as session:
            asked = [int(b.tx["gas"]) for b in session.scalars(select(Batch))]
        assert max(asked) <= min(limit // 4, TX_GAS_CAP), asked
        rewarded_once(d, ids)
    finally:
        bridge.stop()


def test_healthz_says_stalled_when_rows_wait_and_nothing_is_mined(town: Deployed, databases: Databases) -> None:
    """Before, a worker that minted nothing while rows waited was `"status": "ok"`: now, once the oldest row and the
    last mined batch are older than OST_BRIDGE__STALL_AFTER, /healthz answers 503 and says why."""
    d = town
    d.town.client.transact(d.town.infinity.functions.pause(), DEV[0])  # the OST office pauses INF: nothing mints
    served = Served(d, databases.url("stalled"), env={"OST_BRIDGE__STALL_AFTER": "1"}).start()
    try:
        http = httpx.Client(base_url=served.url, timeout=30)
        key = served.new_key(COORDINATOR.address)[0]
        body = {"participationId": "stalled-1", "member": MEMBERS[0], "projectId": 1, "hours": 3}
        assert http.post("/v1/participations", json=body, headers=auth(key)).status_code == 202
        health = wait_until(lambda: (h := http.get("/healthz")).status_code == 503 and h.json(), timeout=30)
        assert health["status"] == "stalled" and health["queue"]["stalled"] is True
        assert any("stalled" in w for w in health["warnings"]), health["warnings"]
    finally:
        served.stop()


# ── 3. each coordinator's participation ids are its own ──


@pytest.mark.databases("sqlite", "postgresql")
def test_a_rogue_coordinator_cannot_take_an_honest_coordinators_participation_id(
    town: Deployed, databases: Databases
) -> None:
    """Issue 26 #3: a rogue coordinator used `kitchen-2026-11-26-sipho` first, for a member of its own — through its
    API key, its signed attestation, and directly on chain under both the plain id and the id as the bridge would
    key the honest one's. Before, the honest coordinator's participation for Sipho under that id got 409 and Sipho
    was never paid; now every coordinator's ids are its own, and Sipho is paid once."""
    d = town
    sipho, rogues_member, pid = MEMBERS[7], MEMBERS[8], "kitchen-2026-11-26-sipho"
    rogue = OTHER_COORDINATOR
    inf = d.town.infinity.functions
    d.client.transact(inf.reward(rogues_member, 30, relayed_id(COORDINATOR.address, pid), 1), rogue)
    d.client.transact(inf.reward(rogues_member, 30, hash_id(pid), 1), rogue)
    served = Served(d, databases.url("rogue")).start()
    try:
        http = httpx.Client(base_url=served.url, timeout=30)
        honest_key, rogue_key = served.new_key(COORDINATOR.address)[0], served.new_key(rogue.address)[0]
        first = {"participationId": pid, "member": rogues_member, "projectId": 1, "minutes": 60}
        assert http.post("/v1/participations", json=first, headers=auth(rogue_key)).status_code == 202
        signed = attested(d, rogue, participationId=pid, member=rogues_member, hours=0.5)
        assert http.post("/v1/participations", json=signed).status_code == 409  # its own id, used already
        honest = {"participationId": pid, "member": sipho, "projectId": 1, "minutes": 180}
        answer = http.post("/v1/participations", json=honest, headers=auth(honest_key))
        assert answer.status_code == 202, answer.text
        again = http.post("/v1/participations", json=honest, headers=auth(honest_key))
        assert again.status_code in (200, 202) and again.json()["participationId"] == pid  # a retry: the same

        def settled() -> Any:
            mine = http.get(f"/v1/participations/{pid}", headers=auth(honest_key)).json()
            return mine if mine["status"] in ("confirmed", "failed") else None

        mine = wait_until(settled)
        assert mine["status"] == "confirmed" and mine["member"] == sipho and mine["minted"] == str(ONE_INF), mine
        theirs = http.get(f"/v1/participations/{pid}", headers=auth(rogue_key)).json()
        assert theirs["member"] == rogues_member
        ambiguous = http.get(f"/v1/participations/{pid}")  # no key: two coordinators used the id
        assert ambiguous.status_code == 422
        named = http.get(f"/v1/participations/{pid}", params={"coordinator": COORDINATOR.address}).json()
        assert named["status"] == "confirmed" and named["member"] is None  # no key: who it names is not shown
    finally:
        served.stop()
    paid = [e for e in d.town.infinity.events.Rewarded().get_logs(from_block=0) if e["args"]["member"] == sipho]
    assert len(paid) == 1 and paid[0]["args"]["amount"] == ONE_INF  # once


@pytest.mark.databases("sqlite", "postgresql")
def test_one_coordinator_s_participation_is_never_paid_twice_by_any_path(town: Deployed, databases: Databases) -> None:
    """Each coordinator's ids are its own, yet one participation is one: the same id by the same coordinator through
    its key and its signature is refused (409), and the chain refuses the id twice among one coordinator's."""
    d = town
    pid, member = "shift-once", MEMBERS[9]
    served = Served(d, databases.url("once")).start()
    try:
        http = httpx.Client(base_url=served.url, timeout=30)
        key = served.new_key(COORDINATOR.address)[0]
        body = {"participationId": pid, "member": member, "projectId": 1, "minutes": 180}
        assert http.post("/v1/participations", json=body, headers=auth(key)).status_code == 202
        signed = attested(d, COORDINATOR, participationId=pid, member=member, hours=3)
        assert_problem(http.post("/v1/participations", json=signed), 409, "different body")
        wait_until(lambda: http.get(f"/v1/participations/{pid}", headers=auth(key)).json()["status"] == "confirmed")
    finally:
        served.stop()
    inf = d.town.infinity.functions
    d.client.transact(inf.reward(member, 60, hash_id("direct-once"), 1), COORDINATOR)
    with pytest.raises(ContractRevert) as twice:
        d.client.transact(inf.reward(member, 60, hash_id("direct-once"), 1), COORDINATOR)
    assert twice.value.error == "InfinityTokenAlreadyRewarded"
    assert [e["args"]["member"] for e in d.town.infinity.events.Rewarded().get_logs(from_block=0)].count(member) == 2


# ── 4. the pipeline ──


@pytest.mark.databases("postgresql")
def test_a_backlog_goes_out_as_several_batches_on_consecutive_nonces_and_fills_one_block(
    town: Deployed, databases: Databases, automine_off: Any
) -> None:
    """With a backlog, the worker no longer waits for one batch to be mined before sending the next: batches of 50 go
    out on consecutive nonces with no block mined (four, the whole backlog, well within two blocks' gas), and one
    block carries all of them."""
    d, rpc = town, automine_off
    bridge = leading(in_process(d, databases.url("pipeline"), batch_size=50))
    try:
        ids = queue(bridge, 200, "pipe")
        for _ in range(6):
            bridge.worker.step()
        with bridge.sessions() as session:
            sent = list(session.scalars(select(Batch).order_by(Batch.nonce)))
        assert len(sent) == 4 and all(b.status == BatchStatus.SENT for b in sent)
        assert [b.nonce for b in sent] == list(range(sent[0].nonce, sent[0].nonce + 4))
        rpc("evm_mine", [])
        run(bridge, lambda: statuses(bridge) == {Status.CONFIRMED: 200}, steps=20)
        with bridge.sessions() as session:
            blocks = {b.block for b in session.scalars(select(Batch))}
        assert len(blocks) == 1  # 200 participations in one block
        rewarded_once(d, ids)
    finally:
        bridge.stop()


@pytest.mark.databases("sqlite", "postgresql")
def test_a_coordinators_cap_holds_with_batches_in_flight(
    town: Deployed, databases: Databases, automine_off: Any
) -> None:
    """With several batches in flight, a coordinator's daily cap is charged when a batch is sent, not when it is mined:
    counting only mined batches, the pipeline would carry a coordinator past its cap (the chain charges the relayer's,
    not the coordinator's, for API-key participations)."""
    d, rpc = town, automine_off
    rpc("evm_setAutomine", [True])
    d.client.transact(
        d.town.infinity.functions.setCoordinatorDailyCap(OTHER_COORDINATOR.address, 3 * ONE_INF), AMBASSADOR
    )
    rpc("evm_setAutomine", [False])
    bridge = leading(in_process(d, databases.url("capped"), batch_size=2))
    try:
        queue(bridge, 20, "capped", coordinator=OTHER_COORDINATOR.address)  # half an INF each: 6 fit 3 INF
        for _ in range(12):
            bridge.worker.step()
        assert statuses(bridge).get(Status.SUBMITTED, 0) == 6, statuses(bridge)
        rpc("evm_mine", [])
        run(bridge, lambda: statuses(bridge).get(Status.CONFIRMED, 0) == 6, steps=20)
        assert statuses(bridge) == {Status.CONFIRMED: 6, Status.QUEUED: 14}  # the rest wait for the next day
        assert d.town.infinity.functions.totalSupply().call() == 3 * ONE_INF
    finally:
        bridge.stop()


def test_a_transaction_dropped_in_the_middle_of_a_run_of_nonces_is_sent_again(
    town: Deployed, databases: Databases, automine_off: Any
) -> None:
    d, rpc = town, automine_off
    bridge = leading(in_process(d, databases.url("dropped"), batch_size=20))
    try:
        ids = queue(bridge, 60, "drop")
        for _ in range(4):
            bridge.worker.step()
        with bridge.sessions() as session:
            sent = list(session.scalars(select(Batch).order_by(Batch.nonce)))
        assert len(sent) == 3
        rpc("anvil_dropTransaction", [sent[1].tx_hashes[-1]])  # the node forgets the middle one
        rpc("evm_mine", [])
        run(bridge, lambda: statuses(bridge) == {Status.CONFIRMED: 60}, steps=20, mine=rpc)
        with bridge.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Batch)) == 3  # sent again, not anew
        rewarded_once(d, ids)
    finally:
        bridge.stop()


@pytest.mark.databases("postgresql")
def test_a_nonce_left_free_below_batches_in_flight_is_filled(
    town: Deployed, databases: Databases, automine_off: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A nonce left free below a batch in flight (as a batch the node refused outright leaves it; here made by
    skipping a nonce) holds every later batch for ever. The worker fills the gap with a transfer of nothing, and the
    batch after it is mined."""
    d, rpc = town, automine_off
    bridge = leading(in_process(d, databases.url("gap"), batch_size=20))
    real = pipeline.next_nonce
    monkeypatch.setattr(pipeline, "next_nonce", lambda seen, batches: real(seen, batches) + 1)  # one skipped
    try:
        ids = queue(bridge, 20, "gap")
        bridge.worker.step()
        monkeypatch.setattr(pipeline, "next_nonce", real)
        relayer = bridge.relayer.address
        before = d.client.w3.eth.get_transaction_count(relayer)
        bridge.worker.step()  # the gap is seen and filled
        rpc("evm_mine", [])
        run(bridge, lambda: statuses(bridge) == {Status.CONFIRMED: 20}, steps=20)
        assert d.client.w3.eth.get_transaction_count(relayer) == before + 2  # the filler, then the batch
        rewarded_once(d, ids)
    finally:
        bridge.stop()


def test_a_stuck_head_of_the_pipeline_is_repriced_and_everything_behind_it_confirms_once(
    town: Deployed, databases: Databases, automine_off: Any
) -> None:
    d, rpc = town, automine_off
    bridge = leading(in_process(d, databases.url("reprice"), batch_size=20, stuck_after=0.001))
    try:
        ids = queue(bridge, 60, "stuck")
        for _ in range(6):
            bridge.worker.step()
        with bridge.sessions() as session:
            versions = [len(b.tx_hashes) for b in session.scalars(select(Batch).order_by(Batch.nonce))]
        assert len(versions) == 3 and versions[0] > 1  # the head re-priced while the others wait behind it
        rpc("evm_mine", [])
        run(bridge, lambda: statuses(bridge) == {Status.CONFIRMED: 60}, steps=40)
        rewarded_once(d, ids)
    finally:
        bridge.stop()


@pytest.mark.databases("sqlite", "postgresql")
def test_a_replica_takes_over_in_the_middle_of_a_pipeline(
    town: Deployed, databases: Databases, automine_off: Any
) -> None:
    d, rpc = town, automine_off
    url = databases.url("replicas")
    first = leading(in_process(d, url, batch_size=20))
    try:
        ids = queue(first, 60, "replica")
        for _ in range(4):
            first.worker.step()
    finally:
        first.stop()  # the lease is let go, three batches in flight
    second = in_process(d, url, batch_size=20)
    try:
        leading(second)
        rpc("evm_mine", [])
        run(second, lambda: statuses(second) == {Status.CONFIRMED: 60}, steps=20)
        with second.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Batch)) == 3  # none sent twice
        rewarded_once(d, ids)
    finally:
        second.stop()


# ── 7. a gateway is not one member ──


class FrozenClock:
    """A clock the test moves: no bucket refills unless told, so what a burst allows is exact."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def http_in_process(d: Deployed, database_url: str, **env: str) -> Iterator[tuple[httpx.Client, Bridge]]:
    """A real HTTP server (uvicorn on 127.0.0.1) in this process over the app of ``d``, with no worker: the test holds
    its bridge, to set the pace's clock."""
    settings = bridge_settings(d.manifest, d.node.rpc_url, database_url=database_url)
    settings.bridge.run_worker = False
    for name, value in env.items():
        setattr(settings.bridge, name, value)
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started, timeout=30)
        with httpx.Client(base_url=f"http://127.0.0.1:{server.config.port}", timeout=30) as http:
            yield http, app.state.bridge
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.mark.databases("postgresql")
def test_one_address_may_send_for_hundreds_of_members_but_only_a_few_strangers(
    town: Deployed, databases: Databases
) -> None:
    """A town's Wi-Fi is one address for many members. Before, the desk let one address send 120 requests and then 2
    a second, whoever signed them, so the 121st member behind it was refused; now members are paced by their
    signature, and only requests no member signed by the address (the clock frozen: nothing refills)."""
    d = town
    members = [Account.from_key(keccak(text=f"wifi/{i}")) for i in range(200)]
    d.town.add_members(AMBASSADOR, [m.address for m in members])
    d.town.reward_batch(COORDINATOR, [Reward(m.address, 180, f"wifi-earned/{m.address}", 1) for m in members])
    send = d.town.infinity.functions.transfer(DEV[10].address, ONE_INF)
    with http_in_process(d, databases.url("wifi")) as (http, bridge):
        bridge.relay_desk.clock = FrozenClock()
        codes = [http.post("/v1/relay", json=_unsigned_by(d, m, send).as_json()).status_code for m in members]
        assert codes == [202] * 200, {c: codes.count(c) for c in set(codes)}
        strangers = [_unsigned_by(d, Account.create(), send) for _ in range(130)]  # a new key every time
        answers = [http.post("/v1/relay", json=r.as_json()) for r in strangers]
        codes = [a.status_code for a in answers]
        assert codes == [403] * 120 + [429] * 10, codes  # 12 a minute × 10 members' worth, then paced
        assert "from this client" in answers[-1].json()["detail"]


@pytest.mark.databases("postgresql")
def test_a_gateway_that_shows_the_towns_secret_is_paced_as_a_gateway_not_as_one_address(
    town: Deployed, databases: Databases
) -> None:
    d = town
    send = d.town.infinity.functions.transfer(DEV[10].address, ONE_INF)
    with http_in_process(d, databases.url("gateway"), ussd_secret=SecretStr("town-gateway")) as (http, bridge):
        bridge.relay_desk.clock = FrozenClock()
        junk = [_unsigned_by(d, Account.create(), send) for _ in range(140)]
        plain = [http.post("/v1/relay", json=r.as_json()).status_code for r in junk[:130]]
        assert plain == [403] * 120 + [429] * 10, plain  # this address has used its strangers' share
        shown = {"X-OST-Gateway-Secret": "town-gateway"}
        through = [http.post("/v1/relay", json=r.as_json(), headers=shown).status_code for r in junk[130:]]
        assert through == [403] * 10, through  # the same machine, shown as the gateway: paced as the gateway
        wrong = http.post("/v1/relay", json=junk[0].as_json(), headers={"X-OST-Gateway-Secret": "guess"})
        assert wrong.status_code == 429  # a wrong secret is no gateway: the address's pace


def test_the_phone_s_balance_reads_only_what_may_be_held_and_says_what_a_full_read_says(
    town: Deployed, databases: Databases
) -> None:
    """Issue 26 #6: a balance screen asked the chain 204 calls in a town of 100 businesses (every share token, every
    business's investor profit). It now asks only for businesses that sold a share, and investor profit only where
    an investor part was ever set: what it reads must be what reading everything reads."""
    d = town
    buyer = DEV[10]
    d.town.add_members(AMBASSADOR, [buyer.address])
    d.client.transact(d.town.distributor.functions.setInvestorShare(0, 2_000), AMBASSADOR)
    d.town.buy(buyer, "BAKE", 2)
    treasury = d.client.view(d.town.sale(0)[0].functions.terms()).treasury
    if d.client.balance(treasury) < 10**17:
        d.client.send_value(DEV[0], treasury, 10**18)
    owner = next(a for a in DEV if a.address == treasury)
    d.town.deposit(owner, "BAKE", 6 * 10**16)
    bridge = in_process(d, databases.url("holdings"))
    try:
        chain, reader = bridge.chain, bridge.phone_menu.places[bridge.served(None).registry].holdings
        sales = chain.sales()
        assets = chain.profit_assets()
        every = {s.business_id: s.token for s in sales}
        symbols = {s.business_id: s.symbol for s in sales}
        for who in (buyer.address, MEMBERS[3], DEV[19].address):
            narrow = reader.read(
                chain, who, assets, {i: t for i, t in every.items() if sales[i].sold}, symbols, chain.investing()
            )
            wide = reader.read(chain, who, assets, every, symbols, set(every))
            assert narrow == wide, who
        assert reader.read(chain, buyer.address, assets, every, symbols, set(every)).shares == {0: 2}
        assert chain.investing() == {0}
    finally:
        bridge.stop()

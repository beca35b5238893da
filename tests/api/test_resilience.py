"""Whatever fails, every accepted participation is minted exactly once: the bridge killed with
SIGKILL in the middle of a stream of 1,000, and the chain gone while participations arrive."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from sqlalchemy import func, select
from web3.exceptions import TransactionNotFound

from api.db import Batch, Participation
from ost_chain.chain import LocalChain
from ost_chain.townclient import Town
from tests import web

from .conftest import (
    COORDINATOR,
    MEMBERS,
    Bridge,
    Databases,
    Deployed,
    chain_key,
    deploy_town,
    free_port,
    participation,
    rewarded_on_chain,
    secret_of,
    wait_until,
)

AUTH: dict[str, str] = {}


def count(bridge: Bridge, *where: Any) -> int:
    with bridge.session() as session:
        return int(session.scalar(select(func.count()).select_from(Participation).where(*where)) or 0)


def open_batches(bridge: Bridge) -> int:
    with bridge.session() as session:
        return int(session.scalar(select(func.count()).select_from(Batch).where(Batch.status == "sent")) or 0)


def submit_until_accepted(http: httpx.Client, body: dict[str, Any], headers: dict[str, str], deadline: float) -> int:
    """What a coordinator's app does: retry the same request until the bridge answers it."""
    while time.monotonic() < deadline:
        try:
            response = http.post("/v1/participations", json=body, headers=headers)
        except httpx.TransportError:
            time.sleep(0.05)
            continue
        if response.status_code < 500:
            return response.status_code
        time.sleep(0.05)
    raise AssertionError(f"{body['participationId']} was never accepted")


@pytest.mark.databases("sqlite", "postgresql")
def test_sigkill_in_the_middle_of_1000_participations_loses_and_duplicates_nothing(
    deployed: Deployed, databases: Databases
) -> None:
    bridge = Bridge(deployed, databases.url("crash"), env={"OST_BRIDGE__BATCH_SIZE": "40"}).start()
    key, _ = bridge.new_key(COORDINATOR.address)
    headers = {"Authorization": f"Bearer {key}"}
    bodies = [
        participation(member=MEMBERS[i % len(MEMBERS)], hours=0.5, participation_id=f"crash-{databases.kind}-{i:04d}")
        for i in range(1_000)
    ]
    before = len(rewarded_on_chain(deployed))
    answers: list[int] = []
    deadline = time.monotonic() + 120

    def stream() -> None:
        with ThreadPoolExecutor(8) as pool, httpx.Client(base_url=bridge.url, timeout=10) as http:
            answers.extend(pool.map(lambda b: submit_until_accepted(http, b, headers, deadline), bodies))

    streamer = threading.Thread(target=stream)
    try:
        streamer.start()
        wait_until(lambda: count(bridge) >= 300, timeout=60, every=0.01)
        # Kill it while a batch is on its way (recorded, maybe broadcast, not yet settled) if we can catch one.
        caught = False
        for _ in range(500):
            if open_batches(bridge):
                caught = True
                break
            time.sleep(0.002)
        bridge.kill()
        accepted_before_kill = count(bridge)
        assert 300 <= accepted_before_kill < 1_000
        time.sleep(0.5)  # clients keep retrying against a dead port
        bridge.start()
        streamer.join(timeout=120)
        assert not streamer.is_alive() and answers == [202] * 1_000
        wait_until(lambda: count(bridge, Participation.status == "confirmed") == 1_000, timeout=90, every=0.2)
    finally:
        bridge.stop()
    minted = rewarded_on_chain(deployed)[before:]
    assert len(minted) == 1_000, f"{len(minted)} mints for 1,000 participations (caught mid-batch: {caught})"
    assert set(minted) == {chain_key(b) for b in bodies}


@pytest.fixture
def restartable(tmp_path: Path) -> Iterator[Deployed]:
    """A town on an anvil that keeps its state in a file, so it can stop and come back as it was."""
    port = free_port()
    d = deploy_town(tmp_path, port=port, extra_args=("--state", str(tmp_path / "chain-state.json")))
    yield d
    d.node.stop()


@pytest.mark.databases("sqlite", "postgresql")
def test_a_chain_outage_queues_and_everything_accepted_is_minted_when_it_returns(
    restartable: Deployed, databases: Databases
) -> None:
    d = restartable
    bridge = Bridge(d, databases.url("outage")).start()
    key, _ = bridge.new_key(COORDINATOR.address)
    headers = {"Authorization": f"Bearer {key}"}
    try:
        with httpx.Client(base_url=bridge.url, timeout=30) as http:
            first = participation(project_id=1)
            assert http.post("/v1/participations", json=first, headers=headers).status_code == 202
            wait_until(lambda: count(bridge, Participation.status == "confirmed") == 1)
            port = int(d.node.rpc_url.rsplit(":", 1)[1])
            d.node.stop()
            during = [participation(hours=1) for _ in range(50)]
            for body in during:
                answer = http.post("/v1/participations", json=body, headers=headers)
                assert answer.status_code == 202, answer.text
            health = http.get("/healthz")
            assert health.status_code == 503 and health.json()["chain"]["reachable"] is False
            assert health.json()["queue"]["depth"] == 50 and health.json()["status"] == "degraded"
            time.sleep(1.0)  # the worker meets the outage too
            assert count(bridge, Participation.status == "confirmed") == 1
            d.node = LocalChain(port=port, extra_args=("--state", str(d.folder / "chain-state.json"))).start()
            wait_until(lambda: count(bridge, Participation.status == "confirmed") == 51, timeout=60, every=0.2)
            assert http.get("/healthz").json()["queue"]["depth"] == 0
    finally:
        bridge.stop()
    minted = rewarded_on_chain(d)
    assert sorted(minted) == sorted(chain_key(b) for b in [first, *during])


def test_a_stuck_transaction_is_repriced_and_the_replacement_confirms(
    fresh_town: Deployed, databases: Databases
) -> None:
    d = fresh_town
    mine = d.client.w3.provider.make_request
    bridge = Bridge(d, databases.url("stuck"), env={"OST_BRIDGE__STUCK_AFTER": "1"}).start()
    key, _ = bridge.new_key(COORDINATOR.address)
    try:
        mine("evm_setAutomine", [False])  # type: ignore[arg-type]  # blocks only when asked: the batch waits
        body = participation()
        answer = web.post(f"{bridge.url}/v1/participations", json=body, headers={"Authorization": f"Bearer {key}"})
        assert answer.status_code == 202

        def versions() -> list[str]:
            with bridge.session() as session:
                batch = session.scalars(select(Batch)).first()
                return list(batch.tx_hashes) if batch is not None else []

        sent = wait_until(versions, timeout=10)
        first = d.client.w3.eth.get_transaction(sent[0])  # pending: no block will come until asked

        def replaced() -> Any:
            """The newest re-priced version the node holds: a version is recorded before it is sent, and on a busy
            machine the next may already have replaced it in the pool (a wall-clock guess failed once)."""
            for tx_hash in versions()[1:][::-1]:
                try:
                    return d.client.w3.eth.get_transaction(tx_hash)
                except TransactionNotFound:
                    continue
            return None

        replacement = wait_until(replaced, timeout=20)  # it replaced the first in the node's pool
        assert first["nonce"] == replacement["nonce"]
        assert replacement["maxFeePerGas"] > first["maxFeePerGas"] * 1.1
        assert replacement["maxPriorityFeePerGas"] > first["maxPriorityFeePerGas"] * 1.1
        mine("evm_setAutomine", [True])  # type: ignore[arg-type]
        mine("evm_mine", [])  # type: ignore[arg-type]
        wait_until(lambda: count(bridge, Participation.status == "confirmed") == 1)
        with bridge.session() as session:
            ours = (body["participationId"], COORDINATOR.address, Town.load(d.client, d.manifest).registry.address)
            row = session.get(Participation, ours)
            assert row is not None and row.tx_hash in versions()[1:]  # a re-priced version was mined
    finally:
        bridge.stop()
    assert rewarded_on_chain(d).count(chain_key(body)) == 1


@pytest.mark.databases("sqlite", "postgresql")
def test_two_replicas_on_one_database_mint_each_participation_once(fresh_town: Deployed, databases: Databases) -> None:
    d = fresh_town
    database = databases.url("shared")
    first, second = Bridge(d, database).start(), Bridge(d, database).start()
    key, _ = first.new_key(COORDINATOR.address)
    headers = {"Authorization": f"Bearer {key}"}
    bodies = [participation(member=MEMBERS[i % len(MEMBERS)], hours=0.5) for i in range(200)]
    try:
        with ThreadPoolExecutor(8) as pool, httpx.Client(timeout=30) as http:
            answers = list(
                pool.map(
                    lambda n: (
                        http.post(
                            f"{(first, second)[n % 2].url}/v1/participations",
                            json=bodies[n // 2 % 200],
                            headers=headers,
                        ).status_code
                    ),
                    range(400),
                )
            )
        assert answers == [202] * 400  # each participation sent to both replicas
        wait_until(lambda: count(first, Participation.status == "confirmed") == 200, timeout=60)
        leaders = [web.get(f"{b.url}/healthz").json()["queue"]["workerLeader"] for b in (first, second)]
        assert sorted(leaders) == [False, True]  # one sends, the other stands by
    finally:
        first.stop()
        second.stop()
    minted = rewarded_on_chain(d)
    assert sorted(minted) == sorted(chain_key(b) for b in bodies)


def test_a_keystore_relayer_s_passphrase_and_key_never_reach_the_log(
    fresh_town: Deployed, databases: Databases
) -> None:
    d = fresh_town
    passphrase = "correct horse battery staple 7"
    keystore = d.folder / "relayer.json"
    keystore.write_text(json.dumps(Account.encrypt(COORDINATOR.key, passphrase, kdf="pbkdf2", iterations=1_000)))
    bridge = Bridge(
        d,
        databases.url("keystore"),
        env={"OST_BRIDGE__RELAYER": str(keystore), "OST_PASSPHRASE": passphrase},
    ).start()
    key, _ = bridge.new_key(COORDINATOR.address)
    try:
        health = web.get(f"{bridge.url}/healthz").json()
        assert health["relayer"]["address"] == COORDINATOR.address  # the keystore's account relays
        body = participation()
        assert (
            web.post(
                f"{bridge.url}/v1/participations", json=body, headers={"Authorization": f"Bearer {key}"}
            ).status_code
            == 202
        )
        wait_until(lambda: count(bridge, Participation.status == "confirmed") == 1)
    finally:
        bridge.stop()
    assert bridge.log is not None
    log = bridge.log.read_text()
    assert "POST /v1/participations 202" in log
    for secret in (passphrase, COORDINATOR.key.hex(), secret_of(key)):
        assert secret not in log

"""The bridge's database failing under it: a PostgreSQL server that is down at start or goes away while the bridge
serves, and the worker's leader killed mid-batch with another replica waiting (issue 15 #13)."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from api.db import Batch, BatchStatus, Participation, Status
from ost_chain.units import hash_id
from tests import web
from tests.pg import PostgresServer

from .conftest import (
    COORDINATOR,
    MEMBERS,
    OST,
    Bridge,
    Databases,
    Deployed,
    chain_key,
    participation,
    rewarded_on_chain,
    wait_until,
)


@pytest.fixture
def own_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server of this test's own, to stop and start without troubling the others."""
    server = PostgresServer().start()
    yield server
    server.destroy()


def confirmed(bridge: Bridge) -> int:
    with bridge.session() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(Participation).where(Participation.status == Status.CONFIRMED)
            )
            or 0
        )


@pytest.mark.databases("sqlite", "postgresql")
def test_a_database_outage_answers_503_with_retry_after_and_loses_nothing(
    fresh_town: Deployed, own_server: PostgresServer
) -> None:
    d = fresh_town
    # A long batch wait: what is accepted just before the outage is still waiting in the queue when it begins.
    bridge = Bridge(d, own_server.database("outage"), env={"OST_BRIDGE__BATCH_WAIT": "2"}).start()
    key, _ = bridge.new_key(COORDINATOR.address)
    headers = {"Authorization": f"Bearer {key}"}
    accepted = [participation(member=MEMBERS[n]) for n in range(12)]
    try:
        with httpx.Client(base_url=bridge.url, timeout=30) as http:
            assert [http.post("/v1/participations", json=b, headers=headers).status_code for b in accepted] == [
                202
            ] * 12
            own_server.stop()
            answers = [
                http.post("/v1/participations", json=participation(member=MEMBERS[20]), headers=headers),
                http.get(f"/v1/participations/{accepted[0]['participationId']}", headers=headers),
                http.get("/v1/meals", params={"date": "2026-11-25"}, headers=headers),
                http.get(f"/v1/members/{MEMBERS[0]}"),
                http.get("/v1/town"),
            ]
            for answer in answers:
                assert answer.status_code == 503, answer.text
                assert answer.headers["content-type"] == "application/problem+json"
                assert answer.headers["retry-after"] == "5"
                assert "database is not answering" in answer.json()["detail"]
            health = http.get("/healthz")
            assert health.status_code == 503 and health.json()["database"]["reachable"] is False
            assert any("database" in w for w in health.json()["warnings"])
            time.sleep(1.5)  # the worker meets the outage too
            own_server.start()
            wait_until(lambda: http.get("/healthz").status_code == 200, timeout=30)
            later = participation(member=MEMBERS[21])
            assert http.post("/v1/participations", json=later, headers=headers).status_code == 202
            wait_until(lambda: confirmed(bridge) == 13, timeout=60)
    finally:
        bridge.stop()
    minted = rewarded_on_chain(d)
    assert sorted(minted) == sorted(chain_key(b) for b in [*accepted, later])
    assert bridge.log is not None
    log = bridge.log.read_text()
    assert "Traceback" not in log
    failures = [line for line in log.splitlines() if "database is not answering" in line]
    assert 1 <= len(failures) <= len(answers) + 1  # one line per failed request (and one for /healthz)
    # One line when the worker's error starts or changes, not one per retry (it retries every 0.2-2 s).
    assert sum("worker: " in line and "OperationalError" in line for line in log.splitlines()) <= 6


def _ost_api(d: Deployed, database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [OST, "api", "--manifest", str(d.manifest), "--rpc-url", d.node.rpc_url, "--database-url", database_url],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.databases("sqlite", "postgresql")
def test_a_database_that_is_down_or_missing_at_start_is_one_sentence(
    fresh_town: Deployed, own_server: PostgresServer
) -> None:
    missing = own_server.url("no_such_database")
    done = _ost_api(fresh_town, missing)
    said = (done.stdout + done.stderr).strip()
    assert done.returncode != 0 and "Traceback" not in said and len(said.splitlines()) <= 3, said
    assert "no_such_database" in said and "cannot be used" in said and "does not exist" in said
    own_server.stop()
    down = own_server.url("postgres").replace("ost@", "ost:hunter2secret@")
    done = _ost_api(fresh_town, down)
    said = (done.stdout + done.stderr).strip()
    assert done.returncode != 0 and "Traceback" not in said and len(said.splitlines()) <= 3, said
    assert "cannot be used" in said and "start its server" in said
    assert "hunter2secret" not in said  # the password is never printed


@pytest.mark.databases("sqlite", "postgresql")
def test_the_leader_killed_mid_batch_is_taken_over_by_the_other_replica(
    fresh_town: Deployed, databases: Databases
) -> None:
    d = fresh_town
    database = databases.url("replicas")
    env = {"OST_BRIDGE__BATCH_SIZE": "20"}
    first = Bridge(d, database, env=env).start()
    wait_until(lambda: web.get(f"{first.url}/healthz").json()["queue"]["workerLeader"])
    second = Bridge(d, database, env=env).start()
    key, _ = first.new_key(COORDINATOR.address)
    headers = {"Authorization": f"Bearer {key}"}
    bodies = [participation(member=MEMBERS[i % 50], hours=0.5) for i in range(300)]
    answers: list[int] = []
    sent = [0]

    def submit(n: int) -> int:
        """A coordinator's app: the replica it was given, the other one if that one is gone."""
        sent[0] += 1
        time.sleep(0.02)  # a steady stream, so the kill lands in its middle
        for replica in ((first, second)[n % 2], second):
            try:
                return web.post(f"{replica.url}/v1/participations", json=bodies[n], headers=headers).status_code
            except httpx.TransportError:
                continue
        return 0

    def stream() -> None:
        with ThreadPoolExecutor(4) as pool:
            answers.extend(pool.map(submit, range(300)))

    streamer = threading.Thread(target=stream)
    session = first.session()  # opened (and its engine made) before the stream: the kill must not wait for it
    try:
        streamer.start()
        wait_until(lambda: sent[0] >= 100, timeout=60, every=0.005)
        caught, until = False, time.monotonic() + 0.5
        with session:
            while time.monotonic() < until:  # kill the leader while one of its batches is on its way, if caught
                open_batch = select(func.count()).select_from(Batch).where(Batch.status == BatchStatus.SENT)
                if session.scalar(open_batch):
                    caught = True
                    break
                session.rollback()  # a fresh snapshot for the next look
                time.sleep(0.002)
        first.kill()
        at_kill = confirmed(second)  # counted now: on a slow machine the other replica may finish before the stream
        streamer.join(timeout=60)
        assert answers == [202] * 300
        assert at_kill < 300, "everything was minted before the kill: nothing was tested"
        wait_until(lambda: confirmed(second) == 300, timeout=60)  # the lease runs out; the other replica takes it
        assert web.get(f"{second.url}/healthz").json()["queue"]["workerLeader"]
    finally:
        first.kill()
        second.stop()
    minted = rewarded_on_chain(d)
    assert sorted(minted) == sorted(chain_key(b) for b in bodies), f"caught mid-batch: {caught}"


def test_two_replicas_storing_the_same_participations_at_once_never_deadlock(postgres: PostgresServer) -> None:
    """Found by the two-replica test on PostgreSQL: replicas storing overlapping participations in different orders
    deadlocked, and the server's way out answered 503. Rows are now stored in one order by every writer."""
    from datetime import UTC, datetime

    from api.db import make_engine, sessions
    from api.intake import Intake

    make_session = sessions(make_engine(postgres.database("deadlock")))
    writers = [Intake(make_session), Intake(make_session)]  # as two replicas: two writers, two connections
    now = datetime.now(UTC).replace(tzinfo=None)

    def row(n: int, round_: int) -> dict[str, object]:
        pid = f"dl-{round_}-{n:02d}"
        return {
            "participation_id": pid,
            "key": "0x" + hash_id(pid).hex(),
            "body_hash": "x" * 64,
            "member": MEMBERS[n],
            "project_id": 1,
            "minutes": 180,
            "coordinator": COORDINATOR.address,
            "town": "0x" + "66" * 20,
            "api_key_id": "k",
            "status": "queued",
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }

    failures: list[BaseException] = []
    barrier = threading.Barrier(2)

    def write(writer: Intake, order: int) -> None:
        for round_ in range(40):
            rows = [row(n, round_) for n in range(30)][::order]
            barrier.wait()
            try:
                writer._write(rows)
            except Exception as exc:  # noqa: BLE001 - collected and reported below
                failures.append(exc)

    try:
        threads = [threading.Thread(target=write, args=(w, o)) for w, o in zip(writers, (1, -1), strict=True)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        for writer in writers:
            writer.stop()
    assert failures == []

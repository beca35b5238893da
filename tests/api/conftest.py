"""The bridge as users run it: `ost api` in its own process (uvicorn on 127.0.0.1) over a town
deployed on its own anvil, real HTTP from the tests. Every test of the bridge runs twice: on a SQLite
file for the queue, and on a real PostgreSQL server the tests start (see tests/pg.py)."""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_utils import keccak, to_checksum_address
from pydantic.alias_generators import to_camel
from sqlalchemy.orm import Session

from api.db import make_engine, sessions
from api.keys import create_key
from ost_chain.chain import LocalChain, dev_accounts
from ost_chain.client import ChainClient
from ost_chain.deploy import deploy_plan
from ost_chain.eip712 import sign_participation
from ost_chain.manifest import TownManifest
from ost_chain.plan import load_plan
from ost_chain.townclient import Town
from ost_chain.units import hash_id, relayed_id
from tests import launch, web
from tests.nodes import start_node
from tests.pg import PostgresServer

OST = str(Path(sys.executable).with_name("ost"))
DEV = dev_accounts()
COORDINATOR, OTHER_COORDINATOR, AMBASSADOR = DEV[3], DEV[4], DEV[2]
MEMBERS = [to_checksum_address(keccak(text=f"bridge member {i}")[12:]) for i in range(60)]
# Participations without a named member go to the first 50 in turn, not at random: a member may be credited 1,440
# minutes a day, and random picks for a module's 3-hour shifts on one chain sometimes gave one member nine.
_IN_TURN = itertools.cycle(MEMBERS[:50])
PLAN = f"""
town: Bridge Town
country: ZA
time_zone: Africa/Johannesburg
coordinators: [dev:3, dev:4]
coordinator_daily_cap_inf: 1000000
members: [{", ".join(MEMBERS)}]
projects: [{{id: 1, name: River}}, {{id: 2, name: Kitchen, shift_minutes: 240}}]
businesses: [{{name: Bakery, symbol: BAKE}}]
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Deployed:
    """A town on its own anvil."""

    node: LocalChain
    client: ChainClient
    manifest: Path
    folder: Path
    _town: tuple[tuple[int, int, int], Town] | None = field(default=None, repr=False)

    @property
    def town(self) -> Town:
        """The town as its manifest says now: loaded once, and again when the manifest changes (a test that signs
        for hundreds of members asked for it hundreds of times, and each load made six contracts: a quarter of
        its time)."""
        facts = self.manifest.stat()  # a manifest is saved by replacing it: a new inode, whatever the clock says
        stamp = (facts.st_ino, facts.st_mtime_ns, facts.st_size)
        if self._town is None or self._town[0] != stamp:
            self._town = (stamp, Town.load(self.client, self.manifest))
        return self._town[1]


def deploy_town(folder: Path, plan_path: Path | None = None, node_kind: str = "anvil", **chain: Any) -> Deployed:
    """The town of ``plan_path`` (default: this module's small plan) on a new node of its own: anvil, or Hardhat's
    EDR node (``node_kind="edr"``), which holds a transaction to EIP-7825's gas cap and words its errors its own way."""
    node = start_node(node_kind, **chain)
    client = ChainClient.connect(node.rpc_url)
    if plan_path is None:
        plan_path = folder / "plan.yaml"
        plan_path.write_text(PLAN)
    plan, digest = load_plan(plan_path)
    manifest = deploy_plan(client, plan, folder / "town.json", {a.address: a for a in DEV}, digest)
    return Deployed(node, client, manifest.path, folder)


@dataclass
class Bridge:
    """One `ost api` process; restartable on the same database."""

    deployed: Deployed
    database_url: str
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: launch.OstProcess | None = None  # forked from the tests' loaded `ost` (tests/launch.py)
    log: Path | None = None
    issued: list[str] = field(default_factory=list)  # every key handed out, to look for in the logs
    rpc_url: str | None = None  # default: the town's node as it is
    towns: list[Path] = field(default_factory=list)  # more towns' manifests it serves (repeated --manifest)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> Bridge:
        """Start it and wait for its own health report. A port found free can be taken by another process before the
        bridge binds it (four workers start nodes and servers at once): then another port, up to three in all."""
        for _attempt in range(3):
            if self._started(timeout):
                return self
            self.port = free_port()
        raise RuntimeError("ost api found its port taken three times")

    def _started(self, timeout: float) -> bool:
        """Whether the bridge answers on its port; False when another process held the port."""
        self.log = self.deployed.folder / f"bridge-{self.port}.log"
        # The chain's head asked afresh for every read: a test reads right after it writes.
        env = {
            **os.environ,
            "OST_BRIDGE__BATCH_WAIT": "0.05",
            "OST_BRIDGE__ROLE_CACHE_SECONDS": "1",
            "OST_BRIDGE__HEAD_SECONDS": "0",
            **self.env,
        }
        self.process = launch.start(
            [
                "api",
                "--manifest",
                str(self.deployed.manifest),
                *(part for town in self.towns for part in ("--manifest", str(town))),
                "--rpc-url",
                self.rpc_url or self.deployed.node.rpc_url,
                "--database-url",
                self.database_url,
                "--port",
                str(self.port),
            ],
            out=self.log,
            env=env,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                said = self.log.read_text()
                if "already in use" in said.lower():
                    return False
                raise RuntimeError(f"ost api exited: {said[-2000:]}")
            try:
                answer = web.get(f"{self.url}/healthz", timeout=1.0)
            except httpx.TransportError:
                time.sleep(0.1)
                continue
            mine = answer.status_code in (200, 503) and answer.headers.get("content-type", "").startswith("application")
            if mine and "database" in answer.json():  # its own health report, not a neighbour's answer
                return True
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"ost api did not start within {timeout} s")

    def stop(self) -> None:
        """Ctrl-C: the worker stops, uvicorn shuts down."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
                os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def kill(self) -> None:
        """SIGKILL: no goodbye, nothing flushed."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill_session()
            self.process.wait(timeout=10)
        self.process = None

    def session(self) -> Session:
        return sessions(make_engine(self.database_url))()

    def new_key(self, coordinator: str, name: str = "test", town: Path | None = None) -> tuple[str, str]:
        """A fresh API key for ``coordinator`` in the town of ``town`` (a manifest; the first town's when None):
        (the key, its id)."""
        registry = TownManifest.read(town or self.deployed.manifest).address("TownRegistry")
        with self.session() as session:
            key, info = create_key(session, coordinator, name, registry)
        self.issued.append(key)
        return key, info.id


def secret_of(key: str) -> str:
    """The secret part of an API key `ost_<id>_<secret>` (the secret itself may contain underscores)."""
    return key.removeprefix("ost_").partition("_")[2]


def participation(member: str | None = None, **overrides: Any) -> dict[str, Any]:
    body = {
        "participationId": f"t-{uuid.uuid4().hex[:12]}",
        "member": member or next(_IN_TURN),
        "projectId": 1,
        "hours": 3,
    }
    body.update({to_camel(k): v for k, v in overrides.items()})  # the API's keys are camelCase
    return body


def wait_until(predicate: Any, timeout: float = 30.0, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not reached within {timeout} s")


def chain_key(body: dict[str, Any], coordinator: str | None = None) -> bytes:
    """The bytes32 a participation the bridge accepted is minted under: a signed one's as signed (among its signer's
    ids), else kept apart among the relayer's by its coordinator's address (by default the first coordinator)."""
    if body.get("attestation"):
        return hash_id(body["participationId"])
    return relayed_id(coordinator or COORDINATOR.address, body["participationId"])


def rewarded_on_chain(deployed: Deployed) -> list[bytes]:
    """Every participation id the chain rewarded, once per Rewarded event."""
    events = deployed.town.infinity.events.Rewarded().get_logs(from_block=0)
    return [bytes(e["args"]["participationId"]) for e in events]


@pytest.fixture
def fresh_town(tmp_path: Path) -> Iterator[Deployed]:
    """A town of the test's own, for what would disturb the module's shared one."""
    d = deploy_town(tmp_path)
    yield d
    d.node.stop()


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    d = deploy_town(tmp_path_factory.mktemp("bridge"))
    yield d
    d.node.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for the session (each test gets its own database on it)."""
    server = PostgresServer().start()
    yield server
    server.destroy()


@dataclass
class Databases:
    """Where a test's bridge keeps its queue: new SQLite files, or new databases on the PostgreSQL server."""

    kind: str
    folder: Path
    server: PostgresServer | None = None

    def url(self, name: str = "queue") -> str:
        if self.server is not None:
            return self.server.database(name)
        return f"sqlite:///{self.folder / f'{name}-{uuid.uuid4().hex[:6]}.sqlite'}"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def databases(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Databases:
    server = request.getfixturevalue("postgres") if request.param == "postgresql" else None
    return Databases(request.param, tmp_path_factory.mktemp(f"db-{request.param}"), server)


@contextmanager
def serving(deployed: Deployed, database_url: str | None = None) -> Iterator[Bridge]:
    """A bridge for ``deployed`` (by default on a SQLite queue beside it), stopped at the end."""
    b = Bridge(deployed, database_url or f"sqlite:///{deployed.folder / 'queue.sqlite'}").start()
    try:
        yield b
    finally:
        b.stop()


@pytest.fixture(scope="module")
def bridge(deployed: Deployed, databases: Databases) -> Iterator[Bridge]:
    with serving(deployed, databases.url()) as b:
        yield b


@pytest.fixture(scope="module")
def key(bridge: Bridge) -> str:
    return bridge.new_key(COORDINATOR.address)[0]


@pytest.fixture
def http(bridge: Bridge) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=bridge.url, timeout=30) as client:
        yield client


def attested(
    deployed: Deployed, signer: Any, coordinator: str | None = None, *, expires_in: int = 3600, **overrides: Any
) -> dict[str, Any]:
    """A participation signed by ``signer``'s wallet for ``coordinator`` (default the signer), as EIP-712 asks, good
    for ``expires_in`` seconds from now."""
    body = participation(**overrides)
    deadline = int(time.time()) + expires_in
    signature = sign_participation(
        signer,
        deployed.client.chain_id,
        deployed.town.infinity.address,
        member=body["member"],
        minutesWorked=int(body["hours"] * 60),
        participationId=hash_id(body["participationId"]),
        projectId=body["projectId"],
        coordinator=coordinator or signer.address,
        deadline=deadline,
    )
    body["attestation"] = {
        "coordinator": coordinator or signer.address,
        "deadline": deadline,
        "signature": "0x" + signature.hex(),
    }
    return body


def deploy_coin_town(folder: Path, *members: str) -> tuple[Deployed, Any]:
    """A town of two businesses in tZAR (a test stablecoin with ERC-2612 permits) on its own anvil: a tannery (5 of
    10 shares needed, investors 20%) and a laundry (all 10 needed); dev:10 and ``members`` its members; 20 free
    relayed actions a day. The town and its coin."""
    node = LocalChain().start()
    client = ChainClient.connect(node.rpc_url)
    coin, _ = client.deploy("TestStablecoin", sender=DEV[0])
    plan = folder / "plan.yaml"
    plan.write_text(
        f"""
town: Coin Town
country: ZA
time_zone: Africa/Johannesburg
coordinators: [dev:3]
members: [dev:10, {", ".join(members)}]
projects: [{{id: 1, name: River}}]
defaults: {{asset: "{coin.address}", asset_decimals: 6, price: 5, shares: 10, local_days: 1}}
businesses:
  - {{name: Tannery, symbol: TAN, minimum: 5, investor_bps: 2000}}
  - {{name: Laundry, symbol: WASH, minimum: 10}}
gasless: {{free_actions_per_day: 20}}
"""
    )
    loaded, digest = load_plan(plan)
    manifest = deploy_plan(client, loaded, folder / "town.json", {a.address: a for a in DEV}, digest)
    return Deployed(node, client, manifest.path, folder), coin

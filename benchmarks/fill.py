"""How full the bridge keeps the chain's blocks: a backlog built while no block is mined, then 1-s blocks.

Two runs on the embedded chain (anvil, 30 M-gas blocks), each through `ost api` over HTTP as a coordinator's system
and members' wallets reach it: participations (API key → rewardBatch) and members' relayed INF transfers (signed
forward requests → the forwarder's executeBatch). While mining is off the bridge accepts the backlog (and the
worker puts what it may in flight); then a block a second is mined until everything is confirmed.

Printed per run: the most items confirmed in one block, and the median over the blocks the backlog filled (all
but the last), each ÷ the ceiling floor(block gas limit ÷ gas per item), the gas per item measured from the
batches' receipts in the same run. Counts per block, not wall times, so a busy machine moves them little.
Targets: participations ≥ 0.90 of the ceiling, relayed actions ≥ 0.50.

python benchmarks/fill.py [--participations N] [--relayed N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from eth_account import Account
from eth_utils import keccak

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from api.db import make_engine, sessions
from api.keys import create_key
from benchmarks._bridge import serving
from benchmarks._proxy import RpcProxy
from ost_chain.abi import Event
from ost_chain.chain import LocalChain, dev_accounts
from ost_chain.client import ChainClient
from ost_chain.deploy import deploy_plan
from ost_chain.gasless import prepare, sign
from ost_chain.manifest import TownManifest
from ost_chain.plan import TownPlan
from ost_chain.townclient import Reward, Town

DEV = dev_accounts()
ONE_INF = 10**18
PARTICIPATION_TARGET, RELAYED_TARGET = 0.90, 0.50


def _members(count: int, label: str) -> list[Any]:
    return [Account.from_key(keccak(text=f"fill/{label}/{i}")) for i in range(count)]


def _town(client: ChainClient, folder: Path, members: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    plan = TownPlan.model_validate(
        {
            "town": "Fill Town",
            "country": "ZA",
            "ost_office": DEV[0].address,
            "country_ambassador": DEV[1].address,
            "town_ambassador": DEV[2].address,
            "coordinators": [DEV[3].address, DEV[4].address],
            "coordinator_daily_cap_inf": 10**7,
            "members": members,
            "projects": [{"id": 1, "name": "River", "inf_per_shift": 1, "shift_minutes": 180}],
            "gasless": {"requests_per_minute": 600, "free_actions_per_day": 50},
        }
    )
    signers = {a.address: a for a in DEV[:3]}
    return deploy_plan(client, plan, folder / "town.json", signers).path


def _mining(client: ChainClient, on: bool) -> None:
    rpc = client.w3.provider.make_request
    if on:
        rpc("evm_setIntervalMining", [1])  # type: ignore[arg-type]
    else:
        rpc("evm_setAutomine", [False])  # type: ignore[arg-type]
        rpc("evm_setIntervalMining", [0])  # type: ignore[arg-type]


def _per_block(client: ChainClient, address: str, topic: str, first: int) -> list[tuple[int, int]]:
    """For each block from ``first`` that carries events of ``topic`` from ``address``: its events, the gas it used."""
    last = client.w3.eth.block_number
    logs = client.w3.eth.get_logs({"address": address, "topics": [topic], "fromBlock": first, "toBlock": last})
    counts: dict[int, int] = {}
    for entry in logs:
        counts[entry["blockNumber"]] = counts.get(entry["blockNumber"], 0) + 1
    return [(c, int(client.w3.eth.get_block(n)["gasUsed"])) for n, c in sorted(counts.items())]


def _report(name: str, blocks: list[tuple[int, int]], gas_limit: int, target: float) -> None:
    """Each block's items against its own ceiling: floor(block gas limit ÷ the gas per item that block measured)."""
    ratios = [items / (gas_limit // (used / items)) for items, used in blocks]
    filled = ratios[:-1] or ratios  # the last block takes what was left of the backlog
    typical = statistics.median(filled)
    per_item = statistics.median(used / items for items, used in blocks)
    print(f"\n{name}: {sum(i for i, _ in blocks):,} confirmed in {len(blocks)} blocks of {gas_limit:,} gas")
    print(f"  gas per item (the blocks' median)          {per_item:>10,.0f}")
    print(f"  ceiling floor(block gas / gas per item)    {gas_limit // per_item:>10,.0f}")
    print(f"  most in one block                          {max(i for i, _ in blocks):>10,}")
    print(f"  best block ÷ its ceiling                   {max(ratios):>10.2f}")
    print(f"  the filled blocks' median ÷ ceiling        {typical:>10.2f}")
    print(f"  items per block: {[i for i, _ in blocks]}")
    print(f"  target ≥ {target:.2f} of the ceiling: {'met' if typical >= target else 'NOT met'}")


def _wait(http: httpx.Client, what: str, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        queue = http.get("/healthz").json()["queue"]
        if (queue.get(what) or 0) == 0:
            return
        time.sleep(0.5)
    raise RuntimeError(f"the backlog was not confirmed within {timeout:.0f} s")


def participations(count: int, folder: Path) -> None:
    members = [m.address for m in _members(max(1, count // 5), "participations")]
    with LocalChain() as node:
        client = ChainClient.connect(node.rpc_url)
        manifest = _town(client, folder, members)
        database = f"sqlite:///{folder / 'participations.sqlite'}"
        env = {"OST_BRIDGE__BATCH_WAIT": "0.05", "OST_BRIDGE__RATE_BURST": "1000000"}
        with (
            serving(manifest, node.rpc_url, database, 8790, env) as url,
            httpx.Client(base_url=url, timeout=60) as http,
        ):
            with sessions(make_engine(database))() as session:
                registry = TownManifest.read(manifest).address("TownRegistry")
                key, _ = create_key(session, DEV[3].address, "fill", registry)
            _mining(client, on=False)
            first = client.w3.eth.block_number + 1
            bodies = [
                {"participationId": f"fill-{n}", "member": members[n % len(members)], "projectId": 1, "minutes": 90}
                for n in range(count)
            ]
            headers = {"Authorization": f"Bearer {key}"}
            with ThreadPoolExecutor(8) as pool:
                codes = list(
                    pool.map(lambda b: http.post("/v1/participations", json=b, headers=headers).status_code, bodies)
                )
            assert codes.count(202) == count, {c: codes.count(c) for c in set(codes)}
            _mining(client, on=True)
            _wait(http, "depth")
            counts = _per_block(
                client,
                Town.load(client, manifest).infinity.address,
                _topic(Town.load(client, manifest).infinity, "Rewarded"),
                first,
            )
            gas_limit = int(client.w3.eth.get_block("latest")["gasLimit"])
        _report("Participations (rewardBatch)", counts, gas_limit, PARTICIPATION_TARGET)


def relayed(count: int, folder: Path) -> None:
    senders = _members(count, "relayed")
    receiver = Account.from_key(keccak(text="fill/receiver"))
    with LocalChain() as node:
        client = ChainClient.connect(node.rpc_url)
        manifest = _town(client, folder, [receiver.address, *(s.address for s in senders)])
        town = Town.load(client, manifest)
        for start in range(0, count, 200):
            chunk = senders[start : start + 200]
            town.reward_batch(DEV[3], [Reward(s.address, 180, f"earned/{s.address}", 1) for s in chunk])
        name = town.forwarder.functions.eip712Domain().call()[1]
        send = town.infinity.functions.transfer(receiver.address, ONE_INF // 2)
        requests = [
            sign(s, prepare(town, s.address, send), client.chain_id, town.forwarder.address, name).as_json()
            for s in senders
        ]
        database = f"sqlite:///{folder / 'relayed.sqlite'}"
        _mining(client, on=False)
        first = client.w3.eth.block_number + 1
        # The door alone (no worker): half the backlog through one serving process, half through two.
        idle = {"OST_BRIDGE__RUN_WORKER": "false"}
        half = len(requests) // 2
        with RpcProxy(node.rpc_url) as proxy:
            doors = [
                _door(manifest, proxy, database, idle, processes, part)
                for processes, part in ((1, requests[:half]), (2, requests[half:]))
            ]
        print("\nThe relay desk (the door), each request signature-checked, read and simulated before it is queued:")
        for processes, per_second, calls in doors:
            print(f"  {processes} process(es): {per_second:6.1f} accepted/s, {calls:.2f} JSON-RPC calls per request")
        print(f"  two processes ÷ one: {doors[1][1] / doors[0][1]:.2f} (same run, same machine)")
        with serving(manifest, node.rpc_url, database, 8791) as url, httpx.Client(base_url=url, timeout=60) as http:
            time.sleep(2)  # the worker puts what it may in flight
            _mining(client, on=True)
            _wait(http, "relayDepth")
            topic = _topic(town.forwarder, "ExecutedForwardRequest")
            counts = _per_block(client, town.forwarder.address, topic, first)
            gas_limit = int(client.w3.eth.get_block("latest")["gasLimit"])
        _report("Relayed INF transfers (executeBatch)", counts, gas_limit, RELAYED_TARGET)


def _door(
    manifest: Path, proxy: RpcProxy, database: str, env: dict[str, str], processes: int, requests: list[Any]
) -> tuple[int, float, float]:
    """Post ``requests`` to a bridge of ``processes`` serving processes over 16 connections: (processes, accepted a
    second, JSON-RPC calls per request counted by the proxy)."""
    with serving(manifest, proxy.url, database, 8792 + processes, env, processes) as url:
        with httpx.Client(base_url=url, timeout=60, limits=httpx.Limits(max_connections=16)) as http:
            proxy.take()
            started = time.monotonic()
            with ThreadPoolExecutor(16) as pool:
                codes = [a.status_code for a in pool.map(lambda r: http.post("/v1/relay", json=r), requests)]
            elapsed = time.monotonic() - started
            calls = proxy.take()
    assert codes.count(202) == len(requests), {c: codes.count(c) for c in set(codes)}
    return processes, len(requests) / elapsed, calls / len(requests)


def _topic(contract: Any, event: str) -> str:
    """The topic of ``event``, from the contract's compiled ABI."""
    return Event.of(contract.abi, event).topic


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participations", type=int, default=3_000)
    parser.add_argument("--relayed", type=int, default=1_500)
    parser.add_argument("--keep", type=Path, help="Keep the towns, the bridges' logs and databases in this folder.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or scratch
        if args.participations:
            participations(args.participations, Path(folder) / "participations")
        if args.relayed:
            relayed(args.relayed, Path(folder) / "relayed")


if __name__ == "__main__":
    main()

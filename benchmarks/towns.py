"""Ten towns, one bridge, one chain (issue 31): are the blocks filled, and does every town get its turn?

Ten towns of one OST network on the embedded chain (anvil; blocks of 3 M gas once the towns are deployed: a few
batches of relayed actions each), served by one `ost api` given the ten manifests. Each town's members, who hold no
coin, sign INF transfers that the bridge relays through the network's forwarder. While no block is mined, a bridge
without its worker takes every town's backlog at the town's own door (`POST /v1/towns/{slug}/relay`): the first
town's three times as long as each other town's, and posted first. Then the bridge runs with its worker on the same
database and a block a second is mined until everything is confirmed.

Printed, from the forwarder's events per block (counts per block, not wall times: a busy machine moves them little):
per town, its actions confirmed and its actions in each block; overall,
the actions per block against the ceiling (floor(block gas limit ÷ gas per action), the gas per action measured in
the same run); and, in each block mined while every town had actions waiting, the slowest town's share ÷ an equal
share (a town whose last actions the block confirmed is not counted: it had all it asked). Target: no town below 0.80
of an equal share while all have backlogs.

Only members' relayed actions are served for every town so far; participations are the first town's (see
docs/threat-model.md, "One bridge for several towns").

python benchmarks/towns.py [--towns 10] [--actions 30]
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

from benchmarks._bridge import serving
from benchmarks.fill import _mining, _topic
from ost_chain.chain import LocalChain, dev_accounts
from ost_chain.client import ChainClient
from ost_chain.deploy import deploy_plan
from ost_chain.gasless import prepare, sign
from ost_chain.manifest import town_slug
from ost_chain.plan import TownPlan
from ost_chain.townclient import Reward, Town

DEV = dev_accounts()
ONE_INF = 10**18
FAIR = 0.80  # the slowest town's share of a block ÷ an equal share, while every town has actions waiting
BLOCK_GAS = 3_000_000
FIRST_TOWN_TIMES = 3  # the first town's backlog ÷ each other town's


def _town(client: ChainClient, folder: Path, n: int, members: list[str]) -> Path:
    plan = TownPlan.model_validate(
        {
            "town": f"Town {n:02d}",
            "country": "ZA",
            "ost_office": DEV[0].address,
            "country_ambassador": DEV[1].address,
            "town_ambassador": DEV[2].address,
            "coordinators": [DEV[3].address],
            "coordinator_daily_cap_inf": 10**7,
            "members": members,
            "projects": [{"id": 1, "name": "River", "inf_per_shift": 1, "shift_minutes": 180}],
            "gasless": {"requests_per_minute": 600, "free_actions_per_day": 50},
        }
    )
    signers = {a.address: a for a in DEV[:3]}
    return deploy_plan(client, plan, folder / f"town-{n:02d}.json", signers).path  # one folder: one network


def _signed(client: ChainClient, manifest: Path, n: int, count: int) -> tuple[list[dict[str, Any]], set[str]]:
    """``count`` members of town ``n`` who never held coin, each with an INF transfer signed to the town's receiver."""
    town = Town.load(client, manifest)
    senders = [Account.from_key(keccak(text=f"towns/{n}/{i}")) for i in range(count)]
    town.reward_batch(DEV[3], [Reward(s.address, 180, f"towns/{n}/{s.address}", 1) for s in senders])
    receiver = Account.from_key(keccak(text=f"towns/{n}/receiver")).address
    name = town.forwarder.functions.eip712Domain().call()[1]
    send = town.infinity.functions.transfer(receiver, ONE_INF // 2)
    requests = [
        sign(s, prepare(town, s.address, send), client.chain_id, town.forwarder.address, name).as_json()
        for s in senders
    ]
    return requests, {s.address for s in senders}


def run(towns: int, actions: int, folder: Path) -> bool:
    with LocalChain() as node:
        client = ChainClient.connect(node.rpc_url)
        backlogs = [actions * (FIRST_TOWN_TIMES if n == 0 else 1) for n in range(towns)]
        members = [
            [
                *(Account.from_key(keccak(text=f"towns/{n}/{i}")).address for i in range(backlogs[n])),
                Account.from_key(keccak(text=f"towns/{n}/receiver")).address,
            ]
            for n in range(towns)
        ]
        manifests = [_town(client, folder, n, members[n]) for n in range(towns)]
        signed = [_signed(client, manifests[n], n, backlogs[n]) for n in range(towns)]
        town_of = {sender: n for n in range(towns) for sender in signed[n][1]}
        forwarder = Town.load(client, manifests[0]).forwarder
        database = f"sqlite:///{folder / 'towns.sqlite'}"
        # Blocks of a few batches each (the towns were deployed in full-size blocks), then the backlog.
        client.w3.provider.make_request("evm_setBlockGasLimit", [hex(BLOCK_GAS)])  # type: ignore[arg-type]
        client.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        _mining(client, on=False)
        first = client.w3.eth.block_number + 1
        # The doors alone (no worker): every town's backlog waits before the first batch is made.
        idle = {"OST_BRIDGE__RUN_WORKER": "false"}
        with serving(manifests[0], node.rpc_url, database, 8795, idle, towns=manifests[1:]) as url:
            with httpx.Client(base_url=url, timeout=120) as http:
                served = http.get("/v1/towns").json()
                assert [t["town"] for t in served] == [f"Town {n:02d}" for n in range(towns)], served
                doors = [f"/v1/towns/{town_slug(f'Town {n:02d}')}/relay" for n in range(towns)]
                posts = [(doors[n], r) for n in range(towns) for r in signed[n][0]]
                started = time.monotonic()
                with ThreadPoolExecutor(8) as pool:
                    codes = list(pool.map(lambda p: http.post(p[0], json=p[1]).status_code, posts))
                assert codes.count(202) == len(posts), {c: codes.count(c) for c in set(codes)}
                print(
                    f"{len(posts):,} relayed actions of {towns} towns taken at their doors in "
                    f"{time.monotonic() - started:.0f} s"
                )
        with serving(manifests[0], node.rpc_url, database, 8796, towns=manifests[1:]) as url:
            with httpx.Client(base_url=url, timeout=120) as http:
                time.sleep(2)  # the worker puts what it may in flight
                _mining(client, on=True)
                deadline = time.monotonic() + 900
                while (http.get("/healthz").json()["queue"].get("relayDepth") or 0) and time.monotonic() < deadline:
                    time.sleep(0.5)
        return _report(client, forwarder, first, town_of, towns, backlogs)


def _report(
    client: ChainClient, forwarder: Any, first: int, town_of: dict[str, int], towns: int, backlogs: list[int]
) -> bool:
    topic = _topic(forwarder, "ExecutedForwardRequest")
    last = client.w3.eth.block_number
    logs = client.w3.eth.get_logs(
        {"address": forwarder.address, "topics": [topic], "fromBlock": first, "toBlock": last}
    )
    blocks: dict[int, list[int]] = {}
    for entry in logs:
        signer = "0x" + entry["topics"][1].hex()[-40:]
        n = town_of[client.w3.to_checksum_address(signer)]
        blocks.setdefault(entry["blockNumber"], [0] * towns)[n] += 1
    numbers = sorted(blocks)
    gas = {b: int(client.w3.eth.get_block(b)["gasUsed"]) for b in numbers}
    per_action = statistics.median(gas[b] / sum(blocks[b]) for b in numbers)
    ceiling = BLOCK_GAS // per_action
    left = list(backlogs)
    shares: list[float] = []  # each block in which every town had actions waiting: the slowest town's share of it
    for b in numbers:
        after = [x - c for x, c in zip(left, blocks[b], strict=True)]
        if all(x > 0 for x in left):
            # A town that had all it had left confirmed in this block was not held back, whatever its count.
            equal = sum(blocks[b]) / towns
            shares.append(min(blocks[b][n] / equal for n in range(towns) if after[n] > 0))
        left = after
    confirmed = [sum(blocks[b][n] for b in numbers) for n in range(towns)]
    print(f"\n{sum(confirmed):,} actions confirmed in {len(numbers)} blocks of {BLOCK_GAS:,} gas")
    print(f"  gas per action (the blocks' median)           {per_action:>10,.0f}")
    print(f"  ceiling floor(block gas / gas per action)     {ceiling:>10,.0f}")
    filled = [sum(blocks[b]) for b in numbers[:-1]] or [sum(blocks[numbers[-1]])]
    print(f"  the filled blocks' median ÷ ceiling           {statistics.median(filled) / ceiling:>10.2f}")
    print(f"  actions per block: {[sum(blocks[b]) for b in numbers]}")
    print("  per town: confirmed of its backlog, and its actions in each block")
    for n in range(towns):
        print(f"    Town {n:02d}: {confirmed[n]:>4} of {backlogs[n]:>4}   {[blocks[b][n] for b in numbers]}")
    if not shares:
        print("  no block was mined while every town had actions waiting: make the backlogs longer (--actions)")
        return False
    slowest = min(shares)
    print(f"  blocks while every town had actions waiting: {len(shares)}")
    print(f"  the slowest town's share ÷ an equal share: lowest {slowest:.2f}, median {statistics.median(shares):.2f}")
    met = slowest >= FAIR and confirmed == backlogs
    print(f"  target ≥ {FAIR:.2f} of an equal share, every action confirmed: {'met' if met else 'NOT met'}")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--towns", type=int, default=10)
    parser.add_argument("--actions", type=int, default=30, help="each town's backlog (the first town's is 3 times)")
    parser.add_argument("--keep", type=Path, help="Keep the towns, the bridge's log and database in this folder.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        return 0 if run(args.towns, args.actions, folder) else 1


if __name__ == "__main__":
    sys.exit(main())

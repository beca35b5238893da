"""Ten towns, one bridge, one chain (issue 31): are the blocks filled, and does every town get its turn?

Ten towns of one OST network on the embedded chain (anvil; blocks of 3 M gas once the towns are deployed: a few
batches each), served by one `ost api` given the ten manifests. Each town has two backlogs:

- relayed actions: its members, who hold no coin, sign INF transfers that the bridge relays through the network's
  forwarder (`POST /v1/towns/{slug}/relay`), many towns' in one batch;
- participations: its coordinator's, with an API key made for that town (`POST /v1/towns/{slug}/participations`),
  minted by `rewardBatch` on the town's own INFINITY, one town's in a batch.

While no block is mined, a bridge without its worker takes every town's backlogs at the town's own doors: the first
town's three times as long as each other town's, and posted first. Then the bridge runs with its worker on the same
database and a block a second is mined until everything is confirmed.

Printed, from the contracts' events per block (counts per block and per batch, not wall times: a busy machine moves
them little): per town, what it had confirmed of each backlog and its items in each block; overall, the blocks' gas
filled, the relayed actions per block against their ceiling (floor(block gas limit ÷ gas per action), measured in
the same run), and fairness:

- relayed actions: over the blocks mined while every town had actions waiting, the slowest town's share of the
  actions they confirmed ÷ an equal share (a town whose last actions they confirmed is not counted: it had all it
  asked); printed too, the same in each block alone (a batch of fewer than two a town rounds each town's to 1 or 2);
- participations: over the batches mined while every town had participations waiting, the town with fewest batches
  ÷ an equal share of them (a batch is one town's: the towns take batches in turn).

Target: no town below 0.80 of an equal share while all have backlogs, of either kind; everything confirmed.

python benchmarks/towns.py [--towns 10] [--actions 30] [--participations 30]
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
from benchmarks.fill import _mining, _topic
from ost_chain.chain import LocalChain, dev_accounts
from ost_chain.client import ChainClient
from ost_chain.deploy import deploy_plan
from ost_chain.gasless import prepare, sign
from ost_chain.manifest import TownManifest, town_slug
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


def _shifts(n: int, count: int, members: list[str]) -> list[dict[str, Any]]:
    """``count`` participations of town ``n``'s coordinator: a shift each for its members in turn (1 INF)."""
    return [
        {"participationId": f"towns-{n}-{i}", "member": members[i % len(members)], "projectId": 1, "hours": 3}
        for i in range(count)
    ]


def run(towns: int, actions: int, participations: int, folder: Path) -> bool:
    with LocalChain() as node:
        client = ChainClient.connect(node.rpc_url)
        backlogs = [actions * (FIRST_TOWN_TIMES if n == 0 else 1) for n in range(towns)]
        shifts = [participations * (FIRST_TOWN_TIMES if n == 0 else 1) for n in range(towns)]
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
        keys = []  # the coordinator's key in each town: it acts in that town only
        with sessions(make_engine(database))() as session:
            for manifest in manifests:
                registry = TownManifest.read(manifest).address("TownRegistry")
                keys.append(create_key(session, DEV[3].address, "towns", registry)[0])
        work = [_shifts(n, shifts[n], members[n]) for n in range(towns)]
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
                doors = [f"/v1/towns/{town_slug(f'Town {n:02d}')}" for n in range(towns)]
                posts = [(f"{doors[n]}/relay", r, {}) for n in range(towns) for r in signed[n][0]]
                posts += [
                    (f"{doors[n]}/participations", p, {"Authorization": f"Bearer {keys[n]}"})
                    for n in range(towns)
                    for p in work[n]
                ]
                started = time.monotonic()
                with ThreadPoolExecutor(8) as pool:
                    codes = list(pool.map(lambda p: http.post(p[0], json=p[1], headers=p[2]).status_code, posts))
                assert codes.count(202) == len(posts), {c: codes.count(c) for c in set(codes)}
                print(
                    f"{sum(backlogs):,} relayed actions and {sum(shifts):,} participations of {towns} towns taken at "
                    f"their doors in {time.monotonic() - started:.0f} s"
                )
        with serving(manifests[0], node.rpc_url, database, 8796, towns=manifests[1:]) as url:
            with httpx.Client(base_url=url, timeout=120) as http:
                time.sleep(2)  # the worker puts what it may in flight
                _mining(client, on=True)
                deadline = time.monotonic() + 900
                while time.monotonic() < deadline:
                    queue = http.get("/healthz").json()["queue"]
                    if not (queue.get("relayDepth") or queue.get("depth")):
                        break
                    time.sleep(0.5)
        tokens = {Town.load(client, m).infinity.address: n for n, m in enumerate(manifests)}
        rewarded = _topic(Town.load(client, manifests[0]).infinity, "Rewarded")
        relayed = _report(client, forwarder, first, town_of, towns, backlogs)
        minted = _minted(client, rewarded, first, tokens, towns, shifts)
        return relayed and minted


def _report(
    client: ChainClient, forwarder: Any, first: int, town_of: dict[str, int], towns: int, backlogs: list[int]
) -> bool:
    topic = _topic(forwarder, "ExecutedForwardRequest")
    last = client.w3.eth.block_number
    logs = client.w3.eth.get_logs(
        {"address": forwarder.address, "topics": [topic], "fromBlock": first, "toBlock": last}
    )
    blocks: dict[int, list[int]] = {}
    batches: dict[Any, int] = {}  # each batch of relayed actions → its actions
    for entry in logs:
        signer = "0x" + entry["topics"][1].hex()[-40:]
        n = town_of[client.w3.to_checksum_address(signer)]
        blocks.setdefault(entry["blockNumber"], [0] * towns)[n] += 1
        batches[entry["transactionHash"]] = batches.get(entry["transactionHash"], 0) + 1
    numbers = sorted(blocks)
    # Gas per action from the relay batches' own receipts: the blocks carry the towns' reward batches too.
    per_action = statistics.median(
        int(client.w3.eth.get_transaction_receipt(tx)["gasUsed"]) / count for tx, count in batches.items()
    )
    ceiling = BLOCK_GAS // per_action
    mined = range(first, client.w3.eth.block_number + 1)
    used = [int(client.w3.eth.get_block(b)["gasUsed"]) / BLOCK_GAS for b in mined]
    busy = [u for u in used if u > 0][:-1] or used
    left = list(backlogs)
    shares: list[float] = []  # each block in which every town had actions waiting: the slowest town's share of it
    span = [0] * towns  # each town's actions in those blocks
    for b in numbers:
        after = [x - c for x, c in zip(left, blocks[b], strict=True)]
        if all(x > 0 for x in left):
            # A town that had all it had left confirmed in this block was not held back, whatever its count.
            equal = sum(blocks[b]) / towns
            shares.append(min(blocks[b][n] / equal for n in range(towns) if after[n] > 0))
            span = [x + c for x, c in zip(span, blocks[b], strict=True)]
        left = after
    confirmed = [sum(blocks[b][n] for b in numbers) for n in range(towns)]
    print(f"\n{sum(confirmed):,} actions confirmed in {len(numbers)} blocks of {BLOCK_GAS:,} gas")
    print(f"  gas per action (the relay batches' median)    {per_action:>10,.0f}")
    print(f"  ceiling floor(block gas / gas per action)     {ceiling:>10,.0f}")
    filled = [sum(blocks[b]) for b in numbers[:-1]] or [sum(blocks[numbers[-1]])]
    # The blocks carry the towns' reward batches too: the relayed actions fill a part of each, the gas the rest.
    print(f"  relayed actions per block, median ÷ ceiling   {statistics.median(filled) / ceiling:>10.2f}")
    print(f"  every block's gas used ÷ its limit, median    {statistics.median(busy):>10.2f} (the last left out)")
    print(f"  actions per block: {[sum(blocks[b]) for b in numbers]}")
    print("  per town: confirmed of its backlog, and its actions in each block")
    for n in range(towns):
        print(f"    Town {n:02d}: {confirmed[n]:>4} of {backlogs[n]:>4}   {[blocks[b][n] for b in numbers]}")
    if not shares:
        print("  no block was mined while every town had actions waiting: make the backlogs longer (--actions)")
        return False
    print(f"  blocks while every town had actions waiting: {len(shares)}")
    print(
        f"  in one block, the slowest town's share ÷ an equal share: lowest {min(shares):.2f}, median "
        f"{statistics.median(shares):.2f} (a block of fewer than two a town rounds each town's to 1 or 2)"
    )
    # Over those blocks together, a town that finished in them left out (it had all it asked for).
    finished = [n for n in range(towns) if span[n] >= backlogs[n]]
    equal = sum(span) / towns
    slowest = min(span[n] / equal for n in range(towns) if n not in finished)
    print(f"  over those blocks, the slowest town's share ÷ an equal share: {slowest:.2f} ({span})")
    met = slowest >= FAIR and confirmed == backlogs
    print(f"  target ≥ {FAIR:.2f} of an equal share, every action confirmed: {'met' if met else 'NOT met'}")
    return met


def _minted(client: ChainClient, topic: str, first: int, tokens: dict[str, int], towns: int, shifts: list[int]) -> bool:
    """The participations' half: each town's rewards per block and its batches, and the batches' fairness."""
    last = client.w3.eth.block_number
    logs = client.w3.eth.get_logs({"address": list(tokens), "topics": [topic], "fromBlock": first, "toBlock": last})
    per_block: dict[int, list[int]] = {}
    by_batch: dict[tuple[int, int], list[int]] = {}  # (block, index in it) → [its town, its rewards], chain's order
    for entry in logs:
        n = tokens[client.w3.to_checksum_address(entry["address"])]
        per_block.setdefault(entry["blockNumber"], [0] * towns)[n] += 1
        by_batch.setdefault((entry["blockNumber"], entry["transactionIndex"]), [n, 0])[1] += 1
    batches = sorted(by_batch.items())
    confirmed = [sum(count for _, (t, count) in batches if t == n) for n in range(towns)]
    numbers = sorted(per_block)
    print(f"\n{sum(confirmed):,} participations minted in {len(batches)} batches over {len(numbers)} blocks")
    print("  per town: minted of its backlog, its batches, and its rewards in each block")
    for n in range(towns):
        mine = sum(1 for _, (t, _) in batches if t == n)
        print(
            f"    Town {n:02d}: {confirmed[n]:>4} of {shifts[n]:>4} in {mine:>2} batches   "
            f"{[per_block[b][n] for b in numbers]}"
        )
    # The batches mined while every town still had participations waiting (counted from each batch's rewards).
    left, counted, span = list(shifts), [0] * towns, 0
    for _, (n, count) in batches:
        if not all(x > 0 for x in left):
            break
        counted[n] += 1
        span += 1
        left[n] -= count
    if span < towns:
        print("  fewer batches than towns were mined while every town had participations waiting: longer backlogs")
        return confirmed == shifts
    equal = span / towns
    slowest = min(counted) / equal
    print(f"  batches while every town had participations waiting: {span} ({counted})")
    print(f"  the town with fewest batches ÷ an equal share of them: {slowest:.2f}")
    met = slowest >= FAIR and confirmed == shifts
    print(f"  target ≥ {FAIR:.2f} of an equal share, every participation minted: {'met' if met else 'NOT met'}")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--towns", type=int, default=10)
    parser.add_argument("--actions", type=int, default=30, help="each town's relayed actions (the first's: 3 times)")
    parser.add_argument("--participations", type=int, default=30, help="each town's participations (the first's: 3x)")
    parser.add_argument("--keep", type=Path, help="Keep the towns, the bridge's log and database in this folder.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        return 0 if run(args.towns, args.actions, args.participations, folder) else 1


if __name__ == "__main__":
    sys.exit(main())

"""End-to-end bridge throughput: participations confirmed per second, from the HTTP request to the
receipt, batched (rewardBatch) against one transaction per participation, in the same run on the
embedded chain. Targets: batched at least 500/s and at least 20 times the unbatched rate.

python benchmarks/bridge.py [--batched N] [--unbatched N] [--concurrency C]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from eth_utils import keccak, to_checksum_address

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from web3.types import RPCEndpoint

from api.db import make_engine, sessions
from api.keys import create_key
from benchmarks._bridge import free_port
from benchmarks._http import Connection
from ost_chain.chain import LocalChain, dev_accounts
from ost_chain.client import ChainClient
from ost_chain.deploy import Deployment
from ost_chain.manifest import Manifest, TownManifest
from ost_chain.plan import TownPlan

OST = str(Path(sys.executable).with_name("ost"))
MEMBERS = [to_checksum_address(keccak(text=f"bench member {i}")[12:]) for i in range(400)]
TARGET_RATE, TARGET_RATIO = 500, 20


async def submit_all(url: str, key: str, count: int, tag: str, concurrency: int) -> None:
    """Submit ``count`` participations over ``concurrency`` keep-alive connections (a bare HTTP/1.1 client)."""
    numbers = iter(range(count))

    async def lane() -> None:
        connection = await Connection.open(url)
        try:
            for n in numbers:
                body = json.dumps(
                    {
                        "participationId": f"{tag}-{n}",
                        "member": MEMBERS[n % len(MEMBERS)],
                        "projectId": 1,
                        "hours": 0.5,
                    }
                ).encode()
                status, answer = await connection.post(
                    "/v1/participations", body, "application/json", f"Authorization: Bearer {key}\r\n"
                )
                if status != 202:
                    raise RuntimeError(f"{status}: {answer.decode()}")
        finally:
            connection.close()

    await asyncio.gather(*(lane() for _ in range(concurrency)))


def confirmed(database: Path, tag: str) -> int:
    with sqlite3.connect(database) as db:
        row = db.execute(
            "SELECT count(*) FROM participations WHERE status = 'confirmed' AND participation_id LIKE ?", (f"{tag}-%",)
        ).fetchone()
    return int(row[0])


def run(node: LocalChain, manifest: Path, folder: Path, *, count: int, batch: int, concurrency: int) -> float:
    """Start a bridge with batches of at most ``batch``; submit ``count``; seconds until all are confirmed."""
    database = folder / f"bench-{batch}.sqlite"
    with sessions(make_engine(f"sqlite:///{database}"))() as session:
        registry = TownManifest.read(manifest).address("TownRegistry")
        key, _ = create_key(session, dev_accounts()[3].address, "bench", registry)
    port = free_port()
    log = folder / f"bench-{batch}.log"
    env = {
        **os.environ,
        "OST_BRIDGE__BATCH_SIZE": str(batch),
        "OST_BRIDGE__BATCH_WAIT": "0.05",
        "OST_BRIDGE__RATE_BURST": "1000000",
        "OST_BRIDGE__RATE_LIMIT": "1000000",
    }
    process = subprocess.Popen(
        [
            OST,
            "api",
            "--manifest",
            str(manifest),
            "--rpc-url",
            node.rpc_url,
            "--port",
            str(port),
            "--database-url",
            f"sqlite:///{database}",
        ],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError("ost api did not start") from None
                time.sleep(0.1)
        tag = f"b{batch}"
        started = time.perf_counter()
        asyncio.run(submit_all(url, key, count, tag, concurrency))
        accepted = time.perf_counter() - started
        deadline = time.monotonic() + 600
        while confirmed(database, tag) < count:
            if time.monotonic() > deadline:
                raise RuntimeError("participations were not confirmed within 10 minutes")
            time.sleep(0.01)
        seconds = time.perf_counter() - started
        print(
            f"  batch ≤ {batch:>3}: {count:>5} participations, all accepted in {accepted:6.2f} s, all confirmed in "
            f"{seconds:6.2f} s: {count / seconds:8.1f} confirmed/s"
        )
        return count / seconds
    except Exception:
        print("\n".join(line[:300] for line in log.read_text().splitlines()[-15:]))
        raise
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batched", type=int, default=5_000, help="participations sent in batches")
    parser.add_argument("--unbatched", type=int, default=500, help="participations sent one per transaction")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    parser.add_argument("--batch", type=int, default=300, help="most participations per rewardBatch")
    args = parser.parse_args()
    plan = TownPlan.model_validate(
        {
            "town": "Bench Town",
            "country": "ZA",
            "coordinators": ["dev:3"],
            "coordinator_daily_cap_inf": 10**9,
            "members": MEMBERS,
            "projects": [{"id": 1, "name": "River"}],
            "businesses": [{"name": "B", "symbol": "BB"}],
        }
    )
    results = {}
    for label, block_time in (("instant mining", 0), ("a block every second", 1)):
        with LocalChain() as node, tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            client = ChainClient.connect(node.rpc_url)
            manifest = Manifest.open(folder / "town.json", chain_id=client.chain_id, town=plan.town, plan_hash="bench")
            Deployment(client, plan, manifest, {a.address: a for a in dev_accounts()}).run()
            if block_time:
                client.w3.provider.make_request(RPCEndpoint("evm_setAutomine"), [False])
                client.w3.provider.make_request(RPCEndpoint("evm_setIntervalMining"), [block_time])
            # With a block a second, one transaction per participation manages about one a second: fewer of them.
            unbatched, batched = (args.unbatched, args.batched) if not block_time else (20, args.batched // 2)
            print(f"Bridge on the embedded chain with {label} ({os.cpu_count()} cores), HTTP accepted → receipt:")
            one = run(node, manifest.path, folder, count=unbatched, batch=1, concurrency=args.concurrency)
            many = run(node, manifest.path, folder, count=batched, batch=args.batch, concurrency=args.concurrency)
            results[label] = (one, many)
            print(f"  batched ÷ one transaction each: {many / one:.1f}×")
    one, many = results["instant mining"]
    ok = many >= TARGET_RATE and many / one >= TARGET_RATIO
    print(
        f"instant mining: batched {many:,.0f}/s (target ≥ {TARGET_RATE}/s), {many / one:.1f}× one transaction "
        f"per participation (target ≥ {TARGET_RATIO}×): {'met' if ok else 'NOT met'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

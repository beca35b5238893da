"""Deploying the sample network on the embedded chain: the sample town (examples/town.yaml, 100 businesses),
which deploys the OST network with it, then a second, smaller town of the same country in that network
(examples/klaarstroom.yaml): total gas, gas per business, wall time. Target: the sample town in at most 60 s.

python benchmarks/deploy.py                  # the sample as it is (60 members)
python benchmarks/deploy.py --members 10000  # the same town with 10,000 members
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eth_utils import keccak, to_checksum_address

from ost_chain.chain import LocalChain, dev_accounts
from ost_chain.client import ChainClient
from ost_chain.deploy import Deployment
from ost_chain.manifest import Manifest
from ost_chain.plan import load_plan

SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "town.yaml"
SECOND = SAMPLE.with_name("klaarstroom.yaml")
TARGET_SECONDS = 60


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=None, help="sign up this many members instead of the sample's")
    args = parser.parse_args()
    plan, digest = load_plan(SAMPLE)
    if args.members is not None:
        members = [to_checksum_address(keccak(text=f"benchmark member {n}")[12:]) for n in range(args.members)]
        plan = plan.model_copy(update={"members": members})
    second, second_digest = load_plan(SECOND)
    signers = {a.address: a for a in dev_accounts()}
    with LocalChain() as node, tempfile.TemporaryDirectory() as folder:
        client = ChainClient.connect(node.rpc_url)
        manifest = Manifest.open(Path(folder) / "town.json", chain_id=client.chain_id, town=plan.town, plan_hash=digest)
        started = time.perf_counter()
        deployment = Deployment(client, plan, manifest, signers)
        deployment.run()
        seconds = time.perf_counter() - started
        total = _gas(client, 0)
        listings = sum(
            client.w3.eth.get_transaction_receipt(entry["tx"])["gasUsed"] for entry in manifest.businesses().values()
        )
        # The second town of the network: created in it, beside the first.
        block = client.w3.eth.block_number
        other = Manifest.open(
            Path(folder) / "klaarstroom.json", chain_id=client.chain_id, town=second.town, plan_hash=second_digest
        )
        started = time.perf_counter()
        beside = Deployment(client, second, other, signers)
        beside.run()
        second_seconds = time.perf_counter() - started
        second_total = _gas(client, block)
    businesses = len(plan.businesses)
    print(f"{plan.town}, with the OST network")
    print(f"  businesses                 {businesses:>12,}")
    print(f"  members                    {len(plan.members):>12,}")
    print(f"  transactions               {deployment.sent:>12,}")
    print(f"  total gas                  {total:>12,}")
    print(f"  gas per business (listing) {listings // businesses:>12,}")
    print(f"  total gas per business     {total // businesses:>12,}")
    ratio = seconds / TARGET_SECONDS
    print(f"  wall time                  {seconds:>11.1f}s  (target ≤ {TARGET_SECONDS} s: ratio {ratio:.2f})")
    print(f"{second.town}, a second town of {second.country} in the network")
    print(f"  businesses                 {len(second.businesses):>12,}")
    print(f"  transactions               {beside.sent:>12,}")
    print(f"  total gas                  {second_total:>12,}")
    print(f"  wall time                  {second_seconds:>11.1f}s")
    return 0 if seconds <= TARGET_SECONDS else 1


def _gas(client: ChainClient, after: int) -> int:
    """All gas the transactions mined after block ``after`` used."""
    w3 = client.w3
    blocks = range(after + 1, w3.eth.block_number + 1)
    return sum(
        w3.eth.get_transaction_receipt(tx)["gasUsed"] for n in blocks for tx in w3.eth.get_block(n)["transactions"]
    )


if __name__ == "__main__":
    sys.exit(main())

"""Deploying the sample town (examples/town.yaml, 100 businesses) on the embedded chain:
total gas, gas per business, wall time. Target: at most 60 s.

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

from eth_utils import keccak, to_checksum_address  # noqa: E402

from ost_chain.chain import LocalChain, dev_accounts  # noqa: E402
from ost_chain.client import ChainClient  # noqa: E402
from ost_chain.deploy import Deployment  # noqa: E402
from ost_chain.manifest import Manifest  # noqa: E402
from ost_chain.plan import load_plan  # noqa: E402

SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "town.yaml"
TARGET_SECONDS = 60


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=None, help="sign up this many members instead of the sample's")
    args = parser.parse_args()
    plan, digest = load_plan(SAMPLE)
    if args.members is not None:
        members = [to_checksum_address(keccak(text=f"benchmark member {n}")[12:]) for n in range(args.members)]
        plan = plan.model_copy(update={"members": members})
    with LocalChain() as node, tempfile.TemporaryDirectory() as folder:
        client = ChainClient.connect(node.rpc_url)
        manifest = Manifest.open(Path(folder) / "town.json", chain_id=client.chain_id, town=plan.town, plan_hash=digest)
        started = time.perf_counter()
        deployment = Deployment(client, plan, manifest, {a.address: a for a in dev_accounts()})
        deployment.run()
        seconds = time.perf_counter() - started
        w3 = client.w3
        blocks = range(1, w3.eth.block_number + 1)
        total = sum(
            w3.eth.get_transaction_receipt(tx)["gasUsed"] for n in blocks for tx in w3.eth.get_block(n)["transactions"]
        )
        listings = sum(
            w3.eth.get_transaction_receipt(entry["tx"])["gasUsed"] for entry in manifest.data["businesses"].values()
        )
    businesses = len(plan.businesses)
    print(f"businesses                 {businesses:>12,}")
    print(f"members                    {len(plan.members):>12,}")
    print(f"transactions               {deployment.sent:>12,}")
    print(f"total gas                  {total:>12,}")
    print(f"gas per business (listing) {listings // businesses:>12,}")
    print(f"total gas per business     {total // businesses:>12,}")
    ratio = seconds / TARGET_SECONDS
    print(f"wall time                  {seconds:>11.1f}s  (target ≤ {TARGET_SECONDS} s: ratio {ratio:.2f})")
    return 0 if seconds <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())

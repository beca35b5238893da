"""Gas of every hot operation beside its floor, recorded in benchmarks/gas-snapshot.json.

python benchmarks/gas.py          # measure, print, record the snapshot
python benchmarks/gas.py --check  # measure, print, fail if anything differs from the snapshot
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eth_utils import keccak, to_checksum_address  # noqa: E402

from benchmarks._gas import Floor, Report  # noqa: E402
from ost_chain.chain import LocalChain, dev_accounts  # noqa: E402
from ost_chain.client import ChainClient  # noqa: E402
from ost_chain.town import ONE_INF, deploy_core  # noqa: E402
from tests.helpers import sign_participation  # noqa: E402

TRANSFER_LOG = (3, 32)  # Transfer(from, to, value)
REWARDED_LOG = (4, 96)  # Rewarded(member, participationId, projectId; amount, coordinator, minutes)


def addresses(label: str, count: int) -> list[str]:
    """Deterministic addresses, so calldata costs the same on every run."""
    return [to_checksum_address(keccak(f"{label}/{i}".encode())[12:]) for i in range(count)]


def _tx_input(client: ChainClient, receipt: dict) -> bytes:
    return bytes(client.w3.eth.get_transaction(receipt["transactionHash"])["input"])


def infinity(client: ChainClient, report: Report) -> None:
    accounts = dev_accounts()
    office, country, ambassador, coordinator, relayer = accounts[:5]
    town = deploy_core(
        client,
        name="Bench",
        country="ZA",
        ost_office=office,
        country_ambassador=country.address,
        town_ambassador=ambassador.address,
    )
    reg, inf = town.registry.functions, town.infinity.functions
    members = addresses("member", 230)
    client.transact(reg.grantRole(town.role("COORDINATOR_ROLE"), coordinator.address), ambassador)
    for start in range(0, len(members), 115):
        client.transact(reg.addMembers(members[start : start + 115]), ambassador)
    client.transact(inf.setProject(1, ONE_INF, 180, True), ambassador)
    client.transact(inf.setCoordinatorDailyCap(coordinator.address, 10**6 * ONE_INF), ambassador)
    fresh = iter(members)
    ids = (n.to_bytes(32, "big") for n in range(1, 10**6))

    # Warm-up: supply and the coordinator's day become non-zero, as in a running town.
    client.transact(inf.reward(next(fresh), 180, next(ids), 1), coordinator)

    receipt = client.transact(inf.reward(next(fresh), 180, next(ids), 1), coordinator)
    floor = Floor(_tx_input(client, receipt), new_slots=3, updated_slots=2, logs=[TRANSFER_LOG, REWARDED_LOG])
    report.row("InfinityToken.reward (fresh member)", receipt["gasUsed"], floor.gas, 1.3)

    for size in (1, 10, 100):
        batch = [(next(fresh), 180, next(ids), 1) for _ in range(size)]
        receipt = client.transact(inf.rewardBatch(batch), coordinator)
        floor = Floor(
            _tx_input(client, receipt), new_slots=3 * size, updated_slots=2, logs=[TRANSFER_LOG, REWARDED_LOG] * size
        )
        target = 1.2 if size == 100 else 1.3
        report.row(f"InfinityToken.rewardBatch per recipient (batch of {size})", receipt["gasUsed"] // size,
                   floor.gas // size, target)  # fmt: skip

    deadline = 2**40
    p = {
        "member": next(fresh),
        "minutesWorked": 180,
        "participationId": next(ids),
        "projectId": 1,
        "coordinator": coordinator.address,
        "deadline": deadline,
    }
    signature = sign_participation(client, town.infinity, coordinator, **p)
    receipt = client.transact(inf.rewardWithAttestation(p, signature), relayer)
    floor = Floor(_tx_input(client, receipt), new_slots=3, updated_slots=2, logs=[TRANSFER_LOG, REWARDED_LOG])
    # ecrecover (3,000 gas) is as unavoidable as the storage: a signature must be checked.
    report.row("InfinityToken.rewardWithAttestation (fresh member)", receipt["gasUsed"], floor.gas + 3_000, 1.3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail if any figure differs from the snapshot")
    args = parser.parse_args()
    report = Report()
    with LocalChain() as node:
        client = ChainClient.connect(node.rpc_url)
        infinity(client, report)
    return report.finish(check=args.check)


if __name__ == "__main__":
    sys.exit(main())

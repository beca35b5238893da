"""Gas floors and the committed gas snapshot.

A floor is the least any implementation could pay for what an operation must store and emit:
the 21,000 base, its calldata (4 gas a zero byte, 16 a non-zero one), each storage slot it
writes (EIP-2929 cold access plus the EIP-2200 write: 22,100 zero to non-zero, 5,000 non-zero
to non-zero) and each log (375 + 375 a topic + 8 a data byte). Reads, calls and computation are
not in the floor: the ratio measured/floor shows how much they and any waste cost.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_utils import keccak, to_checksum_address

from ost_chain.chain import dev_accounts
from ost_chain.client import ChainClient
from ost_chain.deploy import deploy_plan
from ost_chain.plan import TownPlan
from ost_chain.townclient import Town

BASE = 21_000
SSTORE_NEW = 22_100  # 2,100 cold access + 20,000 zero to non-zero
SSTORE_UPDATE = 5_000  # 2,100 cold access + 2,900 non-zero to non-zero
SNAPSHOT = Path(__file__).with_name("gas-snapshot.json")
TRANSFER_LOG = (3, 32)  # Transfer(from, to, value)
PURCHASE_LOG = (3, 64)  # SharesPurchased(buyer, phase; shares, cost)
COLD_ACCOUNT = 2_600  # EIP-2929: first touch of another contract in a transaction
# Whether a buyer may buy lives in the town's registry, another contract: any implementation must touch
# it and read the buyer's tier slot there.
MEMBERSHIP_READ = COLD_ACCOUNT + 2_100


def addresses(label: str, count: int) -> list[str]:
    """Deterministic addresses, so calldata costs the same on every run."""
    return [to_checksum_address(keccak(f"{label}/{i}".encode())[12:]) for i in range(count)]


def tx_input(client: ChainClient, receipt: Any) -> bytes:
    """The calldata of the transaction ``receipt`` is for (a floor counts it)."""
    return bytes(client.w3.eth.get_transaction(receipt["transactionHash"])["input"])


def calldata_gas(data: bytes) -> int:
    return sum(4 if b == 0 else 16 for b in data)


def log_gas(topics: int, data_bytes: int) -> int:
    return 375 + 375 * topics + 8 * data_bytes


@dataclass
class Floor:
    """The unavoidable cost of one transaction, built term by term so a reader can check it."""

    calldata: bytes = b""
    new_slots: int = 0
    updated_slots: int = 0
    logs: list[tuple[int, int]] = field(default_factory=list)  # (topics, data bytes)
    base: bool = True
    value_transfer: int = 0  # e.g. 9,000 for a call that sends native coin to an account

    @property
    def gas(self) -> int:
        return (
            (BASE if self.base else 0)
            + calldata_gas(self.calldata)
            + SSTORE_NEW * self.new_slots
            + SSTORE_UPDATE * self.updated_slots
            + sum(log_gas(t, d) for t, d in self.logs)
            + self.value_transfer
        )


class Report:
    """Prints one row per operation and compares it with the committed snapshot."""

    def __init__(self) -> None:
        self.previous: dict[str, int] = json.loads(SNAPSHOT.read_text()) if SNAPSHOT.is_file() else {}
        self.current: dict[str, int] = {}
        self.failures: list[str] = []
        self.open: list[str] = []
        print(f"{'operation':<58} {'gas':>10} {'floor':>10} {'ratio':>6} {'target':>7} {'vs snapshot':>12}")

    def row(
        self,
        operation: str,
        gas: int,
        floor: int | None = None,
        target: float | None = None,
        *,
        goal: float | None = None,
    ) -> None:
        """One operation's gas beside its floor: above ``target`` fails the run; above ``goal`` (an issue's aim not
        reached yet, marked ``*``) is listed as open at the end and fails nothing."""
        self.current[operation] = gas
        ratio = gas / floor if floor else None
        before = self.previous.get(operation)
        delta = "new" if before is None else f"{gas - before:+d}"
        shown = f"≤{target}" if target else f"≤{goal}*" if goal else "-"
        print(
            f"{operation:<58} {gas:>10,} {floor or 0:>10,} "
            f"{(f'{ratio:.3f}' if ratio else '-'):>6} {shown:>7} {delta:>12}"
        )
        if target is not None and ratio is not None and ratio > target:
            self.failures.append(f"{operation}: ratio {ratio:.3f} above the target {target}")
        if goal is not None and ratio is not None and ratio > goal:
            self.open.append(f"{operation}: ratio {ratio:.3f}, goal {goal}")

    def ratio(self, operation: str, value: float, target: float | None, *, at_most: bool = True) -> None:
        """A ratio beside its target (None: shown, held to nothing)."""
        shown = "-" if target is None else ("≤" if at_most else "≥") + str(target)
        print(f"{operation:<58} {'':>10} {'':>10} {value:>6.3f} {shown:>7}")
        if target is None:
            return
        ok = value <= target if at_most else value >= target
        if not ok:
            self.failures.append(f"{operation}: {value:.3f} misses the target {target}")

    def finish(self, *, check: bool) -> int:
        changed = {k: (self.previous.get(k), v) for k, v in self.current.items() if self.previous.get(k) != v}
        if check:
            if changed:
                for key, (before, after) in changed.items():
                    self.failures.append(f"{key}: snapshot {before}, measured {after} (run `make bench` to record)")
        else:
            SNAPSHOT.write_text(json.dumps(dict(sorted(self.current.items())), indent=2) + "\n")
            print(f"\nRecorded {len(self.current)} operations in {SNAPSHOT.name}.")
        for aim in self.open:
            print(f"OPEN {aim} (not reached yet)")
        for failure in self.failures:
            print(f"FAIL {failure}")
        return 1 if self.failures else 0


def bench_town(client: ChainClient, name: str = "Bench", **plan: object) -> Town:
    """A town built by the deployment engine from ``plan`` (the OST office and ambassadors dev accounts 0-2), as
    `ost deploy` builds one."""
    with tempfile.TemporaryDirectory() as folder:
        manifest = deploy_plan(
            client,
            TownPlan.model_validate({"town": name, "country": "ZA", **plan}),
            Path(folder) / "town.json",
            {a.address: a for a in dev_accounts()[:3]},
        )
        return Town(client, manifest.record())

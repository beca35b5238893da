"""The everyday cases beside their baselines (issue 30): a member rewarded again on a later day, a buyer buying
again, an INF transfer relayed in a batch — what a running town pays most often.

The reward's baseline is a contract (``contracts/test/BaselineRewards.sol``): OpenZeppelin 5's ERC-20 minting with a
once-only id, fed the very calldata ``rewardBatch`` takes, measured in the same run. The purchase and the relayed
transfer are held to floors built term by term (:class:`benchmarks._gas.Floor`). With ``--trace``, each OST row is
followed by where its gas went, slot by slot (:mod:`benchmarks._trace`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from eth_account import Account
from eth_utils import keccak
from web3.contract import Contract

from benchmarks._gas import (
    MEMBERSHIP_READ,
    PURCHASE_LOG,
    TRANSFER_LOG,
    Floor,
    Report,
    addresses,
    bench_town,
    tx_input,
)
from benchmarks._trace import trace
from ost_chain.chain import dev_accounts
from ost_chain.client import ChainClient
from ost_chain.gasless import batch_gas, prepare, sign

BATCH = 100  # rewards in one transaction, as the bridge sends them on a busy day
RELAYED = 10  # relayed actions in one executeBatch
DAY = 86_400
DEADLINE = 2**40
EXECUTED_LOG = (2, 64)  # ExecutedForwardRequest(signer; nonce, success)
ECRECOVER = 3_000
# `TownRegistry.addMembers` per member (batch of 100) before INF kept membership beside each balance: measured by
# this module's loop on cbe2f64.
SIGNUP_BEFORE = 25_303


def _next_day(client: ChainClient) -> None:
    client.w3.provider.make_request("evm_increaseTime", [DAY])  # type: ignore[arg-type]
    client.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


class Steady:
    def __init__(self, client: ChainClient, report: Report, *, traced: bool) -> None:
        self.client, self.report, self.traced = client, report, traced
        self.names: dict[str, str] = {}

    def _show(self, receipt: Any, *, per: int = 1) -> None:
        if self.traced:
            for line in trace(self.client.w3, receipt["transactionHash"]).lines(self.names, per=per):
                print(line)

    def _name(self, label: str, *contracts: Contract) -> None:
        for contract in contracts:
            self.names[str(contract.address).lower()] = label

    def rewards(self) -> None:
        """The same 100 members rewarded on two days, by OST and by the baseline, from the same calldata."""
        client = self.client
        office, coordinator = dev_accounts()[0], dev_accounts()[3]
        members = addresses("steady-member", BATCH)
        town = bench_town(
            client,
            "Steady",
            coordinators=[coordinator.address],
            coordinator_daily_cap_inf=10**6,
            members=members,
            launch=False,
            projects=[{"id": 1, "name": "River", "inf_per_shift": 1, "shift_minutes": 180}],
        )
        # Membership is kept beside each INF balance, so signing members up writes their INF slot: what a reward no
        # longer pays is paid here, once a member.
        latecomers = addresses("steady-latecomer", BATCH)
        added = client.transact(town.registry.functions.addMembers(latecomers), dev_accounts()[2])
        signup = added["gasUsed"] // BATCH
        self.report.row(f"TownRegistry.addMembers per member (batch of {BATCH})", signup)
        baseline, _ = client.deploy("BaselineRewards", sender=office)
        self._name("registry", town.registry)
        self._name("INF", town.infinity)
        self._name("baseline", baseline)
        ids = iter(range(1, 10**6))

        def rows() -> list[tuple[str, int, bytes, int]]:
            return [(m, 180, next(ids).to_bytes(32, "big"), 1) for m in members]

        # Warm-up: the supply and the coordinator's record are non-zero, as in a running town.
        client.transact(town.infinity.functions.rewardBatch([(members[0], 60, b"\xff" * 32, 1)]), coordinator)
        client.transact(baseline.functions.rewardBatch([(members[0], 60, b"\xff" * 32, 1)]), office)
        for day, label in ((1, "first reward"), (2, "a member rewarded on an earlier day")):
            if day == 2:
                _next_day(client)
            batch = rows()
            ost = client.transact(town.infinity.functions.rewardBatch(batch), coordinator)
            base = client.transact(baseline.functions.rewardBatch(batch), office)
            per, floor = ost["gasUsed"] // BATCH, base["gasUsed"] // BATCH
            if day == 1:
                # The member's INF slot was made at sign-up, where the baseline makes its balance slot at the mint:
                # held to its target with that share of the sign-up (what signing up costs over the registry alone,
                # before INF kept membership) added, else the row could not fail.
                moved = signup - SIGNUP_BEFORE
                self.report.row(f"InfinityToken.rewardBatch per recipient, {label} (batch of {BATCH})", per)
                self.report.row(
                    f"  with its slot's share of the sign-up ({moved:,} gas a member)", per + moved, floor, 1.35
                )
            else:
                row = f"InfinityToken.rewardBatch per recipient, {label} (batch of {BATCH})"
                self.report.row(row, per, floor, 1.15)
            self.report.row(f"  baseline: OpenZeppelin ERC20 mint + once-only id, {label}", floor)
            self._show(ost, per=BATCH)
            self._show(base, per=BATCH)

    def purchase(self) -> None:
        """A buyer who bought before buys again (native coin)."""
        client = self.client
        office = dev_accounts()[0]
        buyer = Account.from_key(keccak(b"steady/buyer"))
        other = Account.from_key(keccak(b"steady/other"))
        for who in (buyer, other):
            client.send_value(office, who.address, 10**18)
        business = {"name": "Bakery", "symbol": "BAKE", "price": "0.001", "shares": 10_000, "minimum": 1}
        town = bench_town(client, "Buyers", members=[buyer.address, other.address], businesses=[business])
        sale, token = town.sale(0)
        self._name("registry", town.registry)
        self._name("sale", sale)
        self._name("shares", token)
        client.transact(sale.functions.buy(10), other, value=10 * 10**15)
        client.transact(sale.functions.buy(10), buyer, value=10 * 10**15)
        receipt = client.transact(sale.functions.buy(10), buyer, value=10 * 10**15)
        data = tx_input(client, receipt)
        floor = Floor(data, updated_slots=3, logs=[TRANSFER_LOG, PURCHASE_LOG])
        self.report.row(
            "ShareSale.buy, native coin, a buyer who bought before",
            receipt["gasUsed"],
            floor.gas + MEMBERSHIP_READ,
            1.3,
        )
        self._show(receipt)

    def relayed_transfers(self) -> None:
        """Ten members' INF transfers relayed in one executeBatch, each to a neighbour of its own who holds INF,
        each member's nonce already used."""
        client = self.client
        coordinator, relayer = dev_accounts()[3], dev_accounts()[5]
        members = [Account.from_key(keccak(f"steady/relayed/{i}".encode())) for i in range(RELAYED)]
        receivers = addresses("steady-receiver", RELAYED)
        town = bench_town(
            client,
            "Relaying",
            coordinators=[coordinator.address],
            coordinator_daily_cap_inf=10**6,
            members=[*(m.address for m in members), *receivers],
            projects=[{"id": 1, "name": "River", "inf_per_shift": 1, "shift_minutes": 180}],
        )
        self._name("registry", town.registry)
        self._name("INF", town.infinity)
        self._name("forwarder", town.forwarder)
        rows = [(a, 1440, keccak(f"steady/{a}".encode()), 1) for a in [*(m.address for m in members), *receivers]]
        client.transact(town.infinity.functions.rewardBatch(rows), coordinator)
        name = town.forwarder.functions.eip712Domain().call()[1]

        def send() -> Any:
            requests = [
                replace(prepare(town, m.address, town.infinity.functions.transfer(to, 10**17)), deadline=DEADLINE)
                for m, to in zip(members, receivers, strict=True)
            ]
            signed = [
                sign(m, r, client.chain_id, town.forwarder.address, name)
                for m, r in zip(members, requests, strict=True)
            ]
            fn = town.forwarder.functions.executeBatch([r.as_call() for r in signed], relayer.address)
            gas = batch_gas([r.gas for r in requests], bytes.fromhex(fn._encode_transaction_data()[2:]))
            return client.transact(fn, relayer, gas=gas)

        send()  # every member's nonce is non-zero from here
        receipt = send()
        data = tx_input(client, receipt)
        # Each action: the member's nonce, its balance and its neighbour's written, the signature checked, two logs;
        # the transaction's base and calldata are shared.
        floor = Floor(data, updated_slots=3 * RELAYED, logs=[TRANSFER_LOG, EXECUTED_LOG] * RELAYED)
        self.report.row(
            f"relayed INF transfer per action, later actions (batch of {RELAYED})",
            receipt["gasUsed"] // RELAYED,
            (floor.gas + ECRECOVER * RELAYED) // RELAYED,
            1.2,
        )
        self._show(receipt, per=RELAYED)


def steady(client: ChainClient, report: Report, *, traced: bool = False) -> None:
    bench = Steady(client, report, traced=traced)
    bench.rewards()
    bench.purchase()
    bench.relayed_transfers()

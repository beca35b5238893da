"""Gas of members' actions relayed through the town's forwarder beside the same actions sent directly.

Two members hold the same things: one sends each action from an account that pays its own gas, the
other signs it and a relayer sends it through ``TownForwarder.execute``. Each action is measured on a
member's later actions (its forwarder nonce already non-zero); the first relayed action of a member
also writes its nonce slot afresh, shown on its own row. A purchase in a stablecoin is one signed
``buyWithPermit`` relayed, against the approval and purchase a direct buyer sends.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3.logs import DISCARD

from benchmarks._gas import Report, bench_town
from ost_chain.chain import dev_accounts
from ost_chain.client import ChainClient
from ost_chain.gasless import batch_gas, permit, prepare, sign
from ost_chain.townclient import Reward

DEADLINE = 2**40  # fixed, so the calldata (and the gas) is the same on every run
ONE_INF = 10**18
TZAR = 10**6
BATCH = 10
# Alone, a relayed action pays the forwarder's whole work itself: its request in calldata (~600 bytes), the
# signature, the member's nonce slot, the target's trust check, the event — about 22,000 gas, which the cheapest
# actions (an INF transfer: 45,000 direct) cannot hide; shown, held to no target. The bridge sends what waits
# together, and in a batch the transaction's base is shared: the 1.3 target holds there.
ALONE_AT_MOST = None


def _member(label: str) -> LocalAccount:
    return Account.from_key(keccak(f"relayed/{label}".encode()))


def relayed(client: ChainClient, report: Report) -> None:
    accounts = dev_accounts()
    office, ambassador, coordinator, relayer = accounts[0], accounts[2], accounts[3], accounts[5]
    direct, receiver = _member("direct"), _member("receiver")
    gasless = [_member(f"gasless/{i}") for i in range(BATCH + 1)]  # one alone, then a batch of ten
    client.send_value(office, direct.address, 10**18)
    coin, _ = client.deploy("TestStablecoin", sender=office)
    sale = {"asset": coin.address, "asset_decimals": 6, "price": 1, "shares": 1000, "local_days": 1}
    town = bench_town(
        client,
        "Relayed",
        coordinators=[coordinator.address],
        coordinator_daily_cap_inf=10**6,
        members=[direct.address, receiver.address, *(g.address for g in gasless)],
        projects=[{"id": 1, "name": "River", "inf_per_shift": 1, "shift_minutes": 180}],
        defaults=sale,
        businesses=[
            {"name": "Tannery", "symbol": "TAN", "minimum": 1, "investor_bps": 2000},
            {"name": "Laundry", "symbol": "WASH", "minimum": 1000},
        ],
    )
    name = town.forwarder.functions.eip712Domain().call()[1]
    for who in (direct, receiver, *gasless):
        town.reward(coordinator, Reward(who.address, 1440, f"bench/{who.address}", 1))
        client.transact(coin.functions.mint(who.address, 1_000 * TZAR), office)
    batch_of = town.forwarder.functions.executeBatch

    def by_direct(fn: Any) -> int:
        return int(client.transact(fn, direct)["gasUsed"])

    def by_relay(action: Any, members: list[LocalAccount]) -> int:
        """``action(member)`` of each member relayed in one executeBatch, as the bridge sends them: gas per action."""
        requests = [replace(prepare(town, who.address, action(who)), deadline=DEADLINE) for who in members]
        signed = [
            sign(who, r, client.chain_id, town.forwarder.address, name)
            for who, r in zip(members, requests, strict=True)
        ]
        fn = batch_of([r.as_call() for r in signed], relayer.address)
        gas = batch_gas([r.gas for r in requests], bytes.fromhex(fn._encode_transaction_data()[2:]))
        receipt = client.transact(fn, relayer, gas=gas)
        executed = town.forwarder.events.ExecutedForwardRequest().process_receipt(receipt, errors=DISCARD)
        assert [e["args"]["success"] for e in executed] == [True] * len(members)
        return int(receipt["gasUsed"]) // len(members)

    def measure(label: str, action: Any, *, first: bool = False) -> None:
        sent = by_direct(action(direct))
        alone, batched = by_relay(action, gasless[:1]), by_relay(action, gasless[1:])
        if first:  # every member's forwarder nonce went from zero to one: a new slot each
            report.row(f"relayed, alone: {label} (a member's first action)", alone)
            report.row(f"relayed, in a batch of {BATCH}: {label} (first actions), per action", batched)
            return
        report.row(f"relayed, alone: {label}", alone)
        report.ratio(f"  ÷ sent directly ({sent:,} gas)", alone / sent, ALONE_AT_MOST)
        report.row(f"relayed, in a batch of {BATCH}: {label}, per action", batched)
        report.ratio(f"  ÷ sent directly ({sent:,} gas)", batched / sent, 1.3)

    inf = town.infinity.functions
    measure("INF transfer", lambda who: inf.transfer(receiver.address, ONE_INF), first=True)
    measure("INF transfer", lambda who: inf.transfer(receiver.address, ONE_INF))
    measure("INF redeem", lambda who: inf.redeem(ONE_INF, keccak(f"basket/{who.address}".encode()), "maize"))
    tannery, tan_token = town.sale(0)
    laundry, _ = town.sale(1)
    by_direct(coin.functions.approve(tannery.address, 20 * TZAR))
    by_direct(coin.functions.approve(laundry.address, TZAR))

    def buy(sale: Any, shares: int) -> Any:
        def signed_by(who: LocalAccount) -> Any:
            if who is direct:
                return sale.functions.buy(shares)
            return sale.functions.buyWithPermit(
                shares, *permit(client, coin.address, who, sale.address, shares * TZAR, DEADLINE)
            )

        return signed_by

    measure("stablecoin purchase (buyWithPermit ÷ buy after an approval)", buy(tannery, 10))
    for who in gasless:  # everyone also holds a share of the laundry, which will not reach its minimum
        by_relay(buy(laundry, 1), [who])
    by_direct(laundry.functions.buy(1))
    for _ in range(3):  # both raises close: the tannery succeeds, the laundry fails
        town.advance(ambassador, "TAN")
        town.advance(ambassador, "WASH")
    town.finalize(office, "TAN")
    town.finalize(office, "WASH")
    measure("sale refund", lambda who: laundry.functions.refund())
    measure("share transfer", lambda who: tan_token.functions.transfer(receiver.address, 1))
    client.transact(coin.functions.mint(ambassador.address, 1_000 * TZAR), office)  # the tannery's treasury
    town.deposit(ambassador, "TAN", 1_000 * TZAR, coin.address)
    d = town.distributor.functions
    measure("profit claim, member part", lambda who: d.claim(coin.address))
    measure("profit claim, investor part", lambda who: d.claimAsInvestor(0, coin.address))
    assert all(client.balance(g.address) == 0 for g in gasless), "a gasless member paid for gas"

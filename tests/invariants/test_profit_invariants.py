"""The profit distributor under random joins, leaves, deposits in two assets, share transfers, claims
and lost-wallet recoveries.

A Python model splits every deposit by hand. After each step the chain must agree with it
exactly: each account's claimed + claimable equals its modelled share, members' and investors'
alike, and per asset Σ claimed + Σ claimable + carried == Σ deposited, so nothing is lost or
over-paid. A recovery moves an actor to a new address: the model keeps the actor's books, so the
new address must carry exactly what the old one had, and every old address must carry nothing.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from eth_account import Account
from eth_utils import keccak
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from ost_chain.client import ChainClient
from ost_chain.enums import NATIVE
from ost_chain.exceptions import ContractRevert
from ost_chain.gasless import prepare, sign
from ost_chain.terms import SaleTerms
from tests.helpers import BatchReader, now
from tests.towns import list_business

ACTORS = ["alice", "bob", "carol", "stranger"]
PRICE = 10**15
BPS = 2_500


@pytest.fixture
def world(
    client,
    town,
    factory,
    distributor,
    stablecoin,
    ambassador,
    country_ambassador,
    treasury,
    alice,
    bob,
    carol,
    stranger,
):
    return {
        "client": client,
        "town": town,
        "factory": factory,
        "distributor": distributor,
        "coin": stablecoin,
        "ambassador": ambassador,
        "country_ambassador": country_ambassador,
        "treasury": treasury,
        "actors": {"alice": alice, "bob": bob, "carol": carol, "stranger": stranger},
    }


def test_profit_invariants(world: dict) -> None:
    client: ChainClient = world["client"]
    dist = world["distributor"]
    reg = world["town"].registry.functions
    coin = world["coin"]
    assets = [NATIVE, coin.address]
    reader = BatchReader(client, dist.address)
    infinity_reader = BatchReader(client, world["town"].infinity.address)
    registry_reader = BatchReader(client, world["town"].registry.address)
    forwarder_name = world["town"].forwarder.functions.eip712Domain().call()[1]

    class ProfitMachine(RuleBasedStateMachine):
        @initialize()
        def open_books(self) -> None:
            rpc = client.w3.provider.make_request
            self.snapshot = rpc("evm_snapshot", [])["result"]  # type: ignore[arg-type]
            self.accounts = dict(world["actors"])  # an actor's address changes when they recover a lost wallet
            self.lost: list[str] = []
            treasury = world["treasury"]
            terms = SaleTerms(
                price=PRICE,
                shares_offered=10,
                min_shares=1,
                start=now(client),
                local_duration=86_400,
                treasury=treasury.address,
            )
            self.business = list_business(
                client, world["factory"], world["ambassador"], name="B", symbol="B", terms=terms
            )
            client.transact(self.business.sale.functions.buy(6), self.accounts["alice"], value=6 * PRICE)
            client.transact(self.business.sale.functions.buy(4), self.accounts["bob"], value=4 * PRICE)
            client.transact(self.business.sale.functions.finalize(), treasury)
            client.transact(dist.functions.setInvestorShare(self.business.business_id, BPS), world["ambassador"])
            client.transact(dist.functions.setAcceptedAsset(coin.address, True), world["ambassador"])
            client.transact(coin.functions.mint(treasury.address, 10**30), treasury)
            client.transact(coin.functions.approve(dist.address, 10**30), treasury)
            self.members = {"alice", "bob"}
            self.shares = {"alice": 6, "bob": 4, "carol": 0, "stranger": 0}
            self.owed = {(a, name): 0 for a in assets for name in ACTORS}  # member part, modelled
            self.owed_inv = {(a, name): 0 for a in assets for name in ACTORS}  # investor part, modelled
            self.claimed = {(a, name): 0 for a in assets for name in ACTORS}
            self.carried = dict.fromkeys(assets, 0)
            self.carried_inv = dict.fromkeys(assets, 0)
            self.deposited = dict.fromkeys(assets, 0)
            self.others_owed = dict.fromkeys(assets, 0)  # owed to members outside the actors (none here)

        def teardown(self) -> None:
            if hasattr(self, "snapshot"):
                client.w3.provider.make_request("evm_revert", [self.snapshot])  # type: ignore[arg-type]

        @rule(actor=st.sampled_from(ACTORS))
        def toggle_membership(self, actor: str) -> None:
            address = self.accounts[actor].address
            if actor in self.members:
                client.transact(reg.removeMember(address), world["ambassador"])
                self.members.discard(actor)
                event("member left")
            else:
                client.transact(reg.addMember(address), world["ambassador"])
                self.members.add(actor)
                event("member joined")
            self.infinity_knows_the_registry_s_members()

        @rule(asset=st.sampled_from(assets), amount=st.integers(1, 10**6) | st.sampled_from([1, 7, 10**18 + 3]))
        def deposit(self, asset: str, amount: int) -> None:
            value = amount if asset == NATIVE else 0
            client.transact(dist.functions.deposit(0, asset, amount), world["treasury"], value=value)
            self.deposited[asset] += amount
            to_investors = amount * BPS // 10_000
            total_inv = to_investors + self.carried_inv[asset]
            per_share, self.carried_inv[asset] = divmod(total_inv, 10)
            for name, held in self.shares.items():
                self.owed_inv[(asset, name)] += per_share * held
            total = amount - to_investors + self.carried[asset]
            if self.members:
                per, self.carried[asset] = divmod(total, len(self.members))
                for name in self.members:
                    self.owed[(asset, name)] += per
                event(f"deposit split among {len(self.members)}")
            else:
                self.carried[asset] = total
                event("deposit held")

        @rule(asset=st.sampled_from(assets))
        def distribute_held(self, asset: str) -> None:
            client.transact(dist.functions.distributeHeld(asset), world["treasury"])
            if self.members:
                per, self.carried[asset] = divmod(self.carried[asset], len(self.members))
                for name in self.members:
                    self.owed[(asset, name)] += per

        def act(self, actor: str, fn: Any, relayed: bool) -> None:
            """``fn`` by ``actor``: sent from its account, or signed and relayed through the town's forwarder (a
            refusal raised either way, decoded: the request is simulated before it is signed)."""
            who = self.accounts[actor]
            if not relayed:
                client.transact(fn, who)
                return
            forwarder = world["town"].forwarder
            request = prepare(world["town"], who.address, fn)
            signed = sign(who, request, client.chain_id, forwarder.address, forwarder_name)
            client.transact(forwarder.functions.execute(signed.as_call()), world["treasury"])
            seen["relayed"] += 1
            event("relayed")

        @rule(
            sender=st.sampled_from(["alice", "bob", "carol"]),
            to=st.sampled_from(ACTORS),
            shares=st.integers(1, 6),
            relayed=st.booleans(),
        )
        def transfer(self, sender: str, to: str, shares: int, relayed: bool) -> None:
            if self.shares[sender] < shares:
                return
            self.act(sender, self.business.token.functions.transfer(self.accounts[to].address, shares), relayed)
            self.shares[sender] -= shares
            self.shares[to] += shares
            event("shares moved")

        @rule(actor=st.sampled_from(ACTORS), asset=st.sampled_from(assets), relayed=st.booleans())
        def claim(self, actor: str, asset: str, relayed: bool) -> None:
            due = self.owed[(asset, actor)] - self.claimed[(asset, actor)]
            try:
                self.act(actor, dist.get_function_by_signature("claim(address)")(asset), relayed)
            except ContractRevert as refusal:
                assert due == 0 and refusal.error == "ProfitDistributorNothingToClaim"
                return
            assert due > 0
            self.claimed[(asset, actor)] += due
            event("claimed")

        @rule(actor=st.sampled_from(ACTORS), asset=st.sampled_from(assets), relayed=st.booleans())
        def claim_as_investor(self, actor: str, asset: str, relayed: bool) -> None:
            key = ("inv", asset, actor)
            done = getattr(self, "inv_claimed", {})
            due = self.owed_inv[(asset, actor)] - done.get(key, 0)
            try:
                self.act(actor, dist.functions.claimAsInvestor(0, asset), relayed)
            except ContractRevert:
                assert due == 0
                return
            done[key] = done.get(key, 0) + due
            self.inv_claimed = done
            event("investor claimed")

        @rule(actor=st.sampled_from(ACTORS))
        def recover(self, actor: str) -> None:
            if actor not in self.members:
                return
            old = self.accounts[actor]
            new = Account.from_key(keccak(text=f"new phone {len(self.lost)}"))
            client.send_value(world["treasury"], new.address, 10**18)
            client.transact(reg.proposeRecovery(old.address, new.address), world["ambassador"])
            client.transact(reg.confirmRecovery(old.address, new.address), world["country_ambassador"])
            client.transact(self.business.token.functions.recover(old.address), world["treasury"])
            self.accounts[actor] = new
            self.lost.append(old.address)
            seen["recoveries"] += 1
            event("wallet recovered")
            self.infinity_knows_the_registry_s_members()

        @invariant()
        def a_lost_address_keeps_nothing(self) -> None:
            calls = [
                (sig, types, [*prefix, lost, asset])
                for lost in self.lost
                for asset in assets
                for sig, types, prefix in (
                    ("claimable(address,address)", ["address", "address"], []),
                    ("claimableAsInvestor(uint256,address,address)", ["uint256", "address", "address"], [0]),
                )
            ]
            assert not any(reader.uint256s(calls)) if calls else True

        def infinity_knows_the_registry_s_members(self) -> None:
            """INFINITY keeps membership beside each balance (a reward reads one slot): it is always the
            registry's, through joins, departures and recoveries, for the actors and the addresses they lost.
            Checked after each rule that changes membership (none other does), in one batch from each contract."""
            addresses = [*(a.address for a in self.accounts.values()), *self.lost]
            asked = [("isMember(address)", ["address"], [a]) for a in addresses]
            assert infinity_reader.uint256s(asked) == registry_reader.uint256s(asked), addresses

        @invariant()
        def every_account_gets_exactly_its_share(self) -> None:
            done = getattr(self, "inv_claimed", {})
            keys = [(asset, name) for asset in assets for name in ACTORS]
            values = reader.uint256s(
                [("claimable(address,address)", ["address", "address"], [self.accounts[n].address, a]) for a, n in keys]
                + [
                    (
                        "claimableAsInvestor(uint256,address,address)",
                        ["uint256", "address", "address"],
                        [0, self.accounts[n].address, a],
                    )
                    for a, n in keys
                ]
            )
            for (asset, name), got, inv in zip(keys, values[: len(keys)], values[len(keys) :], strict=True):
                assert got + self.claimed[(asset, name)] == self.owed[(asset, name)], (name, asset)
                assert inv + done.get(("inv", asset, name), 0) == self.owed_inv[(asset, name)], (name, asset)

        @invariant()
        def nothing_lost_nothing_over_paid(self) -> None:
            for asset in assets:
                held = (
                    client.balance(dist.address) if asset == NATIVE else coin.functions.balanceOf(dist.address).call()
                )
                owed = sum(self.owed[(asset, n)] + self.owed_inv[(asset, n)] for n in ACTORS)
                paid_out = sum(self.claimed[(asset, n)] for n in ACTORS) + sum(
                    v for (kind, a, _), v in getattr(self, "inv_claimed", {}).items() if a == asset and kind == "inv"
                )
                assert owed + self.carried[asset] + self.carried_inv[asset] == self.deposited[asset]
                assert held == self.deposited[asset] - paid_out
                assert dist.functions.pool(asset).call()[1:] == [self.carried[asset], self.deposited[asset]]

    seen: Counter[str] = Counter()
    ProfitMachine.TestCase().runTest()
    assert seen["recoveries"] > 0, "no run recovered a wallet: the recovery rule was never exercised"
    assert seen["relayed"] > 0, "no run relayed a claim or a transfer: the forwarder was never exercised"

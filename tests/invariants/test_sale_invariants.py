"""A share sale under random buyers, clocks, advances, finalizations and refunds.

Ghost totals follow every accepted step; after each step the chain must agree:
shares minted == shares sold - shares refunded; escrow == paid - refunded - released;
the treasury receives exactly the raise on success and nothing on failure; a buy succeeds
exactly when the model says it may.
"""

from __future__ import annotations

import pytest
from eth_account.signers.local import LocalAccount
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from ost_chain.client import ChainClient
from ost_chain.enums import Phase
from ost_chain.exceptions import ContractRevert
from ost_chain.terms import SaleTerms
from tests.helpers import BatchReader, now
from tests.towns import Business, list_business

PRICE = 3 * 10**15
OFFER, MINIMUM, CAP = 60, 30, 25
HOUR = 3600
ACTORS = ["alice", "bob", "carol", "stranger"]
PENDING, LOCAL_PHASE, COUNTRY_PHASE, WORLD_PHASE, SUCCEEDED, FAILED = Phase


@pytest.fixture
def machine_world(client, factory, town, ambassador, treasury, alice, bob, carol, stranger):
    return {
        "client": client,
        "factory": factory,
        "ambassador": ambassador,
        "treasury": treasury,
        "actors": {"alice": (alice, 0), "bob": (bob, 0), "carol": (carol, 1), "stranger": (stranger, 2)},
    }


def test_sale_invariants(machine_world: dict) -> None:
    class SaleMachine(RuleBasedStateMachine):
        @initialize()
        def list_sale(self) -> None:
            self.client: ChainClient = machine_world["client"]
            rpc = self.client.w3.provider.make_request
            self.snapshot = rpc("evm_snapshot", [])["result"]  # type: ignore[arg-type]
            # The clock stands still between explicit waits, whatever the wall clock does: a run replays
            # exactly, and what a view says now is what the next transaction sees.
            rpc("anvil_setBlockTimestampInterval", [0])  # type: ignore[arg-type]
            self.treasury: LocalAccount = machine_world["treasury"]
            self.treasury_start = self.client.balance(self.treasury.address)
            terms = SaleTerms(
                price=PRICE,
                shares_offered=OFFER,
                min_shares=MINIMUM,
                max_per_buyer=CAP,
                start=now(self.client) + 1,
                local_duration=HOUR,
                country_duration=HOUR,
                world_duration=HOUR,
                treasury=self.treasury.address,
            )
            self.business: Business = list_business(
                self.client,
                machine_world["factory"],
                machine_world["ambassador"],
                name="Inv",
                symbol="INV",
                terms=terms,
            )
            self.sold = self.refunded_shares = 0
            self.paid = self.refunded = self.released = 0
            self.held: dict[str, int] = dict.fromkeys(machine_world["actors"], 0)
            self.finalized = False

        def teardown(self) -> None:
            if hasattr(self, "snapshot"):
                self.client.w3.provider.make_request("anvil_removeBlockTimestampInterval", [])  # type: ignore[arg-type]
                self.client.w3.provider.make_request("evm_revert", [self.snapshot])  # type: ignore[arg-type]

        def phase(self) -> int:
            return self.business.sale.functions.phase().call()

        @rule(actor=st.sampled_from(ACTORS), shares=st.integers(1, CAP) | st.sampled_from([0, CAP + 1, OFFER]))
        def buy(self, actor: str, shares: int) -> None:
            self._buy(actor, shares)

        @rule(actor=st.sampled_from(ACTORS), shares=st.integers(1, 12))
        def buy_a_few(self, actor: str, shares: int) -> None:
            """Most steps are purchases, so that runs reach sell-outs, successes and failures."""
            self._buy(actor, shares)

        def _buy(self, actor: str, shares: int) -> None:
            account, tier = machine_world["actors"][actor]
            phase = self.phase()
            may = (
                LOCAL_PHASE <= phase <= WORLD_PHASE
                and tier < phase
                and 0 < shares <= OFFER - self.sold
                and self.held[actor] + shares <= CAP
            )
            try:
                self.client.transact(self.business.sale.functions.buy(shares), account, value=shares * PRICE)
            except ContractRevert as refusal:
                assert not may, f"{actor} refused {shares} in phase {phase}: {refusal}"
                return
            assert may, f"{actor} bought {shares} in phase {phase} against the rules"
            event(f"bought in phase {phase}")
            self.sold += shares
            self.paid += shares * PRICE
            self.held[actor] += shares

        @rule(seconds=st.sampled_from([1, 600, HOUR - 1, HOUR]))
        def wait(self, seconds: int) -> None:
            latest = now(self.client)
            self.client.w3.provider.make_request("evm_setNextBlockTimestamp", [latest + seconds])  # type: ignore[arg-type]
            self.client.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]

        @rule()
        def advance(self) -> None:
            before = self.phase()
            try:
                self.client.transact(self.business.sale.functions.advancePhase(), machine_world["ambassador"])
            except ContractRevert:
                assert before >= SUCCEEDED
                return
            assert self.phase() > before or self.phase() >= SUCCEEDED

        @rule()
        def finalize(self) -> None:
            phase = self.phase()
            try:
                self.client.transact(self.business.sale.functions.finalize(), machine_world["ambassador"])
            except ContractRevert:
                assert self.finalized or phase < SUCCEEDED
                return
            assert not self.finalized and phase >= SUCCEEDED
            event(f"finalized as phase {phase}")
            self.finalized = True
            if phase == SUCCEEDED:
                self.released = self.paid

        @rule(actor=st.sampled_from(ACTORS))
        def refund(self, actor: str) -> None:
            account, _ = machine_world["actors"][actor]
            try:
                self.client.transact(self.business.sale.functions.refund(), account)
            except ContractRevert:
                assert self.phase() != FAILED or self.held[actor] == 0
                return
            assert self.phase() == FAILED
            event("refunded")
            self.refunded += self.held[actor] * PRICE
            self.refunded_shares += self.held[actor]
            self.held[actor] = 0

        @invariant()
        def shares_minted_equal_sold_minus_refunded(self) -> None:
            assert self.business.token.functions.totalSupply().call() == self.sold - self.refunded_shares
            assert self.business.sale.functions.sharesSold().call() == self.sold <= OFFER
            # The token stores no supply (it is the sale's progress less the refunds): every share is in a balance,
            # each actor's as the model has it (one batch of calls).
            actors = machine_world["actors"]
            asked = [("balanceOf(address)", ["address"], [account.address]) for account, _ in actors.values()]
            held = BatchReader(self.client, self.business.token.address).uint256s(asked)
            assert held == [self.held[actor] for actor in actors] and sum(held) == self.sold - self.refunded_shares

        @invariant()
        def escrow_equals_paid_minus_refunded_minus_released(self) -> None:
            assert self.client.balance(self.business.sale.address) == self.paid - self.refunded - self.released

        @invariant()
        def treasury_gets_the_raise_on_success_and_nothing_otherwise(self) -> None:
            received = self.client.balance(self.treasury.address) - self.treasury_start
            if self.finalized and self.phase() == SUCCEEDED:
                assert received == self.sold * PRICE
            else:
                assert received == 0

    SaleMachine.TestCase().runTest()

"""A member's history from the town's events: rewards with their project, a basket, purchases and a refund, newest
first, each with its date."""

from __future__ import annotations

from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3.contract import Contract

from ost_chain.client import ChainClient
from ost_chain.history import history
from ost_chain.manifest import Manifest
from ost_chain.terms import SaleTerms
from ost_chain.townclient import Town
from tests.conftest import PROJECT
from tests.helpers import advance_time, now
from tests.towns import list_business

DAY = 86_400


def test_a_member_s_history_newest_first_with_dates(
    client: ChainClient,
    deployed_town: Manifest,
    factory: Contract,
    ambassador: LocalAccount,
    coordinator: LocalAccount,
    alice: LocalAccount,
    bob: LocalAccount,
    treasury: LocalAccount,
) -> None:
    town = Town(client, deployed_town.data)
    inf = town.infinity.functions
    client.transact(inf.reward(alice.address, 360, keccak(text="history/1"), PROJECT), coordinator)
    client.transact(inf.redeem(10**18, keccak(text="history/basket"), "maize meal"), alice)
    terms = SaleTerms(
        price=10**15,
        shares_offered=100,
        min_shares=90,
        start=now(client),
        local_duration=DAY,
        treasury=treasury.address,
    )
    business = list_business(client, factory, ambassador, name="Mill", symbol="MILL", terms=terms)
    client.transact(business.sale.functions.buy(5), alice, value=5 * 10**15)
    advance_time(client, DAY + 1)
    client.transact(business.sale.functions.finalize(), bob)  # short of its minimum: failed
    client.transact(business.sale.functions.refund(), alice)

    entries = history(town, alice.address)
    assert [e["kind"] for e in entries] == ["refund", "purchase", "basket", "reward"]
    refund, purchase, basket, reward = entries
    assert (purchase["shares"], purchase["amount"], purchase["symbol"]) == (5, str(5 * 10**15), "MILL")
    assert (refund["shares"], refund["amount"]) == (5, str(5 * 10**15))
    assert (basket["amount"], basket["basket"]) == (str(10**18), "maize meal")
    assert (reward["amount"], reward["minutes"], reward["projectName"]) == (str(2 * 10**18), 360, "River clean-up")
    assert all(e["time"] > 1_700_000_000 for e in entries) and entries[0]["time"] >= entries[-1]["time"]
    assert history(town, bob.address) == []

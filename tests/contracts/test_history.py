"""A member's history from the town's events: rewards with their project, a basket, purchases and a refund, newest
first, each with its date."""

from __future__ import annotations

import pytest
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3.contract import Contract
from web3.exceptions import Web3RPCError

from ost_chain.client import ChainClient
from ost_chain.history import history
from ost_chain.manifest import Manifest
from ost_chain.pictures import pictures
from ost_chain.terms import SaleTerms
from ost_chain.townclient import Town
from tests.conftest import PROJECT
from tests.helpers import CappedLogs, advance_time, now
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


def test_a_provider_that_caps_log_queries_still_gives_the_whole_history_and_pictures(
    client: ChainClient, deployed_town: Manifest, coordinator: LocalAccount, alice: LocalAccount
) -> None:
    """Hosted providers refuse a log query over too many blocks; the town's reads go from its first block. Through a
    provider capped at 16 blocks, a member's history and the town's pictures are the same as the node's own."""
    town = Town(client, deployed_town.data)
    inf = town.infinity.functions
    client.transact(inf.reward(alice.address, 60, keccak(text="capped/1"), PROJECT), coordinator)
    client.w3.provider.make_request("anvil_mine", [hex(64)])  # type: ignore[arg-type]  # a chain wider than the cap
    client.transact(inf.reward(alice.address, 60, keccak(text="capped/2"), PROJECT), coordinator)
    rpc_url = client.w3.provider.endpoint_uri  # type: ignore[attr-defined]
    direct = history(town, alice.address), pictures(town)
    assert [e["kind"] for e in direct[0]][:2] == ["reward", "reward"]

    with CappedLogs(rpc_url, most_blocks=None) as uncapped:  # a provider without a cap: not one call more
        history(Town(ChainClient.connect(uncapped.url, compile=False), deployed_town.data), alice.address)
    with CappedLogs(rpc_url, most_blocks=16) as capped:
        through = Town(ChainClient.connect(capped.url, compile=False), deployed_town.data)
        assert history(through, alice.address) == direct[0]
        first_refusals = capped.refused
        assert first_refusals > 0 and uncapped.refused == 0
        assert capped.answered > uncapped.answered  # the same queries, in windows of 16 blocks at most
        assert pictures(through) == direct[1]
        capped.refused = 0
        history(through, alice.address)  # the width that worked is kept: each wide query is refused once at most
        assert capped.refused <= uncapped.answered


def test_a_refusal_a_narrower_query_would_not_cure_is_not_split(
    client: ChainClient, deployed_town: Manifest, alice: LocalAccount
) -> None:
    """A rate limit is not a width: it comes back as the provider said it, after one call. A provider that refuses
    without naming its cap is read in halves, and the cap learned is kept for the next query."""
    rpc_url = client.w3.provider.endpoint_uri  # type: ignore[attr-defined]
    client.w3.provider.make_request("anvil_mine", [hex(40)])  # type: ignore[arg-type]
    limited = CappedLogs(rpc_url, most_blocks=1, says="Your app has exceeded its compute units per second capacity")
    with limited, pytest.raises(Web3RPCError, match="per second capacity"):
        history(Town(ChainClient.connect(limited.url, compile=False), deployed_town.data), alice.address)
    assert limited.refused == 1 and limited.answered == 0
    direct = history(Town(client, deployed_town.data), alice.address)
    with CappedLogs(rpc_url, most_blocks=8, says="block range is too large") as unnamed:
        through = Town(ChainClient.connect(unnamed.url, compile=False), deployed_town.data)
        assert history(through, alice.address) == direct
        learning = unnamed.refused
        unnamed.refused = 0
        assert history(through, alice.address) == direct
        assert unnamed.refused < learning  # the cap is known now: one refusal per wide query, at most

"""ShareSale, ShareToken and BusinessFactory: phases, eligibility, escrow, refunds, clones."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from web3.contract import Contract

from ost_chain.client import ChainClient
from ost_chain.enums import NATIVE, Eligibility, Phase
from ost_chain.terms import SaleTerms
from tests.helpers import advance_time, events, now, reverts
from tests.towns import Business, CoreTown, deploy_core, list_business

PENDING, LOCAL_PHASE, COUNTRY_PHASE, WORLD_PHASE, SUCCEEDED, FAILED = Phase
ELIGIBLE, NOT_LAUNCHED, NOT_STARTED, NOT_MEMBER, PHASE_NOT_REACHED, CAP_REACHED, CLOSED = Eligibility
LOCAL, COUNTRY, WORLD = range(3)
DAY = 86_400
PRICE = 10**16  # 0.01 of the native coin per share


@pytest.fixture
def terms(client: ChainClient, treasury: LocalAccount) -> SaleTerms:
    """100 shares, 50 to succeed, each phase one day, starting now."""
    return SaleTerms(
        price=PRICE,
        shares_offered=100,
        min_shares=50,
        start=now(client),
        local_duration=DAY,
        country_duration=DAY,
        world_duration=DAY,
        treasury=treasury.address,
    )


@pytest.fixture
def listed(client: ChainClient, factory: Contract, ambassador: LocalAccount):
    def make(terms: SaleTerms, keep_local: bool = False, name: str = "Bakery", symbol: str = "BAKE") -> Business:
        return list_business(client, factory, ambassador, name=name, symbol=symbol, terms=terms, keep_local=keep_local)

    return make


def buy(
    client: ChainClient,
    business: Business,
    buyer: LocalAccount,
    shares: int,
    value: int | None = None,
    gas: int | None = None,
) -> Any:
    value = shares * PRICE if value is None else value
    return client.transact(business.sale.functions.buy(shares), buyer, value=value, gas=gas)


def phase(business: Business) -> int:
    return business.sale.functions.phase().call()


def set_time(client: ChainClient, timestamp: int) -> None:
    """Make the next block's timestamp exactly ``timestamp`` and mine it."""
    client.w3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])  # type: ignore[arg-type]
    client.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def next_block_at(client: ChainClient, timestamp: int) -> None:
    """The next transaction will be mined exactly at ``timestamp``."""
    client.w3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])  # type: ignore[arg-type]


# ── listing through the factory ──


def test_listing_creates_token_and_sale_clones_with_event(
    client: ChainClient, factory: Contract, ambassador: LocalAccount, terms: SaleTerms, town: CoreTown
) -> None:
    receipt = client.transact(factory.functions.listBusiness("Bakery", "BAKE", 1, terms.as_tuple()), ambassador)
    (event,) = events(receipt, factory, "BusinessListed")
    assert event["businessId"] == 0 and event["name"] == "Bakery" and event["policy"] == 1
    assert tuple(event["terms"].values()) == terms.as_tuple()
    sale, token = factory.functions.business(0).call()
    assert (sale, token) == (event["sale"], event["token"])
    assert factory.functions.businessCount().call() == 1
    token_contract = client.at("ShareToken", token)
    sale_contract = client.at("ShareSale", sale)
    assert token_contract.functions.name().call() == "Bakery"
    assert token_contract.functions.symbol().call() == "BAKE"
    assert token_contract.functions.decimals().call() == 0
    assert token_contract.functions.sale().call() == sale
    assert token_contract.functions.policy().call() == 1
    assert token_contract.functions.registry().call() == town.registry.address
    assert sale_contract.functions.token().call() == token
    assert tuple(sale_contract.functions.terms().call()) == terms.as_tuple()
    # EIP-1167 with immutable arguments: the clone's code is the 45-byte proxy plus its arguments.
    code = client.w3.eth.get_code(sale)
    assert code[:10].hex() == "363d3d373d3d3d363d73"
    assert len(code) == 45 + 12 * 32


def test_each_listing_pairs_its_own_token_and_sale(
    client: ChainClient, listed: Any, terms: SaleTerms, alice: LocalAccount, factory: Contract
) -> None:
    # The factory predicts each sale's address (its CREATE nonce) so the token can name it in its code;
    # a wrong prediction anywhere in a run of listings would leave a token that no sale can mint.
    businesses = [listed(terms, name=f"Shop {n}", symbol=f"S{n}") for n in range(5)]
    assert len({b.sale.address for b in businesses} | {b.token.address for b in businesses}) == 10
    for n, business in enumerate(businesses):
        assert business.token.functions.sale().call() == business.sale.address
        assert business.sale.functions.token().call() == business.token.address
        assert factory.functions.business(n).call() == [business.sale.address, business.token.address]
        buy(client, business, alice, n + 1)
        assert business.token.functions.balanceOf(alice.address).call() == n + 1


@pytest.mark.parametrize("caller", ["ost_office", "country_ambassador", "coordinator", "alice", "stranger"])
def test_listing_refuses_every_role_but_town_ambassador(
    client: ChainClient,
    factory: Contract,
    terms: SaleTerms,
    town: CoreTown,
    request: pytest.FixtureRequest,
    caller: str,
) -> None:
    account: LocalAccount = request.getfixturevalue(caller)
    with reverts("AccessControlUnauthorizedAccount", account.address, town.role("TOWN_AMBASSADOR_ROLE")):
        client.transact(factory.functions.listBusiness("B", "B", 0, terms.as_tuple()), account)


ZERO_ASSET = "0x" + "11" * 20


@pytest.mark.parametrize(
    ("change", "error", "args"),
    [
        ({"price": 0}, "ShareSaleZeroPrice", ()),
        ({"shares_offered": 0, "min_shares": 0}, "ShareSaleZeroOffer", ()),
        ({"min_shares": 0}, "ShareSaleMinimumOutOfRange", (0, 100)),
        ({"min_shares": 101}, "ShareSaleMinimumOutOfRange", (101, 100)),
        ({"max_per_buyer": 101}, "ShareSaleBuyerCapAboveOffer", (101, 100)),
        ({"local_duration": 0}, "ShareSaleZeroLocalPhase", ()),
        ({"treasury": NATIVE}, "ShareSaleZeroTreasury", ()),
        ({"payment_asset": ZERO_ASSET}, "ShareSaleAssetWithoutCode", (to_checksum_address(ZERO_ASSET),)),
    ],
)
def test_listing_refuses_invalid_terms(
    listed: Any, terms: SaleTerms, change: dict[str, Any], error: str, args: tuple[Any, ...]
) -> None:
    with reverts(error, *args):
        listed(replace(terms, **change))


def test_unknown_business_id_is_refused(factory: Contract, client: ChainClient) -> None:
    with reverts("BusinessFactoryUnknownBusiness", 5):
        client.call(factory.functions.business(5))


def test_implementations_cannot_be_initialized_or_used(
    client: ChainClient, factory: Contract, stranger: LocalAccount, listed: Any, terms: SaleTerms
) -> None:
    sale_impl, token_impl = factory.functions.implementations().call()
    with reverts("InvalidInitialization"):
        client.transact(client.at("ShareToken", token_impl).functions.initialize("X", "X"), stranger)
    with reverts("InvalidInitialization"):
        client.transact(client.at("ShareSale", sale_impl).functions.initialize(), stranger)
    with reverts("ShareSaleNotAClone"):
        client.call(client.at("ShareSale", sale_impl).functions.phase())
    with reverts("ShareSaleNotAClone"):
        client.transact(client.at("ShareSale", sale_impl).functions.buy(1), stranger, value=PRICE)
    # The token's implementation says so too, rather than reading its own code as a clone's arguments.
    token = client.at("ShareToken", token_impl)
    with reverts("ShareTokenNotAClone"):
        client.call(token.functions.registry())
    with reverts("ShareTokenNotAClone"):
        client.call(token.functions.sale())
    with reverts("ShareTokenNotAClone"):
        client.transact(token.functions.mint(stranger.address, 1), stranger)
    # A listed clone is initialized once, by the factory, in the listing transaction.
    business = listed(terms)
    with reverts("InvalidInitialization"):
        client.transact(business.token.functions.initialize("X", "X"), stranger)
    with reverts("InvalidInitialization"):
        client.transact(business.sale.functions.initialize(), stranger)


def test_the_factory_implementation_lists_nothing(
    client: ChainClient, town: CoreTown, terms: SaleTerms, ambassador: LocalAccount
) -> None:
    implementation = client.at("BusinessFactory", town.network.functions.implementations().call()[1])
    with reverts("BusinessFactoryNoCode", NATIVE):
        list_business(client, implementation, ambassador, name="Mill", symbol="MILL", terms=terms)


# ── phases ──


def test_phases_follow_the_schedule_to_the_exact_second(client: ChainClient, listed: Any, terms: SaleTerms) -> None:
    start = now(client) + 100
    business = listed(replace(terms, start=start))
    assert business.sale.functions.schedule().call() == [start, start + DAY, start + 2 * DAY, start + 3 * DAY]
    for timestamp, expected in [
        (start - 1, PENDING),
        (start, LOCAL_PHASE),
        (start + DAY - 1, LOCAL_PHASE),
        (start + DAY, COUNTRY_PHASE),
        (start + 2 * DAY - 1, COUNTRY_PHASE),
        (start + 2 * DAY, WORLD_PHASE),
        (start + 3 * DAY - 1, WORLD_PHASE),
        (start + 3 * DAY, FAILED),
    ]:
        set_time(client, timestamp)
        assert phase(business) == expected, timestamp


def test_buy_at_the_exact_deadline_second_belongs_to_the_next_phase(
    client: ChainClient, listed: Any, terms: SaleTerms, alice: LocalAccount, carol: LocalAccount
) -> None:
    # Gas is given, so that nothing is estimated against another block's clock.
    business = listed(terms)
    local_end = terms.start + DAY
    next_block_at(client, local_end - 1)
    with reverts("ShareSaleNotEligible", carol.address, NOT_MEMBER):
        buy(client, business, carol, 1, gas=300_000)
    next_block_at(client, local_end - 1)
    receipt = buy(client, business, alice, 1, gas=300_000)  # the last second of the local phase
    assert client.w3.eth.get_block(receipt["blockNumber"])["timestamp"] == local_end - 1
    assert events(receipt, business.sale, "SharesPurchased")[0]["phase"] == LOCAL_PHASE
    next_block_at(client, local_end)
    receipt = buy(client, business, carol, 1, gas=300_000)  # the deadline second opens the country phase
    assert client.w3.eth.get_block(receipt["blockNumber"])["timestamp"] == local_end
    assert events(receipt, business.sale, "SharesPurchased")[0]["phase"] == COUNTRY_PHASE


def test_country_resident_refused_in_local_phase_and_world_buyer_in_country_phase(
    client: ChainClient, listed: Any, terms: SaleTerms, carol: LocalAccount, stranger: LocalAccount
) -> None:
    business = listed(terms)
    with reverts("ShareSaleNotEligible", carol.address, NOT_MEMBER):
        buy(client, business, carol, 1)
    with reverts("ShareSaleNotEligible", stranger.address, NOT_MEMBER):
        buy(client, business, stranger, 1)
    advance_time(client, DAY)
    buy(client, business, carol, 1)
    with reverts("ShareSaleNotEligible", stranger.address, PHASE_NOT_REACHED):
        buy(client, business, stranger, 1)
    advance_time(client, DAY)
    receipt = buy(client, business, stranger, 2)
    assert events(receipt, business.sale, "SharesPurchased") == [
        {"buyer": stranger.address, "phase": WORLD_PHASE, "shares": 2, "cost": 2 * PRICE}
    ]


def test_buy_refused_before_start_and_after_close(
    client: ChainClient, listed: Any, terms: SaleTerms, alice: LocalAccount
) -> None:
    business = listed(replace(terms, start=now(client) + 1000))
    with reverts("ShareSaleNotEligible", alice.address, NOT_STARTED):
        buy(client, business, alice, 1)
    advance_time(client, 1000 + 3 * DAY)
    with reverts("ShareSaleNotEligible", alice.address, CLOSED):
        buy(client, business, alice, 1)


def test_no_sale_opens_in_a_town_that_has_not_launched(
    client: ChainClient,
    ost_office: LocalAccount,
    country_ambassador: LocalAccount,
    ambassador: LocalAccount,
    alice: LocalAccount,
    factory: Contract,
    terms: SaleTerms,
) -> None:
    unlaunched = deploy_core(
        client,
        name="Later",
        country="ZA",
        ost_office=ost_office,
        country_ambassador=country_ambassador.address,
        town_ambassador=ambassador.address,
    )
    client.transact(unlaunched.registry.functions.addMember(alice.address), ambassador)
    business = list_business(client, unlaunched.factory, ambassador, name="Mill", symbol="MILL", terms=terms)
    assert business.sale.functions.eligibility(alice.address).call()[0] == NOT_LAUNCHED
    with reverts("ShareSaleNotEligible", alice.address, NOT_LAUNCHED):
        buy(client, business, alice, 1)
    client.transact(unlaunched.registry.functions.launch(), ambassador)
    buy(client, business, alice, 1)


@pytest.mark.parametrize(
    ("shares", "error", "args"), [(0, "ShareSaleZeroShares", ()), (101, "ShareSaleExceedsOffer", (101, 100))]
)
def test_buy_refuses_zero_shares_and_more_than_the_offer(
    client: ChainClient, listed: Any, terms: SaleTerms, alice: LocalAccount, shares: int, error: str, args: tuple
) -> None:
    business = listed(terms)
    with reverts(error, *args):
        buy(client, business, alice, shares)


def test_per_buyer_maximum_holds_at_its_edge(
    client: ChainClient, listed: Any, terms: SaleTerms, alice: LocalAccount
) -> None:
    business = listed(replace(terms, max_per_buyer=10))
    buy(client, business, alice, 7)
    with reverts("ShareSaleExceedsBuyerCap", alice.address, 4, 3):
        buy(client, business, alice, 4)
    assert business.sale.functions.eligibility(alice.address).call()[:2] == [ELIGIBLE, 3]
    buy(client, business, alice, 3)
    assert business.sale.functions.eligibility(alice.address).call()[:2] == [CAP_REACHED, 0]
    with reverts("ShareSaleNotEligible", alice.address, CAP_REACHED):
        buy(client, business, alice, 1)


@pytest.mark.parametrize("value", [PRICE * 3 - 1, PRICE * 3 + 1, 0])
def test_native_payment_must_be_exact(
    client: ChainClient, listed: Any, terms: SaleTerms, alice: LocalAccount, value: int
) -> None:
    business = listed(terms)
    with reverts("ShareSaleWrongPayment", 3 * PRICE, value):
        buy(client, business, alice, 3, value=value)


def test_eligibility_explains_each_refusal_with_when_the_buyer_may_buy(
    client: ChainClient,
    listed: Any,
    terms: SaleTerms,
    alice: LocalAccount,
    carol: LocalAccount,
    stranger: LocalAccount,
) -> None:
    start = now(client) + 10
    business = listed(replace(terms, start=start))
    eligibility = business.sale.functions.eligibility
    assert eligibility(alice.address).call() == [NOT_STARTED, 0, start]
    advance_time(client, 10)
    assert eligibility(alice.address).call() == [ELIGIBLE, 100, start]
    assert eligibility(carol.address).call() == [NOT_MEMBER, 0, start + DAY]
    assert eligibility(stranger.address).call() == [NOT_MEMBER, 0, start + 2 * DAY]
    advance_time(client, DAY)
    assert eligibility(carol.address).call() == [ELIGIBLE, 100, start + DAY]
    assert eligibility(stranger.address).call() == [PHASE_NOT_REACHED, 0, start + 2 * DAY]


def test_eligibility_says_when_a_tier_is_never_admitted(
    client: ChainClient, listed: Any, terms: SaleTerms, stranger: LocalAccount
) -> None:
    business = listed(replace(terms, country_duration=0, world_duration=0))
    assert business.sale.functions.eligibility(stranger.address).call() == [NOT_MEMBER, 0, 0]


# ── advancing phases ──


def test_town_ambassador_advances_phases_forward_only(
    client: ChainClient, listed: Any, terms: SaleTerms, ambassador: LocalAccount
) -> None:
    business = listed(replace(terms, start=now(client) + 1000))
    sale = business.sale.functions
    for expected_from, expected_to in [
        (PENDING, LOCAL_PHASE),
        (LOCAL_PHASE, COUNTRY_PHASE),
        (COUNTRY_PHASE, WORLD_PHASE),
        (WORLD_PHASE, FAILED),
    ]:
        receipt = client.transact(sale.advancePhase(), ambassador)
        (event,) = events(receipt, business.sale, "PhaseAdvanced")
        assert (event["from"], event["to"]) == (expected_from, expected_to)
        assert phase(business) == expected_to
    with reverts("ShareSaleCannotAdvance", FAILED):
        client.transact(sale.advancePhase(), ambassador)


def test_advancing_gives_the_next_phase_its_full_length(
    client: ChainClient, listed: Any, terms: SaleTerms, ambassador: LocalAccount
) -> None:
    business = listed(terms)
    advance_time(client, 3600)
    receipt = client.transact(business.sale.functions.advancePhase(), ambassador)
    t = client.w3.eth.get_block(receipt["blockNumber"])["timestamp"]
    (scheduled,) = events(receipt, business.sale, "ScheduleSet")
    assert scheduled == {"start": terms.start, "localEnd": t, "countryEnd": t + DAY, "worldEnd": t + 2 * DAY}


@pytest.mark.parametrize("caller", ["ost_office", "country_ambassador", "coordinator", "alice", "stranger"])
def test_advance_phase_refuses_every_role_but_town_ambassador(
    client: ChainClient, listed: Any, terms: SaleTerms, town: CoreTown, request: pytest.FixtureRequest, caller: str
) -> None:
    business = listed(terms)
    account: LocalAccount = request.getfixturevalue(caller)
    with reverts("AccessControlUnauthorizedAccount", account.address, town.role("TOWN_AMBASSADOR_ROLE")):
        client.transact(business.sale.functions.advancePhase(), account)


# ── success ──


def test_sale_closes_the_moment_every_share_is_sold_and_releases_exactly_the_raise(
    client: ChainClient,
    listed: Any,
    terms: SaleTerms,
    alice: LocalAccount,
    bob: LocalAccount,
    treasury: LocalAccount,
    stranger: LocalAccount,
) -> None:
    business = listed(terms)
    buy(client, business, alice, 60)
    assert client.balance(business.sale.address) == 60 * PRICE
    assert client.balance(treasury.address) == (before := client.balance(treasury.address))
    buy(client, business, bob, 40)
    assert phase(business) == SUCCEEDED
    with reverts("ShareSaleNotEligible", alice.address, CLOSED):
        buy(client, business, alice, 1)
    receipt = client.transact(business.sale.functions.finalize(), stranger)
    assert events(receipt, business.sale, "SaleFinalized") == [
        {"succeeded": True, "sharesSold": 100, "amountRaised": 100 * PRICE, "reachedTier": LOCAL}
    ]
    assert client.balance(treasury.address) == before + 100 * PRICE
    assert client.balance(business.sale.address) == 0
    assert business.token.functions.transferable().call()
    with reverts("ShareSaleAlreadyFinalized"):
        client.transact(business.sale.functions.finalize(), stranger)


def test_finalize_refused_while_open(
    client: ChainClient, listed: Any, terms: SaleTerms, stranger: LocalAccount
) -> None:
    business = listed(terms)
    with reverts("ShareSaleNotClosed", LOCAL_PHASE):
        client.transact(business.sale.functions.finalize(), stranger)


def test_shares_cannot_move_before_success(
    client: ChainClient, listed: Any, terms: SaleTerms, alice: LocalAccount, bob: LocalAccount
) -> None:
    business = listed(terms)
    buy(client, business, alice, 5)
    with reverts("ShareTokenLocked"):
        client.transact(business.token.functions.transfer(bob.address, 1), alice)
    client.transact(business.token.functions.approve(bob.address, 5), alice)
    with reverts("ShareTokenLocked"):
        client.transact(business.token.functions.transferFrom(alice.address, bob.address, 1), bob)


def test_keep_local_after_local_close_keeps_shares_among_members(
    client: ChainClient,
    listed: Any,
    terms: SaleTerms,
    alice: LocalAccount,
    bob: LocalAccount,
    carol: LocalAccount,
    stranger: LocalAccount,
) -> None:
    business = listed(terms, keep_local=True)
    buy(client, business, alice, 100)
    client.transact(business.sale.functions.finalize(), stranger)
    assert business.token.functions.reachedTier().call() == LOCAL
    client.transact(business.token.functions.transfer(bob.address, 10), alice)
    with reverts("ShareTokenReceiverNotAllowed", carol.address, COUNTRY, LOCAL):
        client.transact(business.token.functions.transfer(carol.address, 1), alice)
    with reverts("ShareTokenReceiverNotAllowed", stranger.address, WORLD, LOCAL):
        client.transact(business.token.functions.transfer(stranger.address, 1), alice)


def test_keep_local_after_country_close_admits_residents_not_the_world(
    client: ChainClient,
    listed: Any,
    terms: SaleTerms,
    alice: LocalAccount,
    carol: LocalAccount,
    stranger: LocalAccount,
) -> None:
    business = listed(terms, keep_local=True)
    buy(client, business, alice, 30)
    advance_time(client, DAY)
    buy(client, business, carol, 70)
    client.transact(business.sale.functions.finalize(), stranger)
    assert business.token.functions.reachedTier().call() == COUNTRY
    client.transact(business.token.functions.transfer(carol.address, 5), alice)
    with reverts("ShareTokenReceiverNotAllowed", stranger.address, WORLD, COUNTRY):
        client.transact(business.token.functions.transfer(stranger.address, 1), carol)


def test_open_policy_lets_shares_go_anywhere_after_success(
    client: ChainClient, listed: Any, terms: SaleTerms, alice: LocalAccount, stranger: LocalAccount
) -> None:
    business = listed(terms)
    buy(client, business, alice, 60)
    advance_time(client, 3 * DAY)
    assert phase(business) == SUCCEEDED
    client.transact(business.sale.functions.finalize(), stranger)
    assert business.token.functions.reachedTier().call() == WORLD
    client.transact(business.token.functions.transfer(stranger.address, 60), alice)
    assert business.token.functions.balanceOf(stranger.address).call() == 60


@pytest.mark.parametrize("function", ["mint", "burnAll", "unlock"])
def test_only_the_sale_mints_burns_and_unlocks(
    client: ChainClient, listed: Any, terms: SaleTerms, stranger: LocalAccount, function: str
) -> None:
    business = listed(terms)
    call = {
        "mint": business.token.functions.mint(stranger.address, 1),
        "burnAll": business.token.functions.burnAll(stranger.address),
        "unlock": business.token.functions.unlock(0),
    }[function]
    with reverts("ShareTokenOnlySale", stranger.address):
        client.transact(call, stranger)


# ── failure and refunds ──


def test_failed_sale_refunds_every_buyer_in_full_once(
    client: ChainClient,
    listed: Any,
    terms: SaleTerms,
    alice: LocalAccount,
    carol: LocalAccount,
    stranger: LocalAccount,
    treasury: LocalAccount,
) -> None:
    business = listed(terms)
    buy(client, business, alice, 20)
    with reverts("ShareSaleNotFailed", LOCAL_PHASE):
        client.transact(business.sale.functions.refund(), alice)
    advance_time(client, DAY)
    buy(client, business, carol, 10)
    advance_time(client, 2 * DAY)
    assert phase(business) == FAILED
    treasury_before = client.balance(treasury.address)
    receipt = client.transact(business.sale.functions.refund(), alice)  # before finalize: allowed
    assert events(receipt, business.sale, "Refunded") == [{"buyer": alice.address, "shares": 20, "amount": 20 * PRICE}]
    assert business.token.functions.balanceOf(alice.address).call() == 0
    with reverts("ShareSaleNothingToRefund", alice.address):
        client.transact(business.sale.functions.refund(), alice)
    receipt = client.transact(business.sale.functions.finalize(), stranger)
    assert events(receipt, business.sale, "SaleFinalized")[0]["succeeded"] is False
    client.transact(business.sale.functions.refund(), carol)  # after finalize: allowed
    assert client.balance(business.sale.address) == 0
    assert business.token.functions.totalSupply().call() == 0
    assert client.balance(treasury.address) == treasury_before
    assert not business.token.functions.transferable().call()


def test_refund_returns_exactly_what_was_paid_net_of_gas(
    client: ChainClient, listed: Any, terms: SaleTerms, alice: LocalAccount
) -> None:
    business = listed(terms)
    before = client.balance(alice.address)
    r1 = buy(client, business, alice, 7)
    advance_time(client, 3 * DAY)
    r2 = client.transact(business.sale.functions.refund(), alice)
    gas = sum(r["gasUsed"] * r["effectiveGasPrice"] for r in (r1, r2))
    assert client.balance(alice.address) == before - gas


def test_reentrant_buyer_gets_nothing_extra_on_refund(
    client: ChainClient, listed: Any, terms: SaleTerms, ost_office: LocalAccount, stranger: LocalAccount
) -> None:
    business = listed(replace(terms, local_duration=1, country_duration=1, world_duration=DAY))
    attacker, _ = client.deploy("ReentrantBuyer", business.sale.address, sender=stranger)
    advance_time(client, 2)
    client.transact(attacker.functions.buy(5), stranger, value=5 * PRICE)
    other = buy(client, business, stranger, 5)
    assert other["status"] == 1
    advance_time(client, DAY)
    client.transact(attacker.functions.refund(), stranger)
    assert attacker.functions.reentryAttempts().call() == 1
    assert attacker.functions.reentrySucceeded().call() is False
    assert client.balance(attacker.address) == 5 * PRICE
    assert client.balance(business.sale.address) == 5 * PRICE  # the other buyer's escrow is intact


# ── an ERC-20 stablecoin with 6 decimals ──


def test_stablecoin_sale_escrows_and_releases_exact_amounts(
    client: ChainClient,
    listed: Any,
    terms: SaleTerms,
    stablecoin: Contract,
    alice: LocalAccount,
    bob: LocalAccount,
    treasury: LocalAccount,
    stranger: LocalAccount,
) -> None:
    price = 2_500_000  # 2.50 with 6 decimals
    business = listed(replace(terms, price=price, payment_asset=stablecoin.address))
    coin = stablecoin.functions
    for buyer, shares in ((alice, 33), (bob, 67)):
        client.transact(coin.mint(buyer.address, shares * price), buyer)
        client.transact(coin.approve(business.sale.address, shares * price), buyer)
    with reverts("ShareSaleWrongPayment", 0, 1):
        client.transact(business.sale.functions.buy(1), alice, value=1)
    client.transact(business.sale.functions.buy(33), alice)
    client.transact(business.sale.functions.buy(67), bob)
    assert coin.balanceOf(business.sale.address).call() == 100 * price
    client.transact(business.sale.functions.finalize(), stranger)
    assert coin.balanceOf(treasury.address).call() == 250_000_000
    assert coin.balanceOf(business.sale.address).call() == 0


def test_stablecoin_sale_refunds_exact_amounts(
    client: ChainClient, listed: Any, terms: SaleTerms, stablecoin: Contract, alice: LocalAccount
) -> None:
    price = 1_000_001
    business = listed(replace(terms, price=price, payment_asset=stablecoin.address))
    coin = stablecoin.functions
    client.transact(coin.mint(alice.address, 10 * price), alice)
    client.transact(coin.approve(business.sale.address, 10 * price), alice)
    with reverts("ERC20InsufficientAllowance", business.sale.address, 10 * price, 11 * price):
        client.transact(business.sale.functions.buy(11), alice)
    client.transact(business.sale.functions.buy(10), alice)
    advance_time(client, 3 * DAY)
    client.transact(business.sale.functions.refund(), alice)
    assert coin.balanceOf(alice.address).call() == 10 * price
    assert coin.balanceOf(business.sale.address).call() == 0


def test_a_payment_token_that_takes_a_fee_is_refused_so_every_refund_stays_whole(
    client: ChainClient,
    factory: Contract,
    ambassador: LocalAccount,
    alice: LocalAccount,
    treasury: LocalAccount,
    ost_office: LocalAccount,
) -> None:
    """A fee-on-transfer token delivers less than the price: the escrow would owe more than it holds, a sold-out
    sale could never be settled and the last refunders would get nothing. A purchase that does not deliver the
    full cost is refused (issue 15 #9)."""
    coin, _ = client.deploy("FeeToken", sender=ost_office)
    terms = SaleTerms(
        price=10**6,
        shares_offered=10,
        min_shares=5,
        start=now(client),
        local_duration=DAY,
        treasury=treasury.address,
        payment_asset=coin.address,
    )
    business = list_business(client, factory, ambassador, name="Fee", symbol="FEE", terms=terms)
    client.transact(coin.functions.mint(alice.address, 10 * 10**6), alice)
    client.transact(coin.functions.approve(business.sale.address, 10 * 10**6), alice)
    with reverts("ShareSaleShortPayment", 3 * 10**6, 3 * 10**6 - 3 * 10**4):
        client.transact(business.sale.functions.buy(3), alice)
    assert business.token.functions.balanceOf(alice.address).call() == 0
    assert coin.functions.balanceOf(business.sale.address).call() == 0


def test_a_listing_s_documents_are_published_by_the_town_ambassador_in_versions(
    client: ChainClient, listed: Any, terms: SaleTerms, factory: Contract, ambassador: LocalAccount
) -> None:
    business = listed(terms)
    fns = factory.functions
    assert tuple(fns.document(business.business_id, 0).call()) == (b"\x00" * 32, 0, "")
    with reverts("BusinessFactoryEmptyDocument"):
        client.transact(fns.publishDocument(business.business_id, 0, b"\x00" * 32, "ipfs://x"), ambassador)
    with reverts("BusinessFactoryUnknownBusiness", 99):
        client.transact(fns.publishDocument(99, 0, b"\x01" * 32, "ipfs://x"), ambassador)
    for version, digest in ((1, b"\x01" * 32), (2, b"\x02" * 32)):
        receipt = client.transact(
            fns.publishDocument(business.business_id, 0, digest, f"ipfs://v{version}"), ambassador
        )
        (event,) = events(receipt, factory, "DocumentPublished")
        assert (event["version"], event["contentHash"], event["uri"]) == (version, digest, f"ipfs://v{version}")
    assert tuple(fns.document(business.business_id, 0).call()) == (b"\x02" * 32, 2, "ipfs://v2")
    assert fns.document(business.business_id, 1).call()[1] == 0  # the investor pack: none yet

"""ProfitDistributor: equal split among members over their membership periods, carried remainders,
held profit, several assets, the investor part, claims and their safety."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from web3.contract import Contract

from ost_chain.client import ChainClient
from ost_chain.enums import NATIVE
from ost_chain.terms import SaleTerms
from tests.helpers import events, now, reverts
from tests.towns import Business, CoreTown, list_business

DAY = 86_400
PRICE = 10**15


def others(count: int, label: str = "member") -> list[str]:
    return [to_checksum_address(keccak(f"{label}/{i}".encode())[12:]) for i in range(count)]


@pytest.fixture
def business(client: ChainClient, factory: Contract, ambassador: LocalAccount, treasury: LocalAccount) -> Business:
    """Business 0: ten shares at PRICE, one needed to succeed, a day of local phase."""
    terms = SaleTerms(
        price=PRICE, shares_offered=10, min_shares=1, start=now(client), local_duration=DAY, treasury=treasury.address
    )
    return list_business(client, factory, ambassador, name="Bakery", symbol="BAKE", terms=terms)


def deposit(
    client: ChainClient, dist: Contract, sender: LocalAccount, amount: int, asset: str = NATIVE, business_id: int = 0
) -> Any:
    value = amount if asset == NATIVE else 0
    return client.transact(dist.functions.deposit(business_id, asset, amount), sender, value=value)


def claimable(dist: Contract, who: str, asset: str = NATIVE) -> int:
    return dist.get_function_by_signature("claimable(address,address)")(who, asset).call()


def claim(client: ChainClient, dist: Contract, who: LocalAccount, asset: str = NATIVE) -> Any:
    return client.transact(dist.get_function_by_signature("claim(address)")(asset), who)


def paid_by(client: ChainClient, receipt: Any) -> int:
    """Gas paid by a transaction's sender, in wei."""
    return receipt["gasUsed"] * receipt["effectiveGasPrice"]


def test_seven_members_share_100_wei_exactly_and_the_remainder_carries(
    client: ChainClient,
    town: CoreTown,
    distributor: Contract,
    business: Business,
    ambassador: LocalAccount,
    treasury: LocalAccount,
    alice: LocalAccount,
) -> None:
    five = others(5)
    client.transact(town.registry.functions.addMembers(five), ambassador)
    receipt = deposit(client, distributor, treasury, 100)
    (event,) = events(receipt, distributor, "ProfitDeposited")
    assert (event["memberCount"], event["perMember"], event["carried"], event["toInvestors"]) == (7, 14, 2, 0)
    assert claimable(distributor, five[0]) == 14 and claimable(distributor, alice.address) == 14
    deposit(client, distributor, treasury, 100)  # 100 + 2 carried = 7 * 14 + 4
    assert distributor.functions.pool(NATIVE).call() == [28, 4, 200]
    assert all(claimable(distributor, m) == 28 for m in five)
    assert 7 * 28 + 4 == 200 and client.balance(distributor.address) == 200


def test_a_later_member_gets_nothing_of_earlier_deposits_and_a_leaver_keeps_what_accrued(
    client: ChainClient,
    town: CoreTown,
    distributor: Contract,
    business: Business,
    ambassador: LocalAccount,
    treasury: LocalAccount,
    alice: LocalAccount,
    bob: LocalAccount,
    carol: LocalAccount,
) -> None:
    reg = town.registry.functions
    deposit(client, distributor, treasury, 1_000)  # alice, bob: 500 each
    client.transact(reg.addMember(carol.address), ambassador)
    deposit(client, distributor, treasury, 900)  # alice, bob, carol: 300 each
    client.transact(reg.removeMember(bob.address), ambassador)
    deposit(client, distributor, treasury, 400)  # alice, carol: 200 each
    assert claimable(distributor, alice.address) == 1_000
    assert claimable(distributor, bob.address) == 800
    assert claimable(distributor, carol.address) == 500
    before = client.balance(bob.address)
    receipt = claim(client, distributor, bob)
    assert client.balance(bob.address) == before + 800 - paid_by(client, receipt)
    assert events(receipt, distributor, "ProfitClaimed") == [{"member": bob.address, "asset": NATIVE, "amount": 800}]
    assert claimable(distributor, bob.address) == 0


def test_a_member_removed_and_re_added_accrues_only_while_a_member(
    client: ChainClient,
    town: CoreTown,
    distributor: Contract,
    business: Business,
    ambassador: LocalAccount,
    treasury: LocalAccount,
    bob: LocalAccount,
) -> None:
    reg = town.registry.functions
    deposit(client, distributor, treasury, 100)  # bob 50
    client.transact(reg.removeMember(bob.address), ambassador)
    deposit(client, distributor, treasury, 100)  # alice alone: 100
    client.transact(reg.addMember(bob.address), ambassador)
    deposit(client, distributor, treasury, 100)  # bob 50
    client.transact(reg.removeMember(bob.address), ambassador)
    client.transact(reg.addMember(bob.address), ambassador)
    deposit(client, distributor, treasury, 100)  # bob 50
    assert reg.membership(bob.address).call() == [True, 5, 2]
    assert reg.pastMembership(bob.address, 0).call() == [1, 2]
    assert claimable(distributor, bob.address) == 150
    claim(client, distributor, bob)
    deposit(client, distributor, treasury, 100)
    assert claimable(distributor, bob.address) == 50


def test_non_member_has_nothing_to_claim(
    client: ChainClient, distributor: Contract, business: Business, treasury: LocalAccount, stranger: LocalAccount
) -> None:
    deposit(client, distributor, treasury, 100)
    assert claimable(distributor, stranger.address) == 0
    with reverts("ProfitDistributorNothingToClaim", stranger.address, NATIVE):
        claim(client, distributor, stranger)


def test_profit_deposited_with_no_member_is_held_until_there_is_one(
    client: ChainClient,
    town: CoreTown,
    distributor: Contract,
    business: Business,
    ambassador: LocalAccount,
    treasury: LocalAccount,
    alice: LocalAccount,
    bob: LocalAccount,
    carol: LocalAccount,
    stranger: LocalAccount,
) -> None:
    reg = town.registry.functions
    for member in (alice, bob):
        client.transact(reg.removeMember(member.address), ambassador)
    receipt = deposit(client, distributor, treasury, 1_001)
    (event,) = events(receipt, distributor, "ProfitDeposited")
    assert (event["memberCount"], event["perMember"], event["carried"]) == (0, 0, 1_001)
    assert claimable(distributor, alice.address) == 0
    client.transact(reg.addMembers([carol.address, stranger.address]), ambassador)
    receipt = client.transact(distributor.functions.distributeHeld(NATIVE), stranger)
    (event,) = events(receipt, distributor, "HeldProfitDistributed")
    assert (event["memberCount"], event["perMember"], event["carried"]) == (2, 500, 1)
    assert claimable(distributor, carol.address) == claimable(distributor, stranger.address) == 500
    assert claimable(distributor, alice.address) == 0  # alice left before the profit was split
    deposit(client, distributor, treasury, 1)  # 1 + 1 carried
    assert claimable(distributor, carol.address) == 501 and distributor.functions.pool(NATIVE).call()[1] == 0


def test_native_coin_and_stablecoin_are_accounted_separately(
    client: ChainClient,
    distributor: Contract,
    business: Business,
    stablecoin: Contract,
    ambassador: LocalAccount,
    treasury: LocalAccount,
    alice: LocalAccount,
    bob: LocalAccount,
) -> None:
    coin = stablecoin.address
    client.transact(distributor.functions.setAcceptedAsset(coin, True), ambassador)
    client.transact(stablecoin.functions.mint(treasury.address, 3_000_001), treasury)
    client.transact(stablecoin.functions.approve(distributor.address, 3_000_001), treasury)
    deposit(client, distributor, treasury, 3_000_001, asset=coin)
    deposit(client, distributor, treasury, 10**18)
    assert claimable(distributor, alice.address, coin) == 1_500_000
    assert claimable(distributor, alice.address) == 5 * 10**17
    claim(client, distributor, alice, coin)
    assert stablecoin.functions.balanceOf(alice.address).call() == 1_500_000
    assert claimable(distributor, alice.address, coin) == 0
    assert claimable(distributor, alice.address) == 5 * 10**17  # the native part is untouched
    assert distributor.functions.pool(coin).call() == [1_500_000, 1, 3_000_001]
    assert distributor.functions.claimed(alice.address, coin).call() == 1_500_000
    assert claimable(distributor, bob.address, coin) == 1_500_000


def test_investor_part_goes_pro_rata_and_a_later_transfer_does_not_move_it(
    client: ChainClient,
    distributor: Contract,
    business: Business,
    ambassador: LocalAccount,
    treasury: LocalAccount,
    alice: LocalAccount,
    bob: LocalAccount,
    stranger: LocalAccount,
) -> None:
    client.transact(business.sale.functions.buy(7), alice, value=7 * PRICE)
    client.transact(business.sale.functions.buy(3), bob, value=3 * PRICE)  # sold out: succeeded
    client.transact(business.sale.functions.finalize(), stranger)
    receipt = client.transact(distributor.functions.setInvestorShare(0, 4_000), ambassador)
    assert events(receipt, distributor, "InvestorShareSet") == [
        {"businessId": 0, "basisPoints": 4_000, "townAmbassador": ambassador.address}
    ]
    receipt = deposit(client, distributor, treasury, 1_005)  # 402 to investors (40.2 a share), 603 to 2 members
    (event,) = events(receipt, distributor, "ProfitDeposited")
    assert (event["toInvestors"], event["perMember"], event["carried"]) == (402, 301, 1)
    as_investor = distributor.functions.claimableAsInvestor
    assert as_investor(0, alice.address, NATIVE).call() == 7 * 40
    assert as_investor(0, bob.address, NATIVE).call() == 3 * 40
    client.transact(business.token.functions.transfer(bob.address, 5), alice)  # alice 2, bob 8
    assert as_investor(0, alice.address, NATIVE).call() == 280 and as_investor(0, bob.address, NATIVE).call() == 120
    deposit(client, distributor, treasury, 1_000)  # 400 + 2 carried = 40.2 a share again: 2 carried
    assert as_investor(0, alice.address, NATIVE).call() == 280 + 2 * 40
    assert as_investor(0, bob.address, NATIVE).call() == 120 + 8 * 40
    before = client.balance(alice.address)
    receipt = client.transact(distributor.functions.claimAsInvestor(0, NATIVE), alice)
    assert client.balance(alice.address) == before + 360 - paid_by(client, receipt)
    assert as_investor(0, alice.address, NATIVE).call() == 0
    with reverts("ProfitDistributorNothingToClaim", alice.address, NATIVE):
        client.transact(distributor.functions.claimAsInvestor(0, NATIVE), alice)
    # Members' part: alice and bob are members too, 301 + 300 each.
    assert claimable(distributor, alice.address) == 601


def test_investor_part_waits_for_a_succeeded_sale(
    client: ChainClient,
    distributor: Contract,
    business: Business,
    ambassador: LocalAccount,
    treasury: LocalAccount,
    alice: LocalAccount,
) -> None:
    client.transact(business.sale.functions.buy(4), alice, value=4 * PRICE)  # the sale is still open
    client.transact(distributor.functions.setInvestorShare(0, 10_000), ambassador)
    receipt = deposit(client, distributor, treasury, 100)
    (event,) = events(receipt, distributor, "ProfitDeposited")
    assert event["toInvestors"] == 0 and event["perMember"] == 50


def test_reentrant_claimant_gets_nothing_extra(
    client: ChainClient,
    town: CoreTown,
    distributor: Contract,
    business: Business,
    ambassador: LocalAccount,
    treasury: LocalAccount,
    stranger: LocalAccount,
) -> None:
    attacker, _ = client.deploy("ReentrantClaimer", distributor.address, sender=stranger)
    client.transact(town.registry.functions.addMember(attacker.address), ambassador)
    deposit(client, distributor, treasury, 300)  # three members: 100 each
    client.transact(attacker.functions.claim(), stranger)
    assert attacker.functions.reentryAttempts().call() == 1
    assert attacker.functions.reentrySucceeded().call() is False
    assert client.balance(attacker.address) == 100
    assert client.balance(distributor.address) == 200


@pytest.mark.parametrize("caller", ["ost_office", "country_ambassador", "coordinator", "alice", "stranger"])
def test_investor_share_is_the_town_ambassadors_alone(
    client: ChainClient,
    distributor: Contract,
    business: Business,
    town: CoreTown,
    request: pytest.FixtureRequest,
    caller: str,
) -> None:
    account = request.getfixturevalue(caller)
    with reverts("AccessControlUnauthorizedAccount", account.address, town.role("TOWN_AMBASSADOR_ROLE")):
        client.transact(distributor.functions.setInvestorShare(0, 100), account)


def test_bad_deposits_and_settings_are_refused(
    client: ChainClient,
    distributor: Contract,
    business: Business,
    ambassador: LocalAccount,
    treasury: LocalAccount,
    stablecoin: Contract,
) -> None:
    with reverts("ProfitDistributorZeroAmount"):
        deposit(client, distributor, treasury, 0)
    with reverts("ProfitDistributorUnknownBusiness", 1):
        deposit(client, distributor, treasury, 100, business_id=1)
    with reverts("ProfitDistributorWrongValue", 100, 99):
        client.transact(distributor.functions.deposit(0, NATIVE, 100), treasury, value=99)
    client.transact(distributor.functions.setAcceptedAsset(stablecoin.address, True), ambassador)
    with reverts("ProfitDistributorWrongValue", 0, 1):
        client.transact(distributor.functions.deposit(0, stablecoin.address, 100), treasury, value=1)
    with reverts("ProfitDistributorInvalidShare", 10_001):
        client.transact(distributor.functions.setInvestorShare(0, 10_001), ambassador)
    with reverts("ProfitDistributorUnknownBusiness", 7):
        client.transact(distributor.functions.setInvestorShare(7, 100), ambassador)
    assert client.balance(distributor.address) == 0


def test_the_distributor_is_the_towns_own_clone(client: ChainClient, town: CoreTown, distributor: Contract) -> None:
    assert town.registry.functions.profitDistributor().call() == distributor.address
    assert distributor.functions.registry().call() == town.registry.address
    assert distributor.functions.factory().call() == town.factory.address
    implementation = client.at("ProfitDistributor", town.network.functions.implementations().call()[2])
    with reverts("ProfitDistributorNoCode", "0x" + "00" * 20):
        client.call(implementation.functions.registry())


def test_a_transfer_reported_by_a_stranger_changes_nothing(
    client: ChainClient,
    distributor: Contract,
    business: Business,
    ambassador: LocalAccount,
    treasury: LocalAccount,
    alice: LocalAccount,
    stranger: LocalAccount,
) -> None:
    client.transact(business.sale.functions.buy(10), alice, value=10 * PRICE)
    client.transact(business.sale.functions.finalize(), stranger)
    client.transact(distributor.functions.setInvestorShare(0, 10_000), ambassador)
    deposit(client, distributor, treasury, 1_000)
    client.transact(distributor.functions.onSharesTransferred(alice.address, stranger.address, 10), stranger)
    assert distributor.functions.claimableAsInvestor(0, alice.address, NATIVE).call() == 1_000
    assert distributor.functions.claimableAsInvestor(0, stranger.address, NATIVE).call() == 0


def test_investor_assets_are_capped(
    client: ChainClient,
    distributor: Contract,
    business: Business,
    ambassador: LocalAccount,
    treasury: LocalAccount,
    alice: LocalAccount,
    stranger: LocalAccount,
) -> None:
    """Every share transfer walks a business's investor books, so their number is bounded: four assets."""
    client.transact(business.sale.functions.buy(10), alice, value=10 * PRICE)  # sold out: succeeded
    client.transact(business.sale.functions.finalize(), stranger)
    client.transact(distributor.functions.setInvestorShare(0, 5_000), ambassador)
    coins = [client.deploy("TestStablecoin", sender=treasury)[0] for _ in range(5)]
    for coin in coins:
        client.transact(distributor.functions.setAcceptedAsset(coin.address, True), ambassador)
        client.transact(coin.functions.mint(treasury.address, 2_000), treasury)
        client.transact(coin.functions.approve(distributor.address, 2_000), treasury)
    deposit(client, distributor, treasury, 1_000)  # the native coin: the first investor asset
    for coin in coins[:3]:
        deposit(client, distributor, treasury, 1_000, asset=coin.address)
    assert distributor.functions.claimableAsInvestor(0, alice.address, coins[2].address).call() == 500
    with reverts("ProfitDistributorTooManyInvestorAssets", 0, 4):
        deposit(client, distributor, treasury, 1_000, asset=coins[3].address)
    deposit(client, distributor, treasury, 1_000, asset=coins[0].address)  # a known asset is still welcome


# ── attacks from the outside review (issue 15 #1) ──


def test_a_stranger_cannot_fill_the_asset_list_and_block_every_future_deposit(
    client: ChainClient,
    distributor: Contract,
    business: Business,
    treasury: LocalAccount,
    stranger: LocalAccount,
    alice: LocalAccount,
) -> None:
    """A stranger used to deposit one unit of sixteen worthless tokens, after which no deposit in a new asset — the
    native coin included — could ever be made. Only the business's treasury deposits for it now."""
    junk = [client.deploy("TestStablecoin", sender=stranger)[0] for _ in range(16)]
    for coin in junk:
        client.transact(coin.functions.mint(stranger.address, 1), stranger)
        client.transact(coin.functions.approve(distributor.address, 1), stranger)
        with reverts("ProfitDistributorNotTreasury", 0, stranger.address, treasury.address):
            deposit(client, distributor, stranger, 1, asset=coin.address)
    with reverts("ProfitDistributorNotTreasury", 0, stranger.address, treasury.address):
        deposit(client, distributor, stranger, 1)
    deposit(client, distributor, treasury, 1_000)
    assert claimable(distributor, alice.address) == 500


def test_only_assets_the_town_accepts_are_deposited(
    client: ChainClient,
    distributor: Contract,
    business: Business,
    stablecoin: Contract,
    ambassador: LocalAccount,
    treasury: LocalAccount,
    stranger: LocalAccount,
    alice: LocalAccount,
) -> None:
    coin = stablecoin.address
    client.transact(stablecoin.functions.mint(treasury.address, 1_000), treasury)
    client.transact(stablecoin.functions.approve(distributor.address, 1_000), treasury)
    with reverts("ProfitDistributorAssetNotAccepted", coin):
        deposit(client, distributor, treasury, 1_000, asset=coin)
    with reverts("AccessControlUnauthorizedAccount", stranger.address, keccak(text="TOWN_AMBASSADOR_ROLE")):
        client.transact(distributor.functions.setAcceptedAsset(coin, True), stranger)
    receipt = client.transact(distributor.functions.setAcceptedAsset(coin, True), ambassador)
    assert events(receipt, distributor, "AssetAcceptanceSet") == [
        {"asset": coin, "accepted": True, "by": ambassador.address}
    ]
    assert distributor.functions.isAcceptedAsset(coin).call() and distributor.functions.isAcceptedAsset(NATIVE).call()
    deposit(client, distributor, treasury, 1_000, asset=coin)
    assert claimable(distributor, alice.address, coin) == 500
    client.transact(distributor.functions.setAcceptedAsset(coin, False), ambassador)
    with reverts("ProfitDistributorAssetNotAccepted", coin):
        deposit(client, distributor, treasury, 1, asset=coin)
    assert claimable(distributor, alice.address, coin) == 500  # what was deposited stays claimable


def test_a_huge_investor_deposit_never_freezes_share_transfers(
    client: ChainClient,
    distributor: Contract,
    business: Business,
    stablecoin: Contract,
    ambassador: LocalAccount,
    treasury: LocalAccount,
    alice: LocalAccount,
    bob: LocalAccount,
    stranger: LocalAccount,
) -> None:
    """One deposit of 2**128 - 1 units with an investor part of half used to overflow the int128 books, and every
    large share transfer reverted from then on."""
    client.transact(business.sale.functions.buy(10), alice, value=10 * PRICE)
    client.transact(business.sale.functions.finalize(), stranger)
    client.transact(distributor.functions.setInvestorShare(0, 5_000), ambassador)
    client.transact(distributor.functions.setAcceptedAsset(stablecoin.address, True), ambassador)
    huge = 2**128 - 1
    client.transact(stablecoin.functions.mint(treasury.address, huge), treasury)
    client.transact(stablecoin.functions.approve(distributor.address, huge), treasury)
    deposit(client, distributor, treasury, huge, asset=stablecoin.address)
    client.transact(business.token.functions.transfer(bob.address, 10), alice)
    as_investor = distributor.functions.claimableAsInvestor
    assert as_investor(0, alice.address, stablecoin.address).call() == (huge // 2) // 10 * 10
    assert as_investor(0, bob.address, stablecoin.address).call() == 0

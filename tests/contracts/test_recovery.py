"""Lost wallets: the Town Ambassador proposes and the Country Ambassador confirms moving a member
to a new address — membership with its periods, INF, shares in every business with their investor
accounts, unclaimed profit and refund rights. Nothing is duplicated; one key alone cannot do it;
the old address is refused everywhere afterwards."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3.contract import Contract

from ost_chain.client import ChainClient
from ost_chain.enums import NATIVE
from ost_chain.terms import SaleTerms
from ost_chain.units import ONE_INF
from tests.towns import CoreTown, list_business

from ..helpers import advance_time, events, now, reverts

DAY = 86_400
PRICE = 10**16


@pytest.fixture
def newphone(accounts: tuple[LocalAccount, ...]) -> LocalAccount:
    """alice's new wallet: a fresh address."""
    return accounts[7]


def listing(
    client: ChainClient, factory: Contract, ambassador: LocalAccount, treasury: LocalAccount, symbol: str, minimum: int
) -> Any:
    terms = SaleTerms(
        price=PRICE,
        shares_offered=10,
        min_shares=minimum,
        start=now(client),
        local_duration=DAY,
        treasury=treasury.address,
    )
    return list_business(client, factory, ambassador, name=symbol.title(), symbol=symbol, terms=terms)


def snapshot(client: ChainClient, town: CoreTown, distributor: Contract, businesses: list[Any], who: str) -> dict:
    reg = town.registry.functions
    return {
        "member": reg.isMember(who).call(),
        "membership": tuple(reg.membership(who).call()),
        "inf": town.infinity.functions.balanceOf(who).call(),
        "shares": [b.token.functions.balanceOf(who).call() for b in businesses],
        "claimable": distributor.functions.claimable(who, NATIVE).call(),
        "claimed": distributor.functions.claimed(who, NATIVE).call(),
        "investor": distributor.functions.claimableAsInvestor(0, who, NATIVE).call(),
    }


def test_a_confirmed_recovery_moves_everything_exactly_and_duplicates_nothing(
    client: ChainClient,
    town: CoreTown,
    factory: Contract,
    distributor: Contract,
    ost_office: LocalAccount,
    ambassador: LocalAccount,
    country_ambassador: LocalAccount,
    coordinator: LocalAccount,
    alice: LocalAccount,
    bob: LocalAccount,
    treasury: LocalAccount,
    stranger: LocalAccount,
    newphone: LocalAccount,
) -> None:
    reg, inf = town.registry.functions, town.infinity.functions
    # alice's life so far: a past membership period, INF, shares in a business that succeeded (with an
    # investor part and profit), shares in one that failed (a refund due), a claim already made.
    client.transact(reg.removeMember(alice.address), ambassador)
    client.transact(reg.addMember(alice.address), ambassador)
    client.transact(inf.reward(alice.address, 540, keccak(text="recovery/1"), 1), coordinator)
    bakery, laundry = (listing(client, factory, ambassador, treasury, s, m) for s, m in (("BAKE", 1), ("WASH", 10)))
    client.transact(bakery.sale.functions.buy(6), alice, value=6 * PRICE)
    client.transact(bakery.sale.functions.buy(4), bob, value=4 * PRICE)  # sold out: succeeded
    client.transact(bakery.sale.functions.finalize(), stranger)
    client.transact(laundry.sale.functions.buy(3), alice, value=3 * PRICE)
    client.transact(distributor.functions.setInvestorShare(0, 5_000), ambassador)
    client.transact(distributor.functions.deposit(0, NATIVE, 1_000), treasury, value=1_000)
    client.transact(distributor.functions.claim(NATIVE), alice)
    client.transact(distributor.functions.deposit(0, NATIVE, 2_000), treasury, value=2_000)
    businesses = [bakery, laundry]
    before = snapshot(client, town, distributor, businesses, alice.address)
    supply = inf.totalSupply().call()
    members = reg.memberCount().call()
    assert before["claimable"] > 0 and before["claimed"] > 0 and before["investor"] > 0 and before["inf"] == 3 * ONE_INF

    receipt = client.transact(reg.proposeRecovery(alice.address, newphone.address), ambassador)
    assert events(receipt, town.registry, "RecoveryProposed") == [
        {"lost": alice.address, "replacement": newphone.address, "townAmbassador": ambassador.address}
    ]
    assert reg.recoveryProposal(alice.address).call() == [newphone.address, ambassador.address]
    receipt = client.transact(reg.confirmRecovery(alice.address, newphone.address), country_ambassador)
    confirmed = {
        "lost": alice.address,
        "replacement": newphone.address,
        "countryAmbassador": country_ambassador.address,
    }
    assert events(receipt, town.registry, "RecoveryConfirmed") == [confirmed]
    assert reg.recoveredTo(alice.address).call() == newphone.address
    assert client.call(inf.recover(alice.address)) == 3 * ONE_INF
    client.transact(inf.recover(alice.address), stranger)  # anyone may sweep
    for business in businesses:
        client.transact(business.token.functions.recover(alice.address), stranger)

    after_old = snapshot(client, town, distributor, businesses, alice.address)
    after_new = snapshot(client, town, distributor, businesses, newphone.address)
    assert after_new["membership"] == before["membership"] and after_new["member"] is True
    assert {k: after_new[k] for k in ("inf", "shares", "claimable", "claimed", "investor")} == {
        k: before[k] for k in ("inf", "shares", "claimable", "claimed", "investor")
    }
    assert after_old == {
        "member": False,
        "membership": (False, 0, 0),
        "inf": 0,
        "shares": [0, 0],
        "claimable": 0,
        "claimed": 0,
        "investor": 0,
    }
    assert inf.totalSupply().call() == supply and reg.memberCount().call() == members
    # What the new address can do with it, exactly once: claim, claim as investor, take the refund.
    paid = client.balance(newphone.address)
    claim_receipt = client.transact(distributor.functions.claim(NATIVE), newphone)
    investor_receipt = client.transact(distributor.functions.claimAsInvestor(0, NATIVE), newphone)
    advance_time(client, DAY + 1)  # the laundry's only phase ends short of its minimum: failed
    refund_receipt = client.transact(laundry.sale.functions.refund(), newphone)
    gas = sum(r["gasUsed"] * r["effectiveGasPrice"] for r in (claim_receipt, investor_receipt, refund_receipt))
    assert client.balance(newphone.address) == paid + before["claimable"] + before["investor"] + 3 * PRICE - gas
    with reverts("ProfitDistributorNothingToClaim", newphone.address, NATIVE):
        client.transact(distributor.functions.claim(NATIVE), newphone)


def test_one_key_alone_cannot_move_a_member(
    client: ChainClient,
    town: CoreTown,
    ost_office: LocalAccount,
    ambassador: LocalAccount,
    country_ambassador: LocalAccount,
    alice: LocalAccount,
    newphone: LocalAccount,
    stranger: LocalAccount,
) -> None:
    reg = town.registry.functions
    with reverts("TownRegistryNoRecoveryProposed", alice.address, newphone.address):
        client.transact(reg.confirmRecovery(alice.address, newphone.address), country_ambassador)
    with reverts("AccessControlUnauthorizedAccount", country_ambassador.address, keccak(text="TOWN_AMBASSADOR_ROLE")):
        client.transact(reg.proposeRecovery(alice.address, newphone.address), country_ambassador)
    client.transact(reg.proposeRecovery(alice.address, newphone.address), ambassador)
    with reverts("AccessControlUnauthorizedAccount", ambassador.address, keccak(text="COUNTRY_AMBASSADOR_ROLE")):
        client.transact(reg.confirmRecovery(alice.address, newphone.address), ambassador)
    # Even one person holding both roles cannot do both steps.
    client.transact(town.network.functions.appointCountryAmbassador(b"ZA", ambassador.address), ost_office)
    with reverts("TownRegistryRecoveryNeedsTwoKeys", ambassador.address):
        client.transact(reg.confirmRecovery(alice.address, newphone.address), ambassador)
    client.transact(town.network.functions.appointCountryAmbassador(b"ZA", country_ambassador.address), ost_office)
    with reverts("TownRegistryNoRecoveryProposed", alice.address, stranger.address):  # only what was proposed
        client.transact(reg.confirmRecovery(alice.address, stranger.address), country_ambassador)
    assert reg.recoveredTo(alice.address).call() == "0x" + "00" * 20 and reg.isMember(alice.address).call()


def test_the_replacement_must_be_fresh_and_the_lost_address_a_member(
    client: ChainClient,
    town: CoreTown,
    ambassador: LocalAccount,
    alice: LocalAccount,
    bob: LocalAccount,
    stranger: LocalAccount,
    newphone: LocalAccount,
) -> None:
    reg = town.registry.functions
    with reverts("TownRegistryReplacementNotFresh", bob.address):
        client.transact(reg.proposeRecovery(alice.address, bob.address), ambassador)
    with reverts("TownRegistryNotMember", stranger.address):
        client.transact(reg.proposeRecovery(stranger.address, newphone.address), ambassador)


def test_a_recovered_address_is_refused_everywhere(
    client: ChainClient,
    town: CoreTown,
    factory: Contract,
    distributor: Contract,
    ambassador: LocalAccount,
    country_ambassador: LocalAccount,
    coordinator: LocalAccount,
    alice: LocalAccount,
    bob: LocalAccount,
    treasury: LocalAccount,
    stranger: LocalAccount,
    newphone: LocalAccount,
    accounts: tuple[LocalAccount, ...],
) -> None:
    reg, inf = town.registry.functions, town.infinity.functions
    client.transact(inf.reward(alice.address, 180, keccak(text="recovery/2"), 1), coordinator)
    bakery = listing(client, factory, ambassador, treasury, "BAKE", 1)
    client.transact(bakery.sale.functions.buy(10), alice, value=10 * PRICE)
    client.transact(bakery.sale.functions.finalize(), stranger)
    client.transact(reg.proposeRecovery(alice.address, newphone.address), ambassador)
    client.transact(reg.confirmRecovery(alice.address, newphone.address), country_ambassador)
    lost = alice.address
    # Before anyone sweeps, the thief holding the old key can move nothing.
    with reverts("InfinityTokenRecoveredAccount", lost):
        client.transact(inf.transfer(stranger.address, 1), alice)
    with reverts("ShareTokenRecoveredAccount", lost):
        client.transact(bakery.token.functions.transfer(stranger.address, 1), alice)
    with reverts("ProfitDistributorRecoveredAccount", lost):
        client.transact(distributor.functions.claimAsInvestor(0, NATIVE), alice)
    with reverts("TownRegistryRecoveredAccount", lost):
        client.transact(reg.addMember(lost), ambassador)
    with reverts("OstNetworkRecoveredAccount", lost):  # a lost key is never verified again, in any town
        client.transact(town.network.functions.setCountryResident(b"ZA", lost, True), country_ambassador)
    with reverts("TownRegistryRecoveredAccount", lost):
        client.transact(reg.proposeRecovery(lost, accounts[10].address), ambassador)
    with reverts("TownRegistryRecoveredAccount", lost):
        client.call(reg.tierOf(lost))
    with reverts("InfinityTokenNotMember", lost):
        client.transact(inf.reward(lost, 180, keccak(text="recovery/3"), 1), coordinator)
    later = listing(client, factory, ambassador, treasury, "LATE", 1)
    with reverts("TownRegistryRecoveredAccount", lost):
        client.transact(later.sale.functions.buy(1), alice, value=PRICE)
    with reverts("InfinityTokenNotRecovered", bob.address):
        client.transact(inf.recover(bob.address), stranger)
    with reverts("ShareTokenNotRecovered", bob.address):
        client.transact(bakery.token.functions.recover(bob.address), stranger)
    # The new address works as alice did.
    client.transact(inf.recover(lost), stranger)
    client.transact(bakery.token.functions.recover(lost), stranger)
    client.transact(inf.transfer(bob.address, 1), newphone)
    client.transact(bakery.token.functions.transfer(bob.address, 1), newphone)
    assert reg.tierOf(newphone.address).call() == 0


def test_the_distributor_hears_of_recoveries_only_from_the_registry(
    client: ChainClient, distributor: Contract, alice: LocalAccount, stranger: LocalAccount
) -> None:
    with reverts("ProfitDistributorOnlyRegistry", stranger.address):
        client.transact(distributor.functions.onMembershipRecovered(alice.address, stranger.address), stranger)


def test_a_new_address_is_no_new_day_for_the_same_member(
    client: ChainClient,
    town: CoreTown,
    ambassador: LocalAccount,
    country_ambassador: LocalAccount,
    coordinator: LocalAccount,
    alice: LocalAccount,
    newphone: LocalAccount,
) -> None:
    """A recovered member used to start a fresh 1,440-minute day at the new address: a full day of shifts could be
    credited twice. The day moves with the member at confirmation (issue 15 #11)."""
    inf, reg = town.infinity.functions, town.registry.functions
    client.transact(inf.reward(alice.address, 1440, keccak(text="day/full"), 1), coordinator)
    client.transact(reg.proposeRecovery(alice.address, newphone.address), ambassador)
    receipt = client.transact(reg.confirmRecovery(alice.address, newphone.address), country_ambassador)
    assert events(receipt, town.infinity, "MemberDayMoved") == [
        {"lost": alice.address, "replacement": newphone.address, "creditedMinutes": 1440}
    ]
    with reverts("InfinityTokenMemberDayExceeded", newphone.address, 1440, 180):
        client.transact(inf.reward(newphone.address, 180, keccak(text="day/again"), 1), coordinator)
    assert inf.minutesCreditedToday(newphone.address).call() == 1440


def test_only_the_registry_reports_a_recovery_to_the_token(
    client: ChainClient, town: CoreTown, alice: LocalAccount, stranger: LocalAccount
) -> None:
    with reverts("InfinityTokenOnlyRegistry", stranger.address):
        client.transact(town.infinity.functions.onMembershipRecovered(alice.address, stranger.address), stranger)


def test_a_recovery_does_not_renew_the_per_buyer_maximum(
    client: ChainClient,
    town: CoreTown,
    factory: Contract,
    ambassador: LocalAccount,
    country_ambassador: LocalAccount,
    alice: LocalAccount,
    treasury: LocalAccount,
    stranger: LocalAccount,
    newphone: LocalAccount,
    accounts: tuple[LocalAccount, ...],
) -> None:
    """Before the old address's shares are swept, the replacement may buy only what the maximum leaves: the lost
    address's holdings count, through every recovery of the same member (issue 15 #11)."""
    reg = town.registry.functions
    terms = SaleTerms(
        price=PRICE,
        shares_offered=100,
        min_shares=1,
        max_per_buyer=5,
        start=now(client),
        local_duration=DAY,
        treasury=treasury.address,
    )
    bakery = list_business(client, factory, ambassador, name="Capped", symbol="CAP", terms=terms)
    sale = bakery.sale.functions
    client.transact(sale.buy(4), alice, value=4 * PRICE)
    client.transact(reg.proposeRecovery(alice.address, newphone.address), ambassador)
    client.transact(reg.confirmRecovery(alice.address, newphone.address), country_ambassador)
    assert reg.predecessorOf(newphone.address).call() == alice.address
    assert sale.eligibility(newphone.address).call()[1] == 1  # 5 less the 4 still at the lost address
    with reverts("ShareSaleExceedsBuyerCap", newphone.address, 2, 1):
        client.transact(sale.buy(2), newphone, value=2 * PRICE)
    client.transact(sale.buy(1), newphone, value=PRICE)
    # Lost again before anyone swept: the third address is held to the same five, counted back to the first.
    third = accounts[10]
    client.transact(reg.proposeRecovery(newphone.address, third.address), ambassador)
    client.transact(reg.confirmRecovery(newphone.address, third.address), country_ambassador)
    assert sale.eligibility(third.address).call()[1] == 0
    with reverts("ShareSaleNotEligible", third.address, 5):  # Eligibility.CapReached
        client.transact(sale.buy(1), third, value=PRICE)
    client.transact(bakery.token.functions.recover(alice.address), stranger)
    client.transact(bakery.token.functions.recover(newphone.address), stranger)
    assert bakery.token.functions.balanceOf(third.address).call() == 5
    with reverts("ShareSaleNotEligible", third.address, 5):
        client.transact(sale.buy(1), third, value=PRICE)

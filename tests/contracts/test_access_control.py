"""The access-control matrix: every state-changing function of every contract, called by every
role and by a stranger — exactly the intended callers get through, and every other caller is
refused by the access rule itself (not by some later check). Functions open to all by design
(buying, refunds, claims, deposits, `finalize`, the share-bookkeeping hook) have their own tests.

Calls are simulated (`eth_call` from each caller) against one prepared state, so one row tests
the same situation for every caller.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from web3.contract import Contract

from ost_chain.client import ChainClient
from ost_chain.enums import NATIVE
from ost_chain.exceptions import ContractRevert
from ost_chain.terms import SaleTerms
from ost_chain.units import ONE_INF
from tests.towns import CoreTown, deploy_core, list_business

from ..helpers import now, sign_participation

CALLERS = ("office", "country", "ambassador", "coordinator", "member", "stranger", "other")
ACCESS_ERRORS = {
    "AccessControlUnauthorizedAccount",
    "ShareTokenOnlySale",
    "InfinityTokenOnlyRegistry",
    "ProfitDistributorNotTreasury",
    "TownRegistryCountryAmbassadorIsTheNetworks",
    "OstNetworkNotCountryAmbassador",
    "OstNetworkNotATownOf",
    "InvalidInitialization",  # a town is set up once, by the network that made it
}
DAY = 86_400


@pytest.fixture
def callers(
    ost_office: LocalAccount,
    country_ambassador: LocalAccount,
    ambassador: LocalAccount,
    coordinator: LocalAccount,
    alice: LocalAccount,
    stranger: LocalAccount,
    accounts: tuple[LocalAccount, ...],
) -> dict[str, LocalAccount]:
    return {
        "office": ost_office,
        "country": country_ambassador,
        "ambassador": ambassador,
        "coordinator": coordinator,
        "member": alice,
        "stranger": stranger,
        "other": accounts[12],  # the Town Ambassador of another town of the same network and country
    }


@pytest.fixture
def business(client: ChainClient, factory: Contract, ambassador: LocalAccount, treasury: LocalAccount) -> Any:
    terms = SaleTerms(
        price=10**16,
        shares_offered=100,
        min_shares=50,
        start=now(client),
        local_duration=DAY,
        country_duration=DAY,
        world_duration=DAY,
        treasury=treasury.address,
    )
    return list_business(client, factory, ambassador, name="Bakery", symbol="BAKE", terms=terms)


@pytest.fixture
def unlaunched(
    client: ChainClient, town: CoreTown, ost_office: LocalAccount, callers: dict[str, LocalAccount]
) -> CoreTown:
    """A second town of the same network and country, not launched yet, with its own Town Ambassador."""
    return deploy_core(
        client,
        name="Klaarstroom",
        country="ZA",
        ost_office=ost_office,
        town_ambassador=callers["other"].address,
        network=town.network,
    )


def role(name: str) -> bytes:
    return b"\x00" * 32 if name == "DEFAULT_ADMIN_ROLE" else keccak(text=name)


def matrix(
    town: CoreTown,
    distributor: Contract,
    factory: Contract,
    business: Any,
    unlaunched: CoreTown,
    client: ChainClient,
    who: dict[str, LocalAccount],
    stranger: LocalAccount,
) -> list[tuple[str, Callable[[], Any], set[str]]]:
    """(function, call builder, who may call it)."""
    reg, inf, net = town.registry.functions, town.infinity.functions, town.network.functions
    other, other_inf = unlaunched.registry.functions, unlaunched.infinity.functions
    newcomer = stranger.address
    spare = to_checksum_address("0x" + "5a" * 20)  # a fresh address for a second proposal
    alice = who["member"].address
    p = {
        "member": alice,
        "minutesWorked": 180,
        "participationId": keccak(text="matrix/attested"),
        "projectId": 1,
        "coordinator": who["coordinator"].address,
        "deadline": now(client) + 3600,
    }
    signature = sign_participation(client, town.infinity, who["coordinator"], **p)
    terms = SaleTerms(
        price=10**16,
        shares_offered=10,
        min_shares=5,
        start=now(client),
        local_duration=DAY,
        treasury=who["office"].address,
    ).as_tuple()
    token_fns = business.token.functions
    everyone = set(CALLERS)
    return [
        (  # the network appoints a country's ambassador: nobody grants it in a town
            "TownRegistry.grantRole(COUNTRY_AMBASSADOR)",
            lambda: reg.grantRole(role("COUNTRY_AMBASSADOR_ROLE"), newcomer),
            set(),
        ),
        (
            "TownRegistry.grantRole(TOWN_AMBASSADOR)",
            lambda: reg.grantRole(role("TOWN_AMBASSADOR_ROLE"), newcomer),
            {"office"},
        ),
        (
            "TownRegistry.grantRole(COORDINATOR)",
            lambda: reg.grantRole(role("COORDINATOR_ROLE"), newcomer),
            {"ambassador"},
        ),
        (
            "TownRegistry.grantRole(DEFAULT_ADMIN)",
            lambda: reg.grantRole(role("DEFAULT_ADMIN_ROLE"), newcomer),
            {"office"},
        ),
        (
            "TownRegistry.revokeRole(COORDINATOR)",
            lambda: reg.revokeRole(role("COORDINATOR_ROLE"), who["coordinator"].address),
            {"ambassador"},
        ),
        (
            "TownRegistry.revokeRole(TOWN_AMBASSADOR)",
            lambda: reg.revokeRole(role("TOWN_AMBASSADOR_ROLE"), who["ambassador"].address),
            {"office"},
        ),
        ("TownRegistry.addMember", lambda: reg.addMember(newcomer), {"ambassador"}),
        ("TownRegistry.addMembers", lambda: reg.addMembers([newcomer]), {"ambassador"}),
        ("TownRegistry.removeMember", lambda: reg.removeMember(alice), {"ambassador"}),
        ("TownRegistry.proposeRecovery", lambda: reg.proposeRecovery(who["member"].address, spare), {"ambassador"}),
        ("TownRegistry.confirmRecovery", lambda: reg.confirmRecovery(alice, newcomer), {"country"}),
        # The other town: its own Town Ambassador alone, none of this town's roles.
        ("other town: TownRegistry.launch", lambda: other.launch(), {"other"}),
        ("other town: TownRegistry.addMember", lambda: other.addMember(newcomer), {"other"}),
        ("other town: InfinityToken.setProject", lambda: other_inf.setProject(7, ONE_INF, 180, True), {"other"}),
        ("other town: InfinityToken.reward", lambda: other_inf.reward(alice, 180, keccak(text="m/9"), 1), set()),
        (
            "other town: BusinessFactory.listBusiness",
            lambda: unlaunched.factory.functions.listBusiness("Shop", "SHOP", 0, terms),
            {"other"},
        ),
        (
            "other town: TownRegistry.grantRole(COORDINATOR)",
            lambda: other.grantRole(role("COORDINATOR_ROLE"), newcomer),
            {"other"},
        ),
        # The network: the office appoints and creates; a country's ambassador verifies its residents.
        ("OstNetwork.appointCountryAmbassador", lambda: net.appointCountryAmbassador(b"KE", newcomer), {"office"}),
        ("OstNetwork.revokeCountryAmbassador", lambda: net.revokeCountryAmbassador(b"ZA"), {"office"}),
        ("OstNetwork.createTown", lambda: net.createTown("Merweville", b"ZA", newcomer), {"office"}),
        ("OstNetwork.setCountryResident", lambda: net.setCountryResident(b"ZA", newcomer, True), {"country"}),
        ("OstNetwork.setCountryResidents", lambda: net.setCountryResidents(b"ZA", [newcomer], True), {"country"}),
        ("OstNetwork.moveResident", lambda: net.moveResident(b"ZA", alice, newcomer), set()),  # towns' registries
        (
            "TownRegistry.initialize",
            lambda: other.initialize("Taken", newcomer, newcomer, newcomer, newcomer),
            set(),
        ),
        ("InfinityToken.reward", lambda: inf.reward(alice, 180, keccak(text="matrix/1"), 1), {"coordinator"}),
        (
            "InfinityToken.rewardBatch",
            lambda: inf.rewardBatch([(alice, 180, keccak(text="matrix/2"), 1)]),
            {"coordinator"},
        ),
        ("InfinityToken.rewardWithAttestation (relay)", lambda: inf.rewardWithAttestation(p, signature), everyone),
        (
            "InfinityToken.redeemFrom",
            lambda: inf.redeemFrom(alice, ONE_INF, keccak(text="matrix/basket"), "maize"),
            {"coordinator"},
        ),
        ("InfinityToken.setProject", lambda: inf.setProject(7, ONE_INF, 180, True), {"ambassador"}),
        (
            "InfinityToken.setCoordinatorDailyCap",
            lambda: inf.setCoordinatorDailyCap(who["coordinator"].address, ONE_INF),
            {"ambassador"},
        ),
        ("InfinityToken.pause", lambda: inf.pause(), {"office"}),
        # Membership beside each balance is the registry's to tell: no role may set it, not even the office.
        ("InfinityToken.onMembersAdded", lambda: inf.onMembersAdded([newcomer]), set()),
        ("InfinityToken.onMemberRemoved", lambda: inf.onMemberRemoved(alice), set()),
        ("InfinityToken.onMembershipRecovered", lambda: inf.onMembershipRecovered(alice, newcomer), set()),
        (
            "BusinessFactory.listBusiness",
            lambda: factory.functions.listBusiness("Shop", "SHOP", 0, terms),
            {"ambassador"},
        ),
        ("ShareSale.advancePhase", lambda: business.sale.functions.advancePhase(), {"ambassador"}),
        (
            "BusinessFactory.publishDocument",
            lambda: factory.functions.publishDocument(business.business_id, 0, b"\x01" * 32, "ipfs://plan"),
            {"ambassador"},
        ),
        ("TownRegistry.publishTownPlan", lambda: reg.publishTownPlan(b"\x01" * 32, "/v1/documents/01"), {"ambassador"}),
        ("ShareToken.mint", lambda: token_fns.mint(alice, 1), set()),
        ("ShareToken.burnAll", lambda: token_fns.burnAll(alice), set()),
        ("ShareToken.unlock", lambda: token_fns.unlock(0), set()),
        (
            "ProfitDistributor.setInvestorShare",
            lambda: distributor.functions.setInvestorShare(business.business_id, 1_000),
            {"ambassador"},
        ),
        (
            "ProfitDistributor.setAcceptedAsset",
            lambda: distributor.functions.setAcceptedAsset(spare, True),
            {"office", "ambassador"},
        ),
        # Only the business's treasury deposits its profit (here a separate account, none of the callers).
        ("ProfitDistributor.deposit", lambda: distributor.functions.deposit(business.business_id, NATIVE, 1), set()),
    ]


def test_every_privileged_function_admits_exactly_its_roles(
    town: CoreTown,
    distributor: Contract,
    factory: Contract,
    business: Any,
    unlaunched: CoreTown,
    client: ChainClient,
    callers: dict[str, LocalAccount],
    stranger: LocalAccount,
    coordinator: LocalAccount,
) -> None:
    # The state every row is tried in: alice holds INF and lets the coordinator redeem a basket for her.
    inf = town.infinity.functions
    client.transact(inf.reward(callers["member"].address, 360, keccak(text="matrix/setup"), 1), coordinator)
    client.transact(inf.approve(coordinator.address, ONE_INF), callers["member"])
    # ...and the Town Ambassador has proposed moving her to a fresh address, for the Country Ambassador to confirm.
    registry = town.registry.functions
    client.transact(registry.proposeRecovery(callers["member"].address, stranger.address), callers["ambassador"])
    outcome: dict[str, dict[str, str]] = {}
    for name, build, allowed in matrix(town, distributor, factory, business, unlaunched, client, callers, stranger):
        outcome[name] = {}
        for caller in CALLERS:
            try:
                client.call(build(), sender=callers[caller].address)
                outcome[name][caller] = "ok"
            except ContractRevert as exc:
                outcome[name][caller] = exc.error
        admitted = {c for c, result in outcome[name].items() if result == "ok"}
        assert admitted == allowed, f"{name}: admitted {sorted(admitted)}, intended {sorted(allowed)}: {outcome[name]}"
        refused = {outcome[name][c] for c in CALLERS if c not in allowed}
        assert refused <= ACCESS_ERRORS, f"{name}: refused for another reason than access: {outcome[name]}"


def test_unpause_is_the_office_s_alone(town: CoreTown, client: ChainClient, callers: dict[str, LocalAccount]) -> None:
    client.transact(town.infinity.functions.pause(), callers["office"])
    for caller, account in callers.items():
        if caller == "office":
            client.call(town.infinity.functions.unpause(), sender=account.address)
        else:
            with pytest.raises(ContractRevert, match="AccessControlUnauthorizedAccount"):
                client.call(town.infinity.functions.unpause(), sender=account.address)

"""TownRegistry: roles, members, country residents, tiers and the launch gate."""

from __future__ import annotations

import pytest
from eth_account.signers.local import LocalAccount

from ost_chain.client import ChainClient
from tests.helpers import events, reverts
from tests.towns import CoreTown, deploy_core

LOCAL, COUNTRY, WORLD = 0, 1, 2
ZERO = "0x" + "00" * 20


# ── construction ──


def test_constructor_records_town_facts(town: CoreTown) -> None:
    reg = town.registry.functions
    assert reg.name().call() == "Prince Albert"
    assert reg.countryCode().call() == b"ZA"
    assert reg.memberCount().call() == 2
    assert reg.launched().call() is True


def test_a_town_is_set_up_once_by_its_network(
    town: CoreTown, client: ChainClient, ost_office: LocalAccount, stranger: LocalAccount
) -> None:
    reg = town.registry.functions
    assert reg.network().call() == town.network.address
    with reverts("InvalidInitialization"):  # set up when the network created it; never again
        client.transact(reg.initialize("Taken", stranger.address, stranger.address, ZERO, ZERO), ost_office)


# ── roles ──


def test_ost_office_appoints_ambassadors_and_town_ambassador_appoints_coordinators(
    town: CoreTown,
    client: ChainClient,
    ost_office: LocalAccount,
    ambassador: LocalAccount,
    stranger: LocalAccount,
) -> None:
    reg = town.registry.functions
    assert reg.getRoleAdmin(town.role("COUNTRY_AMBASSADOR_ROLE")).call() == b"\x00" * 32
    assert reg.getRoleAdmin(town.role("TOWN_AMBASSADOR_ROLE")).call() == b"\x00" * 32
    assert reg.getRoleAdmin(town.role("COORDINATOR_ROLE")).call() == town.role("TOWN_AMBASSADOR_ROLE")
    client.transact(reg.grantRole(town.role("COORDINATOR_ROLE"), stranger.address), ambassador)
    assert reg.hasRole(town.role("COORDINATOR_ROLE"), stranger.address).call()
    with reverts("AccessControlUnauthorizedAccount", ost_office.address, town.role("TOWN_AMBASSADOR_ROLE")):
        client.transact(reg.grantRole(town.role("COORDINATOR_ROLE"), stranger.address), ost_office)


@pytest.mark.parametrize("role", ["DEFAULT_ADMIN_ROLE", "COUNTRY_AMBASSADOR_ROLE", "TOWN_AMBASSADOR_ROLE"])
@pytest.mark.parametrize("caller", ["country_ambassador", "ambassador", "coordinator", "alice", "stranger"])
def test_only_ost_office_grants_office_and_ambassador_roles(
    town: CoreTown,
    client: ChainClient,
    request: pytest.FixtureRequest,
    role: str,
    caller: str,
    stranger: LocalAccount,
) -> None:
    account: LocalAccount = request.getfixturevalue(caller)
    with reverts("AccessControlUnauthorizedAccount", account.address, b"\x00" * 32):
        client.transact(town.registry.functions.grantRole(town.role(role), stranger.address), account)


def test_role_holder_count_follows_grant_revoke_and_renounce(
    town: CoreTown, client: ChainClient, ost_office: LocalAccount, ambassador: LocalAccount, stranger: LocalAccount
) -> None:
    reg = town.registry.functions
    role = town.role("TOWN_AMBASSADOR_ROLE")
    assert reg.roleHolderCount(role).call() == 1
    client.transact(reg.grantRole(role, stranger.address), ost_office)
    client.transact(reg.grantRole(role, stranger.address), ost_office)  # a second grant changes nothing
    assert reg.roleHolderCount(role).call() == 2
    client.transact(reg.revokeRole(role, stranger.address), ost_office)
    client.transact(reg.renounceRole(role, ambassador.address), ambassador)
    assert reg.roleHolderCount(role).call() == 0


def test_the_country_ambassador_is_the_networks_never_granted_in_a_town(
    town: CoreTown,
    client: ChainClient,
    ost_office: LocalAccount,
    country_ambassador: LocalAccount,
    stranger: LocalAccount,
) -> None:
    reg, role = town.registry.functions, town.role("COUNTRY_AMBASSADOR_ROLE")
    assert reg.hasRole(role, country_ambassador.address).call() and reg.roleHolderCount(role).call() == 1
    with reverts("TownRegistryCountryAmbassadorIsTheNetworks"):
        client.transact(reg.grantRole(role, stranger.address), ost_office)
    with reverts("TownRegistryCountryAmbassadorIsTheNetworks"):
        client.transact(reg.revokeRole(role, country_ambassador.address), ost_office)
    with reverts("TownRegistryCountryAmbassadorIsTheNetworks"):
        client.transact(reg.renounceRole(role, country_ambassador.address), country_ambassador)
    client.transact(town.network.functions.appointCountryAmbassador(b"ZA", stranger.address), ost_office)
    assert reg.hasRole(role, stranger.address).call() and not reg.hasRole(role, country_ambassador.address).call()


def test_no_role_can_be_granted_to_the_zero_address(
    town: CoreTown, client: ChainClient, ost_office: LocalAccount
) -> None:
    with reverts("TownRegistryZeroAddress"):
        client.transact(town.registry.functions.grantRole(town.role("TOWN_AMBASSADOR_ROLE"), ZERO), ost_office)


# ── members ──


def test_town_ambassador_adds_and_removes_members_withevents(
    town: CoreTown, client: ChainClient, ambassador: LocalAccount, stranger: LocalAccount, carol: LocalAccount
) -> None:
    reg = town.registry.functions
    receipt = client.transact(reg.addMember(stranger.address), ambassador)
    assert events(receipt, town.registry, "MemberAdded") == [{"member": stranger.address, "memberCount": 3, "epoch": 2}]
    assert reg.isMember(stranger.address).call() and reg.memberCount().call() == 3
    receipt = client.transact(reg.addMembers([carol.address]), ambassador)
    assert events(receipt, town.registry, "MemberAdded") == [{"member": carol.address, "memberCount": 4, "epoch": 3}]
    receipt = client.transact(reg.removeMember(stranger.address), ambassador)
    assert events(receipt, town.registry, "MemberRemoved") == [
        {"member": stranger.address, "memberCount": 3, "epoch": 4}
    ]
    assert not reg.isMember(stranger.address).call() and reg.memberCount().call() == 3


def test_add_members_is_all_or_none(
    town: CoreTown, client: ChainClient, ambassador: LocalAccount, stranger: LocalAccount, alice: LocalAccount
) -> None:
    reg = town.registry.functions
    with reverts("TownRegistryAlreadyMember", alice.address):
        client.transact(reg.addMembers([stranger.address, alice.address]), ambassador)
    assert not reg.isMember(stranger.address).call()
    assert reg.memberCount().call() == 2
    with reverts("TownRegistryAlreadyMember", stranger.address):
        client.transact(reg.addMembers([stranger.address, stranger.address]), ambassador)


def test_member_changes_reject_zero_duplicate_and_non_member(
    town: CoreTown, client: ChainClient, ambassador: LocalAccount, alice: LocalAccount, stranger: LocalAccount
) -> None:
    reg = town.registry.functions
    with reverts("TownRegistryZeroAddress"):
        client.transact(reg.addMember(ZERO), ambassador)
    with reverts("TownRegistryAlreadyMember", alice.address):
        client.transact(reg.addMember(alice.address), ambassador)
    with reverts("TownRegistryNotMember", stranger.address):
        client.transact(reg.removeMember(stranger.address), ambassador)


@pytest.mark.parametrize("caller", ["ost_office", "country_ambassador", "coordinator", "alice", "stranger"])
def test_member_functions_refuse_every_role_but_town_ambassador(
    town: CoreTown,
    client: ChainClient,
    request: pytest.FixtureRequest,
    caller: str,
    alice: LocalAccount,
    stranger: LocalAccount,
) -> None:
    account: LocalAccount = request.getfixturevalue(caller)
    reg = town.registry.functions
    needed = town.role("TOWN_AMBASSADOR_ROLE")
    for call in (
        reg.addMember(stranger.address),
        reg.addMembers([stranger.address]),
        reg.removeMember(alice.address),
        reg.launch(),
    ):
        with reverts("AccessControlUnauthorizedAccount", account.address, needed):
            client.transact(call, account)


# ── residents and tiers ──


def test_tier_of_member_resident_and_world(
    town: CoreTown, alice: LocalAccount, carol: LocalAccount, stranger: LocalAccount
) -> None:
    reg = town.registry.functions
    assert reg.tierOf(alice.address).call() == LOCAL
    assert reg.tierOf(carol.address).call() == COUNTRY
    assert reg.tierOf(stranger.address).call() == WORLD


def test_country_ambassador_verifies_and_withdraws_residents_in_the_network(
    town: CoreTown, client: ChainClient, country_ambassador: LocalAccount, stranger: LocalAccount
) -> None:
    reg, net = town.registry.functions, town.network.functions
    receipt = client.transact(net.setCountryResident(b"ZA", stranger.address, True), country_ambassador)
    assert events(receipt, town.network, "CountryResidentSet") == [
        {
            "country": b"ZA",
            "account": stranger.address,
            "resident": True,
            "countryAmbassador": country_ambassador.address,
        }
    ]
    assert reg.tierOf(stranger.address).call() == COUNTRY and reg.isCountryResident(stranger.address).call()
    client.transact(net.setCountryResident(b"ZA", stranger.address, False), country_ambassador)
    assert reg.tierOf(stranger.address).call() == WORLD
    with reverts("OstNetworkZeroAddress"):
        client.transact(net.setCountryResident(b"ZA", ZERO, True), country_ambassador)


@pytest.mark.parametrize("caller", ["ost_office", "ambassador", "coordinator", "alice", "stranger"])
def test_set_country_resident_refuses_everyone_but_the_countrys_ambassador(
    town: CoreTown, client: ChainClient, request: pytest.FixtureRequest, caller: str, stranger: LocalAccount
) -> None:
    account: LocalAccount = request.getfixturevalue(caller)
    with reverts("OstNetworkNotCountryAmbassador", b"ZA", account.address):
        client.transact(town.network.functions.setCountryResident(b"ZA", stranger.address, True), account)


# ── launch ──


def test_launch_refused_without_country_ambassador(
    client: ChainClient, ost_office: LocalAccount, ambassador: LocalAccount
) -> None:
    core = deploy_core(client, name="Town", country="KE", ost_office=ost_office, town_ambassador=ambassador.address)
    with reverts("TownRegistryAmbassadorsMissing", False, True):
        client.transact(core.registry.functions.launch(), ambassador)
    assert core.registry.functions.launched().call() is False


def test_launch_refused_without_town_ambassador(
    client: ChainClient, ost_office: LocalAccount, country_ambassador: LocalAccount
) -> None:
    core = deploy_core(
        client, name="Town", country="KE", ost_office=ost_office, country_ambassador=country_ambassador.address
    )
    # Without a Town Ambassador nobody may call launch at all, not even the OST office.
    with reverts("AccessControlUnauthorizedAccount", ost_office.address, core.role("TOWN_AMBASSADOR_ROLE")):
        client.transact(core.registry.functions.launch(), ost_office)


def test_launch_needs_ambassadors_still_in_office(
    client: ChainClient, ost_office: LocalAccount, country_ambassador: LocalAccount, ambassador: LocalAccount
) -> None:
    core = deploy_core(
        client,
        name="Town",
        country="KE",
        ost_office=ost_office,
        country_ambassador=country_ambassador.address,
        town_ambassador=ambassador.address,
    )
    reg, net = core.registry.functions, core.network.functions
    client.transact(net.revokeCountryAmbassador(b"KE"), ost_office)
    with reverts("TownRegistryAmbassadorsMissing", False, True):
        client.transact(reg.launch(), ambassador)
    client.transact(net.appointCountryAmbassador(b"KE", country_ambassador.address), ost_office)
    receipt = client.transact(reg.launch(), ambassador)
    (event,) = events(receipt, core.registry, "TownLaunched")
    assert event["townAmbassador"] == ambassador.address
    assert reg.launchedAt().call() == event["timestamp"] > 0
    with reverts("TownRegistryAlreadyLaunched"):
        client.transact(reg.launch(), ambassador)

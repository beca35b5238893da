"""Ape users see the same contracts: deploy a town and reward a member through Ape and anvil."""

ONE_INF = 10**18


def test_town_deploys_and_rewards_through_ape(project, accounts):
    office, country_ambassador, town_ambassador, coordinator, alice = accounts[:5]
    forwarder = office.deploy(project.TownForwarder, "OST network")
    made = [
        office.deploy(project.InfinityToken, forwarder),
        office.deploy(project.BusinessFactory),
        office.deploy(project.ProfitDistributor, forwarder),
        office.deploy(project.ShareSale, forwarder),
        office.deploy(project.ShareToken, forwarder),
    ]
    network = office.deploy(project.OstNetwork, office, [*made, forwarder])
    network.appointCountryAmbassador(b"ZA", country_ambassador, sender=office)
    created = network.createTown("Prince Albert", b"ZA", town_ambassador, sender=office)
    (town,) = created.events.filter(network.TownCreated)
    registry = project.TownRegistry.at(town.registry)
    infinity = project.InfinityToken.at(town.infinity)
    registry.grantRole(registry.COORDINATOR_ROLE(), coordinator, sender=town_ambassador)
    registry.addMember(alice, sender=town_ambassador)
    registry.launch(sender=town_ambassador)
    infinity.setProject(1, ONE_INF, 180, True, sender=town_ambassador)
    infinity.setCoordinatorDailyCap(coordinator, 100 * ONE_INF, sender=town_ambassador)

    receipt = infinity.reward(alice, 360, b"\x01" * 32, 1, sender=coordinator)

    assert infinity.balanceOf(alice) == 2 * ONE_INF
    assert infinity.isRewarded(coordinator, b"\x01" * 32)
    assert [log.member for log in receipt.events.filter(infinity.Rewarded)] == [alice.address]
    assert infinity.isTrustedForwarder(forwarder)  # members without coin act through the network's forwarder
    assert registry.hasRole(registry.COUNTRY_AMBASSADOR_ROLE(), country_ambassador)  # the network's, for ZA

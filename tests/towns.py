"""Pieces of a town for the contract tests that build one piece by piece (an OST network, a town with no
ambassador yet, a listing with exact terms). A whole town is built by the product's
deployment engine (:func:`ost_chain.deploy.deploy_plan`), as the shared ``town`` fixture does."""

from __future__ import annotations

from dataclasses import dataclass

from eth_account.signers.local import LocalAccount
from web3.contract import Contract
from web3.logs import DISCARD

from ost_chain.client import ChainClient
from ost_chain.enums import NATIVE as ZERO
from ost_chain.enums import OwnershipPolicy, Role
from ost_chain.terms import SaleTerms

DEFAULT_SHIFT_MINUTES = 180  # the initiative's rule: one INF per three-hour shift


@dataclass
class CoreTown:
    """A town of an OST network on one chain: its four contracts, the network's forwarder, the network."""

    client: ChainClient
    registry: Contract
    infinity: Contract
    forwarder: Contract
    factory: Contract
    distributor: Contract
    network: Contract

    def role(self, name: str) -> bytes:
        """The role id called ``name`` (e.g. ``"COORDINATOR_ROLE"``)."""
        return Role.id(name)


def deploy_network(client: ChainClient, ost_office: LocalAccount) -> Contract:
    """An OST network administered by ``ost_office``: the forwarder, the implementations, the network."""
    forwarder, _ = client.deploy("TownForwarder", "OST network", sender=ost_office)
    made = [
        client.deploy(name, *([forwarder.address] if trusts else []), sender=ost_office)[0].address
        for name, trusts in (
            ("InfinityToken", True),
            ("BusinessFactory", False),
            ("ProfitDistributor", True),
            ("ShareSale", True),
            ("ShareToken", True),
        )
    ]
    network, _ = client.deploy("OstNetwork", ost_office.address, [*made, forwarder.address], sender=ost_office)
    return network


def deploy_core(
    client: ChainClient,
    *,
    name: str,
    country: str,
    ost_office: LocalAccount,
    country_ambassador: str | None = None,
    town_ambassador: str | None = None,
    network: Contract | None = None,
) -> CoreTown:
    """Create a town in ``network`` (a new one when not given), administered by ``ost_office``; the country's
    ambassador, when given, appointed in the network if the country has none yet."""
    network = network if network is not None else deploy_network(client, ost_office)
    code = country.encode()
    if country_ambassador is not None and network.functions.countryAmbassador(code).call() != country_ambassador:
        client.transact(network.functions.appointCountryAmbassador(code, country_ambassador), ost_office)
    receipt = client.transact(network.functions.createTown(name, code, town_ambassador or ZERO), ost_office)
    (event,) = network.events.TownCreated().process_receipt(receipt, errors=DISCARD)
    made = event["args"]
    forwarder = network.functions.implementations().call()[5]
    return CoreTown(
        client,
        client.at("TownRegistry", made["registry"]),
        client.at("InfinityToken", made["infinity"]),
        client.at("TownForwarder", forwarder),
        client.at("BusinessFactory", made["factory"]),
        client.at("ProfitDistributor", made["distributor"]),
        network,
    )


@dataclass
class Business:
    """One listed business: its id, sale and share token."""

    business_id: int
    sale: Contract
    token: Contract


def list_business(
    client: ChainClient,
    factory: Contract,
    ambassador: LocalAccount,
    *,
    name: str,
    symbol: str,
    terms: SaleTerms,
    keep_local: bool = False,
) -> Business:
    """List a business through ``factory``, signed by the Town Ambassador."""
    receipt = client.transact(
        factory.functions.listBusiness(
            name, symbol, OwnershipPolicy.KEEP_LOCAL if keep_local else OwnershipPolicy.OPEN, terms.as_tuple()
        ),
        ambassador,
    )
    (event,) = factory.events.BusinessListed().process_receipt(receipt, errors=DISCARD)
    args = event["args"]
    return Business(args["businessId"], client.at("ShareSale", args["sale"]), client.at("ShareToken", args["token"]))

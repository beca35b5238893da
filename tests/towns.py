"""Pieces of a town for the contract tests that build one piece by piece (a registry with no ambassador yet,
a factory over fresh implementations, a listing with exact terms). A whole town is built by the product's
deployment engine (:func:`ost_chain.deploy.deploy_plan`), as the shared ``town`` fixture does."""

from __future__ import annotations

from dataclasses import dataclass

from eth_account.signers.local import LocalAccount
from web3.contract import Contract
from web3.logs import DISCARD

from ost_chain.client import ChainClient
from ost_chain.enums import OwnershipPolicy, Role
from ost_chain.terms import SaleTerms

DEFAULT_SHIFT_MINUTES = 180  # the initiative's rule: one INF per three-hour shift


@dataclass
class CoreTown:
    """A town's registry and INFINITY token on one chain."""

    client: ChainClient
    registry: Contract
    infinity: Contract
    forwarder: Contract

    def role(self, name: str) -> bytes:
        """The role id called ``name`` (e.g. ``"COORDINATOR_ROLE"``)."""
        return Role.id(name)


def deploy_core(
    client: ChainClient,
    *,
    name: str,
    country: str,
    ost_office: LocalAccount,
    country_ambassador: str | None = None,
    town_ambassador: str | None = None,
) -> CoreTown:
    """Deploy a registry and an INFINITY token, administered by ``ost_office``.

    The ambassadors, when given, receive their roles from the OST office.
    """
    forwarder, _ = client.deploy("TownForwarder", name, sender=ost_office)
    registry, _ = client.deploy("TownRegistry", name, country.encode(), ost_office.address, sender=ost_office)
    infinity, _ = client.deploy("InfinityToken", registry.address, forwarder.address, sender=ost_office)
    town = CoreTown(client, registry, infinity, forwarder)
    for role, holder in (
        ("COUNTRY_AMBASSADOR_ROLE", country_ambassador),
        ("TOWN_AMBASSADOR_ROLE", town_ambassador),
    ):
        if holder is not None:
            client.transact(registry.functions.grantRole(town.role(role), holder), ost_office)
    return town


@dataclass
class Business:
    """One listed business: its id, sale and share token."""

    business_id: int
    sale: Contract
    token: Contract


def deploy_factory(
    client: ChainClient, registry: Contract, implementations: tuple[str, str], sender: LocalAccount
) -> Contract:
    """Deploy a town's BusinessFactory over shared implementations."""
    factory, _ = client.deploy("BusinessFactory", registry.address, *implementations, sender=sender)
    return factory


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

"""Deploy and address the contracts of one town.

:func:`deploy_core` puts up a town's registry and INFINITY token and appoints its ambassadors;
the plan-driven deployment builds on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_account.signers.local import LocalAccount
from web3.contract import Contract

from .client import ChainClient

ONE_INF = 10**18
DEFAULT_SHIFT_MINUTES = 180  # the initiative's rule: one INF per three-hour shift


@dataclass
class CoreTown:
    """A town's registry and INFINITY token on one chain."""

    client: ChainClient
    registry: Contract
    infinity: Contract

    def role(self, name: str) -> bytes:
        """The role id called ``name`` (e.g. ``"COORDINATOR_ROLE"``)."""
        if name == "DEFAULT_ADMIN_ROLE":
            return b"\x00" * 32
        return bytes(self.registry.functions[name]().call())


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
    registry, _ = client.deploy("TownRegistry", name, country.encode(), ost_office.address, sender=ost_office)
    infinity, _ = client.deploy("InfinityToken", registry.address, sender=ost_office)
    town = CoreTown(client, registry, infinity)
    for role, holder in (
        ("COUNTRY_AMBASSADOR_ROLE", country_ambassador),
        ("TOWN_AMBASSADOR_ROLE", town_ambassador),
    ):
        if holder is not None:
            client.transact(registry.functions.grantRole(town.role(role), holder), ost_office)
    return town

"""The OST network on one chain: the implementations every town is cloned from, the Country Ambassadors (one per
country) and their country residents, and the list of towns.

The first town deployed on a chain deploys the network with it, recorded in ``deployments/<chain-id>/network.json``
(its own manifest, resumable like a town's); every later town is created in that network — a registry and three
clones in one transaction — unless its plan names another network by address (``network:``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from web3.contract import Contract
from web3.logs import DISCARD

from . import figures as headline
from .enums import NATIVE
from .exceptions import ConfigError
from .manifest import FORMAT, Manifest
from .units import money

if TYPE_CHECKING:
    from .deploy import Deployment

NETWORK_FILE = "network.json"
NETWORK_NAME = "OST network"  # the network manifest's name, and its forwarder's EIP-712 domain name
TOWN_CONTRACTS = ("TownRegistry", "InfinityToken", "BusinessFactory", "ProfitDistributor")
# Deployed once per network, in this order (the forwarder first: the others trust it).
IMPLEMENTATIONS = (
    ("InfinityTokenImplementation", "InfinityToken", True),
    ("BusinessFactoryImplementation", "BusinessFactory", False),
    ("ProfitDistributorImplementation", "ProfitDistributor", True),
    ("ShareSaleImplementation", "ShareSale", True),
    ("ShareTokenImplementation", "ShareToken", True),
)
NETWORK_STEPS = 2 + len(IMPLEMENTATIONS)  # the forwarder, the implementations, the network
STEPS = NETWORK_STEPS + 3  # and the town's creation, its Country Ambassador, its Town Ambassador


def network_path(folder: Path) -> Path:
    """Where the network manifest of the chain whose town manifests are in ``folder`` lives."""
    return folder / NETWORK_FILE


def network_block(folder: Path, address: str) -> int | None:
    """The block the network at ``address`` was deployed in, as ``folder``'s network manifest records it (None when
    it records another network, or none): where reading every town of the network begins."""
    path = network_path(folder)
    try:
        record = json.loads(path.read_text())["contracts"]["OstNetwork"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if str(record.get("address", "")).lower() != address.lower() or record.get("block") is None:
        return None
    return int(record["block"])


def country_code(country: str) -> bytes:
    return country.encode()


def network_for(d: Deployment) -> Contract:
    """The network ``d``'s town belongs to: recorded in its manifest, named by its plan, or this chain's (deployed
    now, resumably, when the chain has none yet)."""
    client = d.client
    recorded = d.manifest.contract("OstNetwork")
    named = recorded["address"] if recorded else d.plan.network
    if named:
        network = client.at("OstNetwork", named)
        if not client.w3.eth.get_code(network.address):
            raise ConfigError(f"No OST network is deployed at {named} on this chain.")
        for _ in range(NETWORK_STEPS):
            d.progress.advance("OST network")
        return network
    network, sent = deploy_network(
        client, d.plan.ost_office, d.signers, d.manifest.path.parent, progress=d.progress, fail_after=d.fail_after
    )
    d.sent += sent
    return network


def deploy_network(
    client: Any,
    office: str,
    signers: Any,
    folder: Path,
    *,
    progress: Any = None,
    fail_after: int | None = None,
) -> tuple[Contract, int]:
    """This chain's OST network, administered by ``office``: deployed (or resumed, or found) as recorded in
    ``folder/network.json``; (the network, transactions sent)."""
    from .deploy import Deployment
    from .plan import TownPlan

    path = network_path(folder)
    manifest = Manifest.open(path, chain_id=client.chain_id, town=NETWORK_NAME, plan_hash="")
    carrier = TownPlan.model_validate({"town": NETWORK_NAME, "country": "ZZ", "ost_office": office})
    keys: dict[str, Any] = {str(address): key for address, key in dict(signers).items()}
    sub = Deployment(client, carrier, manifest, keys, progress=progress, fail_after=fail_after)
    sub._check_recorded_code()  # a network manifest left from a chain that is gone: said, never built upon
    try:
        forwarder = sub.contract("TownForwarder", "TownForwarder", [NETWORK_NAME], office)
        made = [
            sub.contract(key, name, [forwarder.address] if trusts else [], office).address
            for key, name, trusts in IMPLEMENTATIONS
        ]
        network = sub.contract("OstNetwork", "OstNetwork", [office, [*made, forwarder.address]], office)
    finally:
        sent = sub.sent
    manifest.save()
    return network, sent


def open_network(client: Any, folder: Path, address: str | None = None) -> Contract:
    """The network at ``address``, or the one recorded in ``folder/network.json``; a sentence when there is none."""
    if address is None:
        path = network_path(folder)
        if not path.is_file():
            raise ConfigError(
                f"No OST network is recorded in {path}: deploy one with `ost network deploy` (or `ost up`), or name "
                "it with --network."
            )
        address = Manifest.open(path, chain_id=client.chain_id, town=NETWORK_NAME, plan_hash="").address("OstNetwork")
    network = client.at("OstNetwork", address)
    if not client.w3.eth.get_code(network.address):
        raise ConfigError(f"No OST network is deployed at {address} on this chain (an embedded chain forgets all).")
    return network


def create_town(d: Deployment, network: Contract) -> tuple[Contract, Contract, Contract, Contract]:
    """The town's registry, INFINITY, factory and distributor: created in ``network`` by the OST office (once: a
    creation a stopped run sent is found by its name in its country), and recorded in the town's manifest."""
    client, plan, contracts = d.client, d.plan, d.manifest.contracts()
    if all(key in contracts for key in TOWN_CONTRACTS):
        d.progress.advance("town")
        return tuple(client.at(key, contracts[key]["address"]) for key in TOWN_CONTRACTS)  # type: ignore[return-value]
    if not network.functions.hasRole(b"\x00" * 32, plan.ost_office).call():
        raise ConfigError(
            f"{plan.ost_office} is not the OST office of the network at {network.address}: only the office creates "
            "towns in it. Name the network's office as ost_office in the plan."
        )
    code = country_code(plan.country)
    found = _created_before(d, network, code) if d.manifest.pending("town") else None
    tx, block = None, None
    if found is None:
        d.manifest.record_pending("town", network=network.address)
        signer = d.signer(plan.ost_office, "create the town")
        receipt = client.transact(network.functions.createTown(plan.town, code, plan.town_ambassador), signer)
        d.tick()
        (event,) = network.events.TownCreated().process_receipt(receipt, errors=DISCARD)
        found = [event["args"][k] for k in ("registry", "infinity", "factory", "distributor")]
        tx, block = receipt["transactionHash"].to_0x_hex(), receipt["blockNumber"]
    implementations = network.functions.implementations().call()
    d.manifest.record_contracts(
        {
            **{key: (address, tx, block) for key, address in zip(TOWN_CONTRACTS, found, strict=True)},
            "TownForwarder": (implementations[5], None, None),
            "OstNetwork": (network.address, None, network_block(d.manifest.path.parent, network.address)),
        },
        pending="town",
    )
    d.progress.advance("town")
    return tuple(client.at(key, d.manifest.address(key)) for key in TOWN_CONTRACTS)  # type: ignore[return-value]


def _created_before(d: Deployment, network: Contract, code: bytes) -> list[str] | None:
    for town_id in reversed(network.functions.townsIn(code).call()):
        town = network.functions.town(town_id).call()
        if d.client.at("TownRegistry", town[0]).functions.name().call() == d.plan.town:
            return list(town[:4])
    return None


def appoint_country_ambassador(d: Deployment, network: Contract, country: str, ambassador: str) -> None:
    """The plan's Country Ambassador, appointed in the network for the town's country if it has none; a country
    has one, so a plan naming another than the network's is refused rather than replacing it for every town."""
    code = country_code(country)
    current = network.functions.countryAmbassador(code).call()
    if current not in (NATIVE, ambassador):
        raise ConfigError(
            f"The OST network's Country Ambassador for {country} is {current}; the plan names {ambassador}. A "
            f"country has one, for all its towns: change the plan, or have the OST office appoint {ambassador} "
            f"with `ost network appoint {country} {ambassador}`."
        )
    d.step(
        f"appoint:{country}:{ambassador}",
        network.functions.appointCountryAmbassador(code, ambassador),
        d.plan.ost_office,
        done=lambda: network.functions.countryAmbassador(code).call() == ambassador,
    )


def towns(network: Contract, client: Any) -> list[dict[str, Any]]:
    """Every town of ``network``: id, name, country, contracts, members, whether launched."""
    found = []
    for town_id in range(network.functions.townCount().call()):
        registry, infinity, factory, distributor, country = network.functions.town(town_id).call()
        reg = client.at("TownRegistry", registry).functions
        found.append(
            {
                "id": town_id,
                "name": reg.name().call(),
                "country": bytes(country).decode(),
                "registry": registry,
                "infinity": infinity,
                "factory": factory,
                "distributor": distributor,
                "members": reg.memberCount().call(),
                "launched": reg.launched().call(),
            }
        )
    return found


def raised_shown(raised: dict[str, int], coin: Callable[[str], tuple[str, int]]) -> dict[str, Any]:
    """What a town raised, by asset (smallest units), as the network's views show it: as decimal strings, with each
    asset's symbol and decimals (``coin``: an asset's, as the view names it), and in words."""
    parts, text = [], []
    for asset, amount in raised.items():
        symbol, decimals = coin(asset)
        parts.append({"asset": asset, "amount": str(amount), "decimals": decimals, "symbol": symbol})
        text.append(money(amount, decimals, symbol))
    return {"raised": {asset: str(amount) for asset, amount in raised.items()}, "raisedIn": parts, "raisedText": text}


def figures(client: Any, network: Any, town: dict[str, Any], since: int = 0) -> dict[str, Any]:
    """One town's figures, read through the same reader as a town's own commands; its events from block ``since``
    on (the network's own block: no town of it is older), else from the chain's first."""
    implementations = network.functions.implementations().call()
    contracts = {
        "TownRegistry": town["registry"],
        "InfinityToken": town["infinity"],
        "BusinessFactory": town["factory"],
        "ProfitDistributor": town["distributor"],
        "TownForwarder": implementations[5],
        "OstNetwork": network.address,
    }
    record = {
        "format": FORMAT,
        "town": town["name"],
        "chainId": client.chain_id,
        "contracts": {k: {"address": v, "tx": None, "block": since or None, "args": []} for k, v in contracts.items()},
    }
    from .townclient import Town

    reader = Town(client, record)
    raised: dict[str, int] = {}
    by_business = headline.raised(reader)  # bought less refunded, as every view counts it
    for sale in reader.sales():
        raised[sale.asset] = raised.get(sale.asset, 0) + by_business.get(sale.business_id, 0)
    return {
        **town,
        **{f"inf{k[0].upper()}{k[1:]}": v for k, v in headline.infinity(reader).items()},  # infIssued, …
        **raised_shown(raised, lambda asset: (reader.asset_symbol(asset), reader.asset_decimals(asset))),
        "profitDeposited": headline.profit(reader, NATIVE)["deposited"],
        "page": reader.registry.functions.townPage().call(),
    }

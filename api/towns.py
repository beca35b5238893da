"""The towns one bridge serves: the first town's manifest and any more of the same OST network, each with its part of
the bridge's URLs (its slug), its view of the chain and its part of the index.

A bridge serves every town it is given on the chain of its first; the index follows the whole network, so each town's
reads come from the same index, filtered by the town. ``/v1/…`` means the first town; ``/v1/towns/{slug}/…`` any
town served, the first included."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ost_chain.exceptions import ConfigError
from ost_chain.manifest import TownManifest, town_slug
from ost_chain.network import DEFAULT_TOWN
from ost_chain.ostnetwork import NETWORK_FILE

from .chain import ChainView
from .gasless import RelayDesk
from .index.book import checksummed
from .index.reads import IndexReader


@dataclass
class ServedTown:
    """One town this bridge serves."""

    slug: str
    path: Path  # its manifest's file (its documents are kept beside it)
    manifest: TownManifest
    chain: ChainView
    reader: IndexReader
    desk: RelayDesk  # its members' relayed actions: its policy, its contracts
    first: bool  # the bridge's first town: the one the plain /v1/… means

    @property
    def registry(self) -> str:
        return checksummed(self.manifest.address("TownRegistry"))


def network_manifests(folder: Path) -> list[Path]:
    """Every town manifest in ``folder`` (``deployments/<chain id>/`` of ``ost deploy`` and ``ost up``): the town
    `ost` means there first (its ``default-town`` file, else the first by name), then the rest by name."""
    if not folder.is_dir():
        raise ConfigError(f"{folder} is not a folder of town manifests (deployments/<chain id>/ holds them).")
    found = sorted(p for p in folder.glob("*.json") if p.name != NETWORK_FILE)
    if not found:
        raise ConfigError(f"{folder} holds no town manifest: deploy a town there first (`ost deploy PLAN`).")
    default = folder / DEFAULT_TOWN
    first = folder / default.read_text().strip() if default.is_file() else None
    return sorted(found, key=lambda p: (p != first, p.name))


def check_towns(manifests: Iterable[TownManifest]) -> list[TownManifest]:
    """``manifests``, checked to be towns one bridge may serve: one chain, one OST network, no town twice."""
    towns = list(manifests)
    first = towns[0]
    network = first.contracts.get("OstNetwork")
    if len(towns) > 1 and network is None:
        raise ConfigError(
            f"The manifest of {first.town} records no OST network: one bridge serves several towns of one network "
            "(its index follows the network from its first block). Deploy the towns with a network, or run a bridge "
            "for each."
        )
    seen: set[str] = set()
    for town in towns:
        registry = town.address("TownRegistry")
        if town.chainId != first.chainId:
            raise ConfigError(
                f"{town.town} is on chain {town.chainId} and {first.town} on chain {first.chainId}: one bridge serves "
                "the towns of one chain. Run a bridge for each chain."
            )
        theirs = town.contracts.get("OstNetwork")
        if (theirs.address if theirs else None) != (network.address if network else None):
            raise ConfigError(
                f"{town.town} belongs to another OST network than {first.town}: one bridge serves the towns of one "
                "network (its index follows that network). Run a bridge for each network."
            )
        if registry in seen:
            raise ConfigError(f"{town.town} is given twice: give each town's manifest once.")
        seen.add(registry)
    return towns


def slugs(towns: Iterable[TownManifest]) -> list[str]:
    """Each town's part of the URLs: its name as a slug; a name taken already, or without a Latin letter or digit,
    gets the start of its registry's address too ("town-1a2b3c"), and a number after that if that is taken too."""
    taken: list[str] = []
    for town in towns:
        slug = town_slug(town.town)
        if slug in taken or slug == "town":
            slug = f"{slug}-{town.address('TownRegistry')[2:8].lower()}"
        base, n = slug, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.append(slug)
    return taken

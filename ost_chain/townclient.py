"""A deployed town, loaded from its manifest: typed reads and per-role actions for the CLI and the bridge."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from web3.contract import Contract

from .client import ChainClient
from .exceptions import ConfigError

PHASES = ["pending", "local", "country", "world", "succeeded", "failed"]


@dataclass(frozen=True)
class SaleStatus:
    business_id: int
    name: str
    symbol: str
    phase: str
    sold: int
    minimum: int
    offered: int
    price: int
    asset: str
    phase_ends_in: int | None  # seconds, None once closed


class Town:
    """The contracts of one deployed town."""

    def __init__(self, client: ChainClient, manifest: dict) -> None:
        self.client, self.manifest = client, manifest
        contracts = manifest["contracts"]
        if manifest.get("chainId") != client.chain_id:
            raise ConfigError(f"The manifest is for chain {manifest.get('chainId')}; this chain is {client.chain_id}.")
        self.registry: Contract = client.at("TownRegistry", contracts["TownRegistry"]["address"])
        self.infinity: Contract = client.at("InfinityToken", contracts["InfinityToken"]["address"])
        self.factory: Contract = client.at("BusinessFactory", contracts["BusinessFactory"]["address"])
        self.distributor: Contract = client.at("ProfitDistributor", contracts["ProfitDistributor"]["address"])

    @classmethod
    def load(cls, client: ChainClient, path: Path) -> Town:
        try:
            return cls(client, json.loads(path.read_text()))
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(f"Cannot read the town manifest {path}: {exc}") from None

    @property
    def name(self) -> str:
        return str(self.registry.functions.name().call())

    def summary(self) -> dict:
        r, i = self.registry.functions, self.infinity.functions
        return {
            "town": self.name,
            "country": bytes(r.countryCode().call()).decode(),
            "chainId": self.client.chain_id,
            "launched": r.launched().call(),
            "members": r.memberCount().call(),
            "infinityIssued": i.totalSupply().call(),
            "businesses": self.factory.functions.businessCount().call(),
            "profit": dict(
                zip(
                    ("perMemberTotal", "carried", "deposited"),
                    self.distributor.functions.pool("0x" + "00" * 20).call(),
                    strict=True,
                )
            ),  # fmt: skip
        }

    def sale(self, business_id: int) -> tuple[Contract, Contract]:
        sale, token = self.factory.functions.business(business_id).call()
        return self.client.at("ShareSale", sale), self.client.at("ShareToken", token)

    def sales(self) -> list[SaleStatus]:
        now = int(self.client.w3.eth.get_block("latest")["timestamp"])
        out = []
        for business_id in range(self.factory.functions.businessCount().call()):
            sale, token = self.sale(business_id)
            terms = sale.functions.terms().call()
            phase = PHASES[sale.functions.phase().call()]
            start, local_end, country_end, world_end = sale.functions.schedule().call()
            ends = {"pending": start, "local": local_end, "country": country_end, "world": world_end}.get(phase)
            out.append(SaleStatus(
                business_id, token.functions.name().call(), token.functions.symbol().call(), phase,
                sale.functions.sharesSold().call(), terms[2], terms[1], terms[0], terms[9],
                None if ends is None else max(0, ends - now),
            ))  # fmt: skip
        return out

    def wait_for_block(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while self.client.w3.eth.block_number == 0 and time.monotonic() < deadline:
            time.sleep(0.05)

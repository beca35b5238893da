"""What one member holds — INF, shares in each business, profit it may claim — read in one JSON-RPC batch of bare
calls: the phone menu's balance screen, answered for many phones at once (a web3 call object costs more to build
than the node takes to answer it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ost_chain._owed import Owed
from ost_chain.abi import ERC20_ABI, Function
from ost_chain.artifacts import Artifacts
from ost_chain.townclient import Town


@dataclass(frozen=True)
class Holdings:
    infinity: int
    shares: dict[int, int]  # business id → shares held (those held only)
    owed: list[Owed]  # member parts first, then investor parts


class HoldingsReader:
    def __init__(self, artifacts: Artifacts) -> None:
        distributor = artifacts.get("ProfitDistributor")["abi"]
        self.balance = Function.of(ERC20_ABI, "balanceOf(address)")
        self.claimable = Function.of(distributor, "claimable(address,address)")
        self.as_investor = Function.of(distributor, "claimableAsInvestor(uint256,address,address)")

    def read(self, town: Town, address: str, assets: list[str], tokens: list[str], symbols: dict[int, str]) -> Holdings:
        """``tokens``: every business's share token, by id (from the bridge's reading of the sales)."""
        distributor = town.distributor.address
        investing = [(i, asset) for i in range(len(tokens)) for asset in assets]
        calls: list[tuple[str, bytes]] = [(town.infinity.address, self.balance.encode(address))]
        calls += [(token, self.balance.encode(address)) for token in tokens]
        calls += [(distributor, self.claimable.encode(address, asset)) for asset in assets]
        calls += [(distributor, self.as_investor.encode(i, address, asset)) for i, asset in investing]
        values = _call(town, calls)
        held = iter(values[1 : 1 + len(tokens)])
        shares = {i: n for i, n in enumerate(held) if n}
        member = values[1 + len(tokens) : 1 + len(tokens) + len(assets)]
        invested = values[1 + len(tokens) + len(assets) :]
        owed = [Owed(asset, amount) for asset, amount in zip(assets, member, strict=True) if amount]
        owed += [
            Owed(asset, amount, i, symbols.get(i))
            for (i, asset), amount in zip(investing, invested, strict=True)
            if amount
        ]
        return Holdings(values[0], shares, owed)


def _call(town: Town, calls: list[tuple[str, bytes]]) -> list[int]:
    requests: list[Any] = [("eth_call", [{"to": to, "data": "0x" + data.hex()}, "latest"]) for to, data in calls]
    responses = town.client.w3.provider.make_batch_request(requests)  # type: ignore[attr-defined]
    ordered = sorted(responses, key=lambda r: r["id"])
    return [int(r["result"], 16) if r.get("result") not in (None, "0x") else 0 for r in ordered]

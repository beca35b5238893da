"""What one member holds — INF, shares in each business, profit it may claim — read in one JSON-RPC batch of bare
calls: the phone menu's balance screen, answered for many phones at once (a web3 call object costs more to build
than the node takes to answer it, and so does encoding the same address two hundred times)."""

from __future__ import annotations

from dataclasses import dataclass

from ost_chain._owed import Owed
from ost_chain.abi import ERC20_ABI, Function
from ost_chain.artifacts import Artifacts
from ost_chain.manifest import TownManifest

from .chain import ChainView


@dataclass(frozen=True)
class Holdings:
    infinity: int
    shares: dict[int, int]  # business id → shares held (those held only)
    owed: list[Owed]  # member parts first, then investor parts


class HoldingsReader:
    def __init__(self, artifacts: Artifacts, manifest: TownManifest) -> None:
        self.infinity, self.distributor = manifest.address("InfinityToken"), manifest.address("ProfitDistributor")
        distributor = artifacts.get("ProfitDistributor")["abi"]
        self.balance = Function.of(ERC20_ABI, "balanceOf(address)")
        self.claimable = Function.of(distributor, "claimable(address,address)")
        self.as_investor = Function.of(distributor, "claimableAsInvestor(uint256,address,address)")

    def read(
        self,
        chain: ChainView,
        address: str,
        assets: list[str],
        tokens: dict[int, str],
        symbols: dict[int, str],
        investing: set[int],
    ) -> Holdings:
        """``tokens``: the share token of each business that ever sold a share, by id (no one holds another's);
        ``investing``: the businesses that ever had an investor part (no one is owed investor profit of another).
        Both come from what the bridge reads once a block, so a balance screen asks the chain only what may be
        non-zero (a town of 100 businesses, most not yet sold, cost 204 calls a screen)."""
        held = sorted(tokens)
        owed_as_investor = [(i, asset) for i in held if i in investing for asset in assets]
        owner = self.balance.encode(address)  # the same calldata for every token
        calls = [(self.infinity, owner), *((tokens[i], owner) for i in held)]
        calls += [(self.distributor, self.claimable.encode(address, asset)) for asset in assets]
        # Static arguments are encoded word by word: a business's call differs from business 0's in its first word.
        first = {asset: self.as_investor.encode(0, address, asset) for asset in assets}
        calls += [(self.distributor, _with_first_word(first[asset], i)) for i, asset in owed_as_investor]
        values = [int(r, 16) if r not in (None, "0x") else 0 for r in chain.batch(calls)]
        shares = {i: n for i, n in zip(held, values[1 : 1 + len(held)], strict=True) if n}
        member = values[1 + len(held) : 1 + len(held) + len(assets)]
        invested = values[1 + len(held) + len(assets) :]
        owed = [Owed(asset, amount) for asset, amount in zip(assets, member, strict=True) if amount]
        owed += [
            Owed(asset, amount, i, symbols.get(i))
            for (i, asset), amount in zip(owed_as_investor, invested, strict=True)
            if amount
        ]
        return Holdings(values[0], shares, owed)


def _with_first_word(calldata: bytes, value: int) -> bytes:
    """``calldata`` with its first argument (a static word after the 4-byte selector) set to ``value``."""
    return calldata[:4] + value.to_bytes(32, "big") + calldata[36:]

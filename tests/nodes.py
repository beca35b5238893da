"""Local EVM nodes for the tests: anvil (:class:`LocalChain`) and Hardhat's EDR (:class:`EdrChain`).

:class:`EdrChain` runs ``scripts/edr-node.cjs`` under Node.js, a JSON-RPC node built on Hardhat 2
and EDR from the npm packages, with the accounts and chain id that anvil has. It is used just like
:class:`LocalChain`, and it is stopped the same way: on ``stop()``, at the end of a ``with`` block,
and by the kernel if the test process dies.
"""

from __future__ import annotations

import shutil
from typing import Any

from ost_chain.chain import DEV_ACCOUNT_COUNT, DEV_CHAIN_ID, LocalChain
from ost_chain.exceptions import ChainError, ToolchainError
from ost_chain.settings import Settings, get_settings

EDR_HARDFORK = "osaka"
EDR_BLOCK_GAS_LIMIT = 30_000_000
NODE_KINDS = ("anvil", "edr")


class EdrChain(LocalChain):
    """Hardhat's EDR node on 127.0.0.1, with the interface of :class:`LocalChain`::

    with EdrChain() as node:
        print(node.rpc_url)

    ``block_time`` (seconds) replaces mining on every transaction by interval mining, as with anvil.
    """

    def __init__(
        self,
        *,
        chain_id: int = DEV_CHAIN_ID,
        accounts: int = DEV_ACCOUNT_COUNT,
        port: int = 0,
        block_time: float | None = None,
        gas_limit: int = EDR_BLOCK_GAS_LIMIT,
        hardfork: str = EDR_HARDFORK,
        extra_args: tuple[str, ...] = (),
        settings: Settings | None = None,
    ) -> None:
        # LocalChain.__init__ is not called: it looks for anvil, which this node does not need. The
        # inherited start() runs the node as it runs anvil (its own session, stopped by the kernel if
        # this process dies, output drained) and waits for the same "Listening on" line.
        self._process = None
        self.rpc_url = ""
        self.chain_id = chain_id
        self._settings = settings or get_settings()
        node = shutil.which(self._settings.node)
        if node is None:
            raise ToolchainError(f"Node.js ({self._settings.node!r}) is not on PATH; the EDR node needs it.")
        script = self._settings.project_root / "scripts" / "edr-node.cjs"
        if not (self._settings.node_modules / "hardhat" / "package.json").is_file():
            raise ToolchainError(
                f"npm's hardhat package is not installed; run `npm ci` in {self._settings.project_root}."
            )
        self._args = [
            node,
            str(script),
            "--port",
            str(port),
            "--chain-id",
            str(chain_id),
            "--accounts",
            str(accounts),
            "--hardfork",
            hardfork,
            "--gas-limit",
            str(gas_limit),
            *(["--block-time", str(block_time)] if block_time else []),
            *extra_args,
        ]

    def start(self) -> EdrChain:
        """Start the EDR node and wait until it listens; raise :class:`ChainError` if it does not."""
        try:
            super().start()
        except ChainError as error:
            raise ChainError(str(error).replace("anvil", "the EDR node", 1)) from None
        return self

    def __enter__(self) -> EdrChain:
        return self.start()


def start_node(kind: str, **kw: Any) -> LocalChain:
    """Start a node of ``kind`` ("anvil" or "edr") with the keywords of its class, and return it running."""
    if kind == "anvil":
        return LocalChain(**kw).start()
    if kind == "edr":
        return EdrChain(**kw).start()
    raise ValueError(f"unknown node kind {kind!r}; expected one of {', '.join(NODE_KINDS)}")

"""Helpers for tests: expected reverts, the chain's clock, coordinator signatures."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from eth_abi import encode
from eth_account.signers.local import LocalAccount
from eth_utils import function_signature_to_4byte_selector
from web3.logs import DISCARD

from benchmarks._proxy import RpcProxy
from ost_chain import eip712
from ost_chain.client import ChainClient
from ost_chain.exceptions import ContractRevert


@contextmanager
def reverts(error: str, *args: Any) -> Iterator[None]:
    """Expect a revert with custom error ``error`` and, if given, exactly these arguments."""
    with pytest.raises(ContractRevert) as caught:
        yield
    assert caught.value.error == error, f"expected {error}, got {caught.value}"
    if args:
        assert _normal(caught.value.arguments) == _normal(args), f"arguments of {caught.value}"


def _normal(values: tuple[Any, ...]) -> tuple[Any, ...]:
    out = []
    for value in values:
        if isinstance(value, str) and re.fullmatch(r"0x[0-9a-fA-F]{40}", value):
            value = value.lower()
        out.append(value)
    return tuple(out)


def advance_time(client: ChainClient, seconds: int) -> None:
    """Move the chain's clock forward and mine a block."""
    client.w3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
    client.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def now(client: ChainClient) -> int:
    return int(client.w3.eth.get_block("latest")["timestamp"])


def sign_participation(client: ChainClient, infinity: Any, signer: LocalAccount, **participation: Any) -> bytes:
    """The EIP-712 signature of a participation, as a coordinator's wallet would make it."""
    return eip712.sign_participation(signer, client.chain_id, infinity.address, **participation)


def events(receipt: Any, contract: Any, name: str) -> list[dict[str, Any]]:
    """The arguments of every ``name`` event that ``contract`` emitted in the transaction."""
    return [dict(e["args"]) for e in contract.events[name]().process_receipt(receipt, errors=DISCARD)]


class BatchReader:
    """Many uint256 views of one contract in one JSON-RPC batch: invariant checks read dozens
    of values after every step, and web3's per-call overhead would dominate the test's time."""

    def __init__(self, client: ChainClient, address: str) -> None:
        self.client, self.address = client, address

    def uint256s(self, calls: list[tuple[str, list[str], list[Any]]]) -> list[int]:
        """``calls``: (signature like "claimable(address,address)", argument types, arguments)."""
        requests = [
            (
                "eth_call",
                [
                    {
                        "to": self.address,
                        "data": "0x" + (function_signature_to_4byte_selector(sig) + encode(types, args)).hex(),
                    },
                    "latest",
                ],
            )
            for sig, types, args in calls
        ]
        responses = self.client.w3.provider.make_batch_request(requests)  # type: ignore[arg-type]
        assert isinstance(responses, list)
        return [int(response["result"], 16) for response in sorted(responses, key=lambda r: r["id"])]


class CappedLogs(RpcProxy):
    """A JSON-RPC provider on 127.0.0.1 in front of ``upstream`` (anvil) that refuses an ``eth_getLogs`` over more
    than ``most_blocks`` blocks in a hosted provider's words (``says``); ``None``: it caps nothing. It counts the log
    queries it answered and refused."""

    ALCHEMY = "Log response size exceeded. You can make eth_getLogs requests with up to a {most} block range."

    def __init__(self, upstream: str, most_blocks: int | None, says: str = ALCHEMY) -> None:
        super().__init__(upstream)
        self.most_blocks, self.says, self.answered, self.refused = most_blocks, says, 0, 0

    def answer(self, asked: Any, body: bytes) -> bytes:
        if isinstance(asked, dict) and asked.get("method") == "eth_getLogs" and self.most_blocks is not None:
            query = asked["params"][0]
            latest = int(
                json.loads(self.forward(b'{"jsonrpc":"2.0","id":0,"method":"eth_blockNumber","params":[]}'))["result"],
                16,
            )
            block = lambda tag: latest if tag in (None, "latest") else int(tag, 16)  # noqa: E731
            if block(query.get("toBlock")) - block(query.get("fromBlock")) + 1 > self.most_blocks:
                self.refused += 1
                message = self.says.format(most=self.most_blocks)
                return json.dumps(
                    {"jsonrpc": "2.0", "id": asked["id"], "error": {"code": -32602, "message": message}}
                ).encode()
        if isinstance(asked, dict) and asked.get("method") == "eth_getLogs":
            self.answered += 1
        return self.forward(body)

"""Helpers for tests: expected reverts, the chain's clock, coordinator signatures."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from eth_abi import encode
from eth_account.signers.local import LocalAccount
from eth_utils import function_signature_to_4byte_selector
from web3.logs import DISCARD

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

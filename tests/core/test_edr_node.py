"""The EDR node of tests/nodes.py: anvil's accounts and chain id, test RPCs, and Osaka's per-transaction gas cap."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount

from ost_chain.chain import DEV_CHAIN_ID, dev_accounts
from tests import web
from tests.nodes import EdrChain, start_node

EIP7825_TX_GAS_CAP = 2**24  # 16,777,216
ONE_ETH = 10**18


@pytest.fixture(scope="module")
def edr() -> Iterator[EdrChain]:
    node = start_node("edr")
    assert isinstance(node, EdrChain)
    try:
        yield node
    finally:
        node.stop()
    assert not node.running


def call(node: EdrChain, method: str, *params: Any) -> dict[str, Any]:
    """The JSON-RPC response to one request: a dict with "result" or "error"."""
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
    response = web.post(node.rpc_url, json=body, timeout=10)
    response.raise_for_status()
    answer: dict[str, Any] = response.json()
    return answer


def result(node: EdrChain, method: str, *params: Any) -> Any:
    answer = call(node, method, *params)
    assert "error" not in answer, answer
    return answer["result"]


def transfer(node: EdrChain, sender: LocalAccount, to: str, value: int, gas: int = 21_000) -> str:
    """A signed EIP-1559 transfer, as the hex string that eth_sendRawTransaction takes."""
    nonce = int(result(node, "eth_getTransactionCount", sender.address, "latest"), 16)
    tx = {
        "type": 2,
        "chainId": DEV_CHAIN_ID,
        "nonce": nonce,
        "to": to,
        "value": value,
        "gas": gas,
        "maxFeePerGas": 10 * 10**9,
        "maxPriorityFeePerGas": 10**9,
    }
    return "0x" + bytes(sender.sign_transaction(tx).raw_transaction).hex()


def balance(node: EdrChain, address: str) -> int:
    return int(result(node, "eth_getBalance", address, "latest"), 16)


def test_chain_id_and_dev_accounts(edr: EdrChain) -> None:
    assert edr.running and edr.rpc_url.startswith("http://127.0.0.1:")
    assert edr.chain_id == DEV_CHAIN_ID
    assert int(result(edr, "eth_chainId"), 16) == DEV_CHAIN_ID
    accounts = dev_accounts()
    assert [a.lower() for a in result(edr, "eth_accounts")] == [a.address.lower() for a in accounts]
    assert balance(edr, accounts[0].address) == 10_000 * ONE_ETH
    assert balance(edr, accounts[-1].address) == 10_000 * ONE_ETH


def test_snapshot_and_revert(edr: EdrChain) -> None:
    sender, receiver = dev_accounts()[1], dev_accounts()[2]
    before = balance(edr, receiver.address)
    snapshot = result(edr, "evm_snapshot")
    tx_hash = result(edr, "eth_sendRawTransaction", transfer(edr, sender, receiver.address, ONE_ETH))
    assert result(edr, "eth_getTransactionReceipt", tx_hash)["status"] == "0x1"  # Mined on sending.
    assert balance(edr, receiver.address) == before + ONE_ETH
    assert result(edr, "evm_revert", snapshot) is True
    assert balance(edr, receiver.address) == before


def test_evm_mine(edr: EdrChain) -> None:
    before = int(result(edr, "eth_blockNumber"), 16)
    result(edr, "evm_mine")
    assert int(result(edr, "eth_blockNumber"), 16) == before + 1
    block = result(edr, "eth_getBlockByNumber", "latest", False)
    assert int(block["gasLimit"], 16) == 30_000_000


def test_a_transaction_over_the_eip7825_gas_cap_is_refused(edr: EdrChain) -> None:
    sender, receiver = dev_accounts()[3], dev_accounts()[4]
    answer = call(edr, "eth_sendRawTransaction", transfer(edr, sender, receiver.address, 1, gas=EIP7825_TX_GAS_CAP + 1))
    assert "error" in answer and str(EIP7825_TX_GAS_CAP) in answer["error"]["message"], answer
    assert int(result(edr, "eth_getTransactionCount", sender.address, "latest"), 16) == 0
    # Exactly the cap is allowed.
    tx_hash = result(edr, "eth_sendRawTransaction", transfer(edr, sender, receiver.address, 1, gas=EIP7825_TX_GAS_CAP))
    assert result(edr, "eth_getTransactionReceipt", tx_hash)["status"] == "0x1"


def test_unknown_node_kind() -> None:
    with pytest.raises(ValueError, match="unknown node kind"):
        start_node("geth")

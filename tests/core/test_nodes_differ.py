"""Where nodes differ, the same sentence: the command's chain client on anvil and on Hardhat's EDR node (issue 26 #2).

The two word their errors differently ("insufficient funds" against "Sender doesn't have enough funds to send tx"),
and EDR answers `eth_sendRawTransaction` with an error for a transaction that it mined and that reverted. What
happened is decided from the chain — a balance and a fee, a transaction the node knows — never from the words.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eth_account import Account

from ost_chain.chain import LocalChain, dev_accounts
from ost_chain.client import ChainClient
from ost_chain.exceptions import ChainError, OstError
from tests.nodes import NODE_KINDS, start_node

# A contract whose every call reverts without data: PUSH1 0 PUSH1 0 REVERT, deployed by a plain creation.
_REVERTS = bytes.fromhex("64" + "60006000fd" + "6000526005601bf3")


@pytest.fixture(scope="module", params=NODE_KINDS)
def node(request: pytest.FixtureRequest) -> Iterator[LocalChain]:
    chain = start_node(request.param)
    yield chain
    chain.stop()


def test_a_signer_without_coin_is_told_so_whatever_the_node_says(node: LocalChain) -> None:
    client = ChainClient.connect(node.rpc_url)
    penniless = Account.create()
    with pytest.raises(ChainError) as refused:
        client.send_value(penniless, dev_accounts()[0].address, 1)
    assert f"{penniless.address} has no ETH to pay" in str(refused.value)


def test_a_transaction_mined_and_reverted_keeps_its_hash_and_is_explained(node: LocalChain) -> None:
    """On EDR, sending a transaction that reverts answers an error although the transaction was mined and its nonce
    used: before, the client showed a `Web3RPCError` traceback and lost the hash; now it reads the receipt."""
    client = ChainClient.connect(node.rpc_url)
    sender = dev_accounts()[7]
    created = client.w3.eth.wait_for_transaction_receipt(
        client.w3.eth.send_raw_transaction(
            sender.sign_transaction(
                {
                    "data": "0x" + _REVERTS.hex(),
                    "gas": 100_000,
                    "nonce": client.w3.eth.get_transaction_count(sender.address),
                    "chainId": client.chain_id,
                    "maxFeePerGas": 10**10,
                    "maxPriorityFeePerGas": 1,
                }
            ).raw_transaction
        )
    )
    target = created["contractAddress"]
    before = client.w3.eth.get_transaction_count(sender.address)

    def build(params: dict) -> dict:  # type: ignore[type-arg]
        return {**params, "to": target, "data": "0x", "maxFeePerGas": 10**10, "maxPriorityFeePerGas": 1}

    with pytest.raises(OstError) as failed:
        client._send(build, sender, 0, gas=60_000)  # type: ignore[arg-type]
    assert "reverted" in str(failed.value).lower() or "failed in block" in str(failed.value)
    assert client.w3.eth.get_transaction_count(sender.address) == before + 1  # mined, its nonce used

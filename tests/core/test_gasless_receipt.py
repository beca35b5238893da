"""A member's own part of a relay batch's receipt: found by review, the CLI read every member's events as its own."""

from __future__ import annotations

from eth_utils import keccak
from hexbytes import HexBytes
from web3.datastructures import AttributeDict

from ost_chain.gasless import ForwardRequest, own_part

FORWARDER = "0x" + "f0" * 20
TOKEN = "0x" + "aa" * 20
EXECUTED = HexBytes(keccak(text="ExecutedForwardRequest(address,uint256,bool)"))


def executed(signer: str, nonce: int) -> AttributeDict:
    return AttributeDict(
        {
            "address": FORWARDER,
            "topics": [EXECUTED, HexBytes(bytes(12) + bytes.fromhex(signer[2:]))],
            "data": HexBytes(nonce.to_bytes(32, "big") + (1).to_bytes(32, "big")),
        }
    )


def inner(tag: int) -> AttributeDict:
    return AttributeDict({"address": TOKEN, "topics": [HexBytes(bytes([tag]) * 32)], "data": HexBytes(b"")})


def test_only_the_members_own_logs_and_gas_are_its_own() -> None:
    alice, bob = "0x" + "11" * 20, "0x" + "22" * 20
    receipt = AttributeDict(
        {
            "transactionHash": HexBytes(b"\x01" * 32),
            "blockNumber": 7,
            "gasUsed": 300_000,
            "logs": [inner(1), executed(alice, 4), inner(2), inner(3), executed(bob, 0), inner(4), executed(alice, 5)],
        }
    )
    bobs = own_part(receipt, FORWARDER, ForwardRequest(bob, TOKEN, 1, 0, 1, b""), 90_000)
    assert [log["topics"][0][0] for log in bobs["logs"][:-1]] == [2, 3] and bobs["gasUsed"] == 90_000
    alices = own_part(receipt, FORWARDER, ForwardRequest(alice, TOKEN, 1, 5, 1, b""), 80_000)
    assert [log["topics"][0][0] for log in alices["logs"][:-1]] == [4]
    assert alices["blockNumber"] == 7 and alices["transactionHash"] == receipt["transactionHash"]

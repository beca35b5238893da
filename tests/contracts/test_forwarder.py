"""TownForwarder beside OpenZeppelin's ERC2771Forwarder as it ships, sent the same requests.

TownForwarder reads, checks, hashes and sends a request in its own code (to send members' actions for less gas),
and promises to do what OpenZeppelin's does. These tests hold it to that: both forwarders are trusted by one
target (``ForwardedEcho``) and sent the same batches and requests — valid ones, with and without coin, calls that
fail, spend gas or re-enter the forwarder, data of any length, and requests that are expired, replayed,
tampered, signed by someone else, signed malleably or with the wrong length, "from" nobody, or aimed at a target
that does not trust them;
with and without a refund receiver, with the right coin and the wrong — then calldata a decoder refuses. Each
time both must answer alike (the same revert data, or the same events, nonces and refunds), on anvil and on
Hardhat's EDR node.
"""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3.contract import Contract
from web3.exceptions import ContractLogicError, Web3RPCError

from ost_chain.chain import LocalChain, dev_accounts
from ost_chain.client import ChainClient
from ost_chain.gasless import ForwardRequest, sign
from tests.nodes import EdrChain

GAS = 4_000_000  # every transaction's limit: far more than any batch here needs (the forwarders differ only there)
NAME = "OST network"
ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141  # secp256k1's
HALF_ORDER = ORDER // 2  # the largest s ECDSA accepts
FAR = 2**40  # a deadline far ahead
KINDS = (
    "valid",
    "valid",
    "valid",
    "coin",
    "fails",
    "fails with coin",
    "burns",
    "nested",
    "any data",
    "expired",
    "stale nonce",
    "future nonce",
    "tampered",
    "someone else's",
    "high s",
    "s at the half",
    "s past the half",
    "v of 0 or 1",
    "64 bytes",
    "66 bytes",
    "from nobody",
    "untrusting target",
    "target without code",
    "target that reverts",
    "short of gas",
)


@dataclass
class Pair:
    """The two forwarders, on one node, with the target that trusts both and one that trusts neither."""

    client: ChainClient
    town: Contract
    plain: Contract
    echo: Contract
    stranger: Contract  # trusts neither forwarder
    mute: Contract  # has no isTrustedForwarder: asking it reverts

    def each(self) -> tuple[Contract, Contract]:
        return self.town, self.plain


@pytest.fixture(scope="module", params=["anvil", "edr"])
def pair(request: pytest.FixtureRequest) -> Iterator[Pair]:
    with contextlib.ExitStack() as stack:
        node = stack.enter_context(LocalChain() if request.param == "anvil" else EdrChain())
        client = ChainClient.connect(node.rpc_url)
        office = dev_accounts()[0]
        town, _ = client.deploy("TownForwarder", NAME, sender=office)
        plain, _ = client.deploy("PlainForwarder", NAME, sender=office)
        echo, _ = client.deploy("ForwardedEcho", town.address, plain.address, sender=office)
        stranger, _ = client.deploy("ForwardedEcho", office.address, office.address, sender=office)
        mute, _ = client.deploy("PlainForwarder", "mute", sender=office)
        yield Pair(client, town, plain, echo, stranger, mute)


def _signers(count: int) -> list[LocalAccount]:
    return [Account.from_key(keccak(f"forwarder/signer/{i}".encode())) for i in range(count)]


def _normal(data: str, pair: Pair) -> str:
    """Revert data or log data with either forwarder's address written alike."""
    data = data.lower()
    for forwarder in pair.each():
        data = data.replace(forwarder.address.lower()[2:], "f" * 40)
    return data


INVALID_SIGNER = "0x" + keccak(b"ERC2771ForwarderInvalidSigner(address,address)")[:4].hex()


def _recovered(data: str) -> str:
    """An ``ERC2771ForwarderInvalidSigner`` whose recovered address is nobody's: a wrong signature recovers an
    address of its digest, which names the forwarder (its EIP-712 domain), so it differs between the two. Zero and
    the test's signers (a request signed by someone else) are kept."""
    if not data.startswith(INVALID_SIGNER):
        return data
    recovered = data[10 + 24 : 10 + 64]
    known = {"0" * 40, *(who.address.lower()[2:] for who in _signers(5))}
    return data if recovered in known else data[: 10 + 24] + "e" * 40 + data[10 + 64 :]


def _revert_data(error: dict[str, Any]) -> str:
    data = error.get("data")
    if isinstance(data, dict):
        data = data.get("data")
    return data if isinstance(data, str) else "0x"


@dataclass(frozen=True)
class Outcome:
    """What one transaction did, as the caller and the chain see it, written alike for either forwarder."""

    answer: tuple[str, str]  # ("ok", "") or ("reverted", its data), from eth_call before sending
    status: int
    executed: tuple[tuple[str, int, bool], ...]  # ExecutedForwardRequest: signer, nonce, success
    target_logs: tuple[tuple[str, str], ...]  # the target's events: topic, data
    refunded: int  # coin the refund receiver gained
    kept: int  # coin left in the forwarder


def _outcome(pair: Pair, forwarder: Contract, data: bytes, value: int, receiver: str) -> Outcome:
    client, w3 = pair.client, pair.client.w3
    relayer = dev_accounts()[7]
    call = {"from": relayer.address, "to": forwarder.address, "data": "0x" + data.hex(), "value": hex(value)}
    answered = w3.provider.make_request("eth_call", [{**call, "gas": hex(GAS)}, "latest"])  # type: ignore[arg-type]
    answer = (
        ("reverted", _recovered(_normal(_revert_data(answered["error"]), pair))) if "error" in answered else ("ok", "")
    )
    before = client.balance(receiver)
    block = w3.eth.get_block("latest")
    tx = {
        "to": forwarder.address,
        "data": data,
        "value": value,
        "gas": GAS,
        "nonce": w3.eth.get_transaction_count(relayer.address),
        "chainId": client.chain_id,
        "maxFeePerGas": 2 * int(block["baseFeePerGas"]) + 10**9,
        "maxPriorityFeePerGas": 10**9,
    }
    signed = relayer.sign_transaction(tx)
    with contextlib.suppress(ContractLogicError, Web3RPCError):  # a node may answer a reverted transaction so
        w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(signed.hash, timeout=30)
    executed, target_logs = [], []
    for log in receipt["logs"]:
        if log["address"] == forwarder.address:
            (event,) = forwarder.events.ExecutedForwardRequest().process_receipt({**receipt, "logs": [log]})
            args = event["args"]
            executed.append((args["signer"], args["nonce"], args["success"]))
        else:
            assert log["address"] == pair.echo.address
            target_logs.append((log["topics"][0].hex(), _normal(log["data"].hex(), pair)))
    # The refund's receiver: none (zero, on some nodes the block's coinbase), the relayer (who also paid the gas and
    # the coin), or an account of its own.
    spent = receipt["gasUsed"] * receipt["effectiveGasPrice"] if receiver == relayer.address else 0
    return Outcome(
        answer,
        receipt["status"],
        tuple(executed),
        tuple(target_logs),
        0 if int(receiver, 16) == 0 else client.balance(receiver) - before + spent + (value if spent else 0),
        client.balance(forwarder.address),
    )


class Requests:
    """Forward requests of each kind, signed for one forwarder, its signers' nonces followed as a batch uses them."""

    def __init__(self, pair: Pair, forwarder: Contract, signers: list[LocalAccount]) -> None:
        self.pair, self.forwarder, self.signers = pair, forwarder, signers
        self.next: dict[str, int] = {}

    def nonce(self, who: LocalAccount) -> int:
        if who.address not in self.next:
            self.next[who.address] = self.forwarder.functions.nonces(who.address).call()
        return self.next[who.address]

    def sign(self, who: LocalAccount, request: ForwardRequest) -> ForwardRequest:
        chain = self.pair.client.chain_id
        return sign(who, request, chain, self.forwarder.address, NAME)

    def of(self, kind: str, who: LocalAccount, mark: int, nested: ForwardRequest | None = None) -> ForwardRequest:
        """A request of ``kind`` by ``who``; ``mark`` makes its payload its own."""
        echo = self.pair.echo.functions
        payload = mark.to_bytes(4, "big") * (1 + mark % 5)
        value = 0
        gas = 60_000
        data = echo.echo(payload)._encode_transaction_data()
        if kind in ("coin", "fails with coin"):
            value = 1_000 + mark
        if kind.startswith("fails"):
            data = echo.refuse(mark)._encode_transaction_data()
        if kind == "burns":
            data, gas = echo.burn(50 + mark % 50)._encode_transaction_data(), 400_000
        if kind == "short of gas":
            data, gas = echo.burn(400)._encode_transaction_data(), 20_000
        if kind == "any data":  # data of any length, 0 to 400 bytes (the target has no such function: it fails)
            data = "0x" + bytes((mark * 7 + i) % 256 for i in range(mark * 37 % 401)).hex()
        if kind == "nested":
            assert nested is not None
            execute = self.forwarder.functions.execute(nested.as_call())._encode_transaction_data()
            data, gas = echo.nest(bytes.fromhex(execute[2:]))._encode_transaction_data(), 300_000
        nonce = self.nonce(who)
        to = {
            "untrusting target": self.pair.stranger.address,
            "target without code": Account.from_key(keccak(b"nobody here")).address,
            "target that reverts": self.pair.mute.address,
        }.get(kind, self.pair.echo.address)
        request = ForwardRequest(who.address, to, gas, nonce, FAR, bytes.fromhex(data[2:]), value)
        if kind == "expired":
            request = replace(request, deadline=1)
        if kind == "stale nonce":  # a nonce used before (or, for a signer who has none, one far ahead)
            request = replace(request, nonce=nonce - 1 if nonce else nonce + 2)
        if kind == "future nonce":
            request = replace(request, nonce=nonce + 1)
        signed = self.sign(who, request)
        used = kind in ("valid", "coin", "fails", "fails with coin", "burns", "nested", "any data", "short of gas")
        if kind == "tampered":
            signed = replace(signed, data=signed.data + b"\x00")
        if kind == "someone else's":
            signed = replace(signed, signature=self.sign(self.signers[-1], request).signature)
        r, s, v = signed.signature[:32], int.from_bytes(signed.signature[32:64], "big"), signed.signature[64]
        if kind == "high s":  # the same signer by the other s: malleable, refused by ECDSA
            signed = replace(signed, signature=r + (ORDER - s).to_bytes(32, "big") + bytes([55 - v]))
        if kind in ("s at the half", "s past the half"):  # ECDSA's bound, and one past it
            bound = HALF_ORDER + (kind == "s past the half")
            signed = replace(signed, signature=r + bound.to_bytes(32, "big") + bytes([v]))
        if kind == "v of 0 or 1":
            signed = replace(signed, signature=signed.signature[:64] + bytes([v - 27]))
        if kind == "64 bytes":
            signed = replace(signed, signature=signed.signature[:64])
        if kind == "66 bytes":
            signed = replace(signed, signature=signed.signature + b"\x01")
        if kind == "from nobody":
            signed = replace(signed, sender="0x" + "00" * 20, signature=bytes(65))
        if used:
            self.next[who.address] = nonce + 1
        return signed


Build = Callable[[Requests], tuple[bytes, int]]  # a transaction's calldata and coin, for one forwarder


def _same(pair: Pair, build: Build, receiver: str) -> Outcome:
    """What ``build`` makes for each forwarder, sent to it: both outcomes, which must be equal."""
    outcomes = [_outcome(pair, f, *build(Requests(pair, f, _signers(5))), receiver) for f in pair.each()]
    town, plain = outcomes
    assert town == plain
    return town


def _calldata(fn: Any) -> bytes:
    return bytes.fromhex(fn._encode_transaction_data()[2:])


def _batch(kinds: list[str], who: list[LocalAccount], mark: int, receiver: str, extra_coin: int) -> Build:
    """A batch of requests of ``kinds`` by ``who``, with their coin and ``extra_coin`` more."""

    def build(requests: Requests) -> tuple[bytes, int]:
        batch = []
        for i, (kind, signer) in enumerate(zip(kinds, who, strict=True)):
            inner = requests.of("valid", requests.signers[-1], mark + 5_000 + i) if kind == "nested" else None
            batch.append(requests.of(kind, signer, mark + i, inner))
        fn = requests.forwarder.functions.executeBatch([r.as_call() for r in batch], receiver)
        return _calldata(fn), sum(r.value for r in batch) + extra_coin

    return build


def test_batches_of_every_kind_of_request_do_what_openzeppelins_forwarder_does(pair: Pair) -> None:
    rng = random.Random(7)
    signers = _signers(5)
    receivers = ("0x" + "00" * 20, dev_accounts()[7].address, Account.from_key(keccak(b"refunds")).address)
    seen: Counter[str] = Counter()
    for round_ in range(40):
        kinds = [rng.choice(KINDS) for _ in range(rng.randint(1, 6))]
        who = [rng.choice(signers[:-1]) for _ in kinds]
        receiver = rng.choice(receivers)
        extra_coin = 1 if rng.random() < 0.1 else 0  # the wrong coin for the batch, now and then
        outcome = _same(pair, _batch(kinds, who, round_ * 10, receiver, extra_coin), receiver)
        seen.update(kinds)
        seen["batches sent whole" if outcome.status == 1 else "batches refused"] += 1
        seen["requests sent"] += len(outcome.executed)
        seen["coin refunded"] += outcome.refunded > 0
    # The rounds reached every kind, and every way a batch can end.
    assert set(seen) >= set(KINDS), set(KINDS) - set(seen)
    assert min(seen["batches sent whole"], seen["batches refused"], seen["requests sent"], seen["coin refunded"]) > 0
    for signer in signers:
        assert pair.town.functions.nonces(signer.address).call() == pair.plain.functions.nonces(signer.address).call()


@pytest.mark.parametrize("kind", KINDS)
def test_execute_answers_each_kind_of_request_as_openzeppelins_does(pair: Pair, kind: str) -> None:
    """One request sent alone, by ``execute``; and ``verify`` (OpenZeppelin's own in both) says the same of it
    in both before it is sent."""
    mark = 1_000 + KINDS.index(kind)
    verified = []

    def build(requests: Requests) -> tuple[bytes, int]:
        inner = requests.of("valid", requests.signers[-1], mark + 500) if kind == "nested" else None
        request = requests.of(kind, requests.signers[0], mark, inner)
        verified.append(requests.forwarder.functions.verify(request.as_call()).call())
        return _calldata(requests.forwarder.functions.execute(request.as_call())), request.value

    outcome = _same(pair, build, dev_accounts()[7].address)
    assert verified[0] == verified[1]
    sent = kind in ("valid", "coin", "burns", "nested")
    failing = kind.startswith("fails") or kind in ("any data", "short of gas")  # valid, the call fails
    assert (outcome.status == 1) == sent and verified[0] == (sent or failing)


def _words(data: bytes) -> list[int]:
    return [int.from_bytes(data[4 + 32 * i : 4 + 32 * (i + 1)], "big") for i in range((len(data) - 4) // 32)]


def _with(data: bytes, word: int, value: int) -> bytes:
    at = 4 + 32 * word
    return data[:at] + value.to_bytes(32, "big") + data[at + 32 :]


# executeBatch(requests, receiver) of two requests, as words after the selector: 0 the array's offset (0x40),
# 1 the receiver, 2 the array's length, 3 and 4 its elements' offsets (from word 3), then each element's head of
# seven words (from, to, value, gas, deadline, data's offset, signature's offset; offsets from the head) and its
# tails; the second request's signature ends the calldata. execute(request): 0 the request's offset (0x20), then
# its head and tails. Each case bends words of ``w`` given the first request's head ``e`` and the last's ``z``.
MALFORMED = {
    "an address with dirty high bits": lambda w, e, z: [(e, w[e] | (1 << 200))],
    "a target with dirty high bits": lambda w, e, z: [(e + 1, w[e + 1] | (1 << 160))],
    "a deadline of more than 48 bits": lambda w, e, z: [(e + 4, 1 << 48)],
    "data outside the calldata": lambda w, e, z: [(e + 5, 2**64)],
    "data longer than the calldata": lambda w, e, z: [(e + w[e + 5] // 32, 2**20)],
    "data of a negative offset": lambda w, e, z: [(e + 5, 2**256 - 32)],
    "a data length of zero": lambda w, e, z: [(e + w[e + 5] // 32, 0)],
    "a signature outside the calldata": lambda w, e, z: [(e + 6, 2**40)],
    "a signature longer than the calldata": lambda w, e, z: [(e + w[e + 6] // 32, 2**63)],
    "a signature of a negative offset": lambda w, e, z: [(e + 6, 2**256 - 32)],
    "a signature ending where the calldata ends": lambda w, e, z: [(z + w[z + 6] // 32, 96)],
    "a signature one byte past the calldata": lambda w, e, z: [(z + w[z + 6] // 32, 97)],
    "an element outside the calldata": lambda w, e, z: [(3, 2**32)],
    "an element of a negative offset": lambda w, e, z: [(4, 2**256 - 64)],
    "a length of more than the calldata holds": lambda w, e, z: [(2, 3)],
    "both elements the same request": lambda w, e, z: [(4, w[3])],
}
BATCH_ONLY = {
    "an element outside the calldata",
    "an element of a negative offset",
    "a length of more than the calldata holds",
    "both elements the same request",
}
# Bent, but still a reading the ABI allows (OpenZeppelin's decoder reads it too): one request no longer matches
# its signature.
STILL_READ = {
    "both elements the same request",
    "a data length of zero",
    "data of a negative offset",
    "a signature of a negative offset",
    "a signature ending where the calldata ends",
}
CASES = [(case, how) for case in sorted(MALFORMED) for how in ("batch", "batch, no refund", "execute")]


@pytest.mark.parametrize(("case", "how"), [c for c in CASES if c[1] == "batch" or c[0] not in BATCH_ONLY])
def test_calldata_a_decoder_refuses_is_refused_alike(pair: Pair, case: str, how: str) -> None:
    """Calldata bent out of the ABI's shape: where OpenZeppelin's decoder refuses it, so does TownForwarder (the
    same empty revert); where the shape still reads, both do the same with it."""
    signers = _signers(5)
    to = dev_accounts()[7].address if how == "batch" else "0x" + "00" * 20
    mark = 5_000 + CASES.index((case, how)) * 10

    def build(requests: Requests) -> tuple[bytes, int]:
        batch = [requests.of("valid", signers[2], mark), requests.of("valid", signers[3], mark + 1)]
        if how == "execute":
            data = _calldata(requests.forwarder.functions.execute(batch[1].as_call()))
            words = _words(data)
            first = last = words[0] // 32
        else:
            data = _calldata(requests.forwarder.functions.executeBatch([r.as_call() for r in batch], to))
            words = _words(data)
            first, last = 3 + words[3] // 32, 3 + words[4] // 32  # the two requests' heads
            assert words[:3] == [0x40, int(to, 16), 2]
        assert words[last : last + 2] == [int(signers[3].address, 16), int(pair.echo.address, 16)]
        assert len(data) == 4 + 32 * (last + words[last + 6] // 32 + 1 + 3)  # the signature (3 words) ends it
        for word, value in MALFORMED[case](words, first, last):
            data = _with(data, word, value)
        return data, 0

    outcome = _same(pair, build, to)
    if case in STILL_READ and how == "batch":  # one request is skipped, the other sent
        assert len(outcome.executed) == 1 and outcome.status == 1
    elif case in STILL_READ:  # the request that no longer matches its signature ends the transaction
        assert outcome.answer[1][:10] in (INVALID_SIGNER, "0x" + keccak(b"FailedCall()")[:4].hex())
        assert outcome.status == 0
    else:
        assert outcome.answer == ("reverted", "0x") and outcome.status == 0

"""Calldata, results and events from the compiled ABI: the hot paths' shortcuts agree with the full decoding."""

from __future__ import annotations

import random

import pytest
from eth_abi import encode
from eth_abi.exceptions import DecodingError, InsufficientDataBytes
from eth_utils.abi import get_abi_output_types

from ost_chain.abi import Event, Function, decode_result
from ost_chain.artifacts import Artifacts
from ost_chain.compiler import compile_contracts
from ost_chain.settings import get_settings


def _infinity_abi() -> list[dict]:
    return list(Artifacts(compile_contracts(get_settings()).build_dir).get("InfinityToken")["abi"])


def test_a_word_read_from_a_log_equals_the_decoded_argument() -> None:
    rewarded = Event.of(_infinity_abi(), "Rewarded")
    data = encode(["uint256", "address", "uint32"], [10**18 + 7, "0x" + "11" * 20, 180])
    for raw in ("0x" + data.hex(), data):
        log = {"data": raw, "topics": [rewarded.topic, "0x" + "00" * 32, "0x" + "ab" * 32, "0x" + "00" * 32]}
        assert rewarded.matches(log)
        assert rewarded.word(log, "amount") == rewarded.data(log)["amount"] == 10**18 + 7
        assert rewarded.word(log, "minutesWorked") == 180
        assert rewarded.topic_of(log, "participationId") == "0x" + "ab" * 32


def test_structs_are_built_by_field_name_in_the_abi_s_order() -> None:
    batch = Function.of(_infinity_abi(), "rewardBatch")
    assert batch.fields(0) == ("member", "minutesWorked", "participationId", "projectId")
    entry = batch.struct(0)(
        {"projectId": 3, "participationId": b"\x01" * 32, "member": "0x" + "22" * 20, "minutesWorked": 90}
    )
    assert entry == ("0x" + "22" * 20, 90, b"\x01" * 32, 3)
    assert batch.encode([entry])[:4] == batch.selector


def _value(param: dict, rng: random.Random) -> object:
    """A random value of an ABI parameter's type, as ``eth_abi`` encodes it."""
    kind = param["type"]
    if kind.endswith("]"):
        count = kind[kind.rindex("[") + 1 : -1]
        inner = {**param, "type": kind[: kind.rindex("[")]}
        return [_value(inner, rng) for _ in range(int(count) if count else rng.randint(0, 3))]
    if kind == "tuple":
        return tuple(_value(c, rng) for c in param["components"])
    if kind.startswith("uint"):
        return rng.choice([0, 1, 2 ** int(kind[4:] or 256) - 1, rng.getrandbits(int(kind[4:] or 256))])
    if kind.startswith("int"):
        bits = int(kind[3:] or 256)
        return rng.choice([0, -1, -(2 ** (bits - 1)), 2 ** (bits - 1) - 1])
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "address":
        return "0x" + rng.randbytes(20).hex()
    if kind == "string":
        return rng.choice(["", "Prince Albert", "ألبرت"])
    if kind == "bytes":
        return rng.randbytes(rng.randint(0, 70))
    return rng.randbytes(int(kind[5:]))  # bytesN


def test_results_read_from_their_words_equal_eth_abi_s_for_every_function_of_every_contract() -> None:
    """The static outputs' reader (the sales' hundreds of reads) gives what the full decoding gives, structs and
    checksummed addresses included; dynamic outputs, and data of another length, go to the full decoding."""
    artifacts = Artifacts(compile_contracts(get_settings()).build_dir)
    rng, read = random.Random(7), 0
    others = [  # the types no contract of ours returns yet
        {"type": "function", "name": "x", "inputs": [], "outputs": [{"name": n, "type": t} for n, t in kinds]}
        for kinds in ([("a", "int24"), ("b", "bytes4"), ("c", "uint8[2]")], [("d", "int256[3]"), ("e", "bool")])
    ]
    for name, abi in [*((n, artifacts.get(n)["abi"]) for n in artifacts.names()), ("others", others)]:
        for entry in abi:
            if entry.get("type") != "function" or not entry.get("outputs"):
                continue
            fn = Function.entry(entry)
            types = get_abi_output_types(entry)
            for _ in range(4):
                data = encode(types, [_value(o, rng) for o in entry["outputs"]])
                assert fn.decode(data) == decode_result(entry, data), f"{name}.{entry['name']}"
            read += fn.static is not None
    assert read > 50  # most views are static: the shortcut is in use
    terms = Function.of(artifacts.get("ShareSale")["abi"], "terms")
    assert terms.static is not None
    with pytest.raises(InsufficientDataBytes):  # a short answer is not read as zeros
        terms.decode(b"\x00" * 31)


def test_words_no_abi_encoder_writes_are_refused_as_eth_abi_refuses_them() -> None:
    """Found by review: the words' reader took a bool of 2 for false, an address's high bytes away, a uint8 of 300
    and an int24 that was not sign-extended as they came. A wrong contract or a garbled node answer is now refused,
    in eth_abi's words, as it was before the shortcut."""
    word = lambda value: value.to_bytes(32, "big")  # noqa: E731
    cases = {
        "bool": [word(2), word(257)],
        "address": [b"\x01" + bytes(11) + b"\x22" * 20],
        "uint8": [word(300)],
        "int24": [word(0xFFFFFF)],
        "bytes4": [b"\xab" * 4 + b"\x01" + bytes(27)],
    }
    for kind, answers in cases.items():
        fn = Function.entry({"type": "function", "name": "x", "inputs": [], "outputs": [{"name": "", "type": kind}]})
        assert fn.static is not None
        for data in answers:
            with pytest.raises(DecodingError):
                fn.decode(data)
    int24 = Function.entry({"type": "function", "name": "x", "inputs": [], "outputs": [{"name": "", "type": "int24"}]})
    assert int24.decode(encode(["int24"], [-5])) == -5


def test_a_fixed_array_of_structs_and_unnamed_fields_read_as_named_tuples() -> None:
    component = [{"name": "a", "type": "uint8"}, {"name": "", "type": "bool"}]
    output = {"name": "", "type": "tuple[2]", "internalType": "struct Lib.Pair[2]", "components": component}
    fn = Function.entry({"type": "function", "name": "x", "inputs": [], "outputs": [output]})
    pairs = fn.decode(encode(["(uint8,bool)[2]"], [[(1, True), (2, False)]]))
    assert [type(p).__name__ for p in pairs] == ["Pair", "Pair"] and pairs[1].a == 2 and pairs[0]._1 is True


def test_sale_terms_go_to_the_contracts_in_the_order_their_abi_gives() -> None:
    """Issue 28: SaleTerms' order comes from IShareSale.Terms' components in the compiled ABI, never written out."""
    from ost_chain.terms import SaleTerms, component_names

    terms = SaleTerms(
        price=7, shares_offered=100, min_shares=10, start=1_000, local_duration=60, treasury="0x" + "11" * 20
    )
    by_name = dict(zip(component_names(), terms.as_tuple(), strict=True))
    assert by_name == {
        "price": 7,
        "sharesOffered": 100,
        "minShares": 10,
        "maxPerBuyer": 0,
        "start": 1_000,
        "localDuration": 60,
        "countryDuration": 0,
        "worldDuration": 0,
        "treasury": "0x" + "11" * 20,
        "paymentAsset": "0x" + "00" * 20,
    }

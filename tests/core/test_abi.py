"""Calldata, results and events from the compiled ABI: the hot paths' shortcuts agree with the full decoding."""

from __future__ import annotations

from eth_abi import encode

from ost_chain.abi import Event, Function
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

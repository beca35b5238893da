"""The registry of member actions (ost_chain/actions.py): what the bridge relays for a member, from the ABIs."""

from __future__ import annotations

from dataclasses import replace

import pytest
from eth_utils import function_signature_to_4byte_selector

import api.bridge
from api.bridge import wallet_calls
from ost_chain.actions import ACTIONS, BY_SLUG, MemberAction, allowlist, recorded
from ost_chain.artifacts import Artifacts
from ost_chain.compiler import compile_contracts
from ost_chain.settings import get_settings

# Every function the bridge relays for a member, written out once here to hold the registry to it: a function that
# appears in an ABI under a registered name (a new overload) must be looked at before members may have it relayed.
RELAYED = {
    "InfinityToken": {
        "transfer(address,uint256)": "send-inf",
        "redeem(uint256,bytes32,string)": "redeem-basket",
        "permit(address,address,uint256,uint256,uint8,bytes32,bytes32)": "permit-inf",
    },
    "ProfitDistributor": {
        "claim()": "claim-profit",
        "claim(address)": "claim-profit",
        "claimAsInvestor(uint256,address)": "claim-investor-profit",
    },
    "ShareSale": {
        "buy(uint256)": "buy-shares",
        "buyWithPermit(uint256,uint256,uint8,bytes32,bytes32)": "buy-shares",
        "refund()": "take-refund",
    },
    "ShareToken": {"transfer(address,uint256)": "send-shares"},
}


@pytest.fixture(scope="module")
def artifacts() -> Artifacts:
    return Artifacts(compile_contracts(get_settings()).build_dir)


def test_the_relayed_functions_are_exactly_the_registry_s_from_the_compiled_abis(artifacts: Artifacts) -> None:
    allowed = allowlist(lambda contract: artifacts.get(contract)["abi"])
    expected = {
        contract: {function_signature_to_4byte_selector(sig): slug for sig, slug in functions.items()}
        for contract, functions in RELAYED.items()
    }
    assert {c: {sel: a.slug for sel, (a, _) in calls.items()} for c, calls in allowed.items()} == expected
    assert all(fn.selector == sel for calls in allowed.values() for sel, (_, fn) in calls.items())


def test_each_action_is_named_once_and_a_name_missing_from_its_abi_is_refused_at_start(artifacts: Artifacts) -> None:
    assert len(BY_SLUG) == len(ACTIONS) and len({a.words for a in ACTIONS}) == len(ACTIONS)
    typo = MemberAction("send-inf", "InfinityToken", ("tranfser",), "send INF")
    with pytest.raises(LookupError, match="tranfser"):
        list(typo.entries(artifacts.get("InfinityToken")["abi"]))


def test_a_request_recorded_by_words_by_a_replica_of_the_previous_version_finds_its_action() -> None:
    """Found by review: replicas share a database, so during an upgrade an old replica may still record "send INF"
    after the new one moved the rows to slugs: its receipt and its API answer must still find the action."""
    assert recorded("send-inf") is recorded("send INF") is BY_SLUG["send-inf"]
    assert recorded("claim investor profit") is BY_SLUG["claim-investor-profit"]
    assert recorded("mint INF") is None


def test_the_page_s_wallet_calls_are_the_registry_s_page_actions_and_a_new_one_joins_them(artifacts: Artifacts) -> None:
    """Issue 28 #1: the page's calls were a list of their own (WALLET_CALLS) beside the registry. Now every function
    of an action the page offers is among them, by name, with the overload the page uses where there are several;
    an overloaded one the page does not name is refused at start."""
    calls = wallet_calls(artifacts)
    offered = {f for a in ACTIONS if a.page for f in a.functions}
    assert offered <= set(calls) and {"finalize", "approve", "nonces", "name", "eip712Domain", "version"} <= set(calls)
    assert calls["claim"].inputs == ("address",)  # the overload that names its asset
    sending = replace(BY_SLUG["send-shares"], page=True)  # offered on the page: one line in the registry
    actions = tuple(sending if a.slug == "send-shares" else a for a in ACTIONS)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(api.bridge, "ACTIONS", actions)
        assert wallet_calls(artifacts)["transfer"].inputs == ("address", "uint256")
        overloaded = replace(BY_SLUG["claim-profit"], page=True)
        patch.setattr(api.bridge, "PAGE_CALLS", {k: v for k, v in api.bridge.PAGE_CALLS.items() if k != "claim"})
        patch.setattr(api.bridge, "ACTIONS", (overloaded,))
        with pytest.raises(LookupError, match="claim with 2 overloads"):
            wallet_calls(artifacts)

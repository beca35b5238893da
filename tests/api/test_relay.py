"""Members who hold no coin for gas, through the bridge: `POST /v1/relay` with a request signed as a wallet signs it
(`eth_signTypedData_v4`), followed to its block; the town's policy holds; nothing refused costs the relayer."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3.contract import Contract

from ost_chain.chain import LocalChain
from ost_chain.client import ChainClient
from ost_chain.deploy import deploy_plan
from ost_chain.enums import NATIVE
from ost_chain.gasless import ForwardRequest, RelayClient, prepare, sign
from ost_chain.plan import load_plan
from ost_chain.townclient import Reward, Town
from tests.api.conftest import AMBASSADOR, COORDINATOR, DEV, Bridge, Databases, Deployed, serving, wait_until
from tests.api.test_bridge import assert_problem

ONE_INF = 10**18


def member(d: Deployed, inf: int = 3) -> LocalAccount:
    """A new member who never held the native coin, with ``inf`` INF earned (3 hours a shift)."""
    account = Account.create()
    town = d.town
    town.add_members(AMBASSADOR, [account.address])
    if inf:
        town.reward(COORDINATOR, Reward(account.address, inf * 180, f"earned-{account.address}", 1))
    assert d.client.balance(account.address) == 0
    return account


def signed(d: Deployed, signer: LocalAccount, fn: Any, **changes: Any) -> ForwardRequest:
    """``fn`` by ``signer`` as a wallet would sign it for the town's forwarder (``changes`` made before signing)."""
    town = d.town
    name = town.forwarder.functions.eip712Domain().call()[1]
    request = replace(prepare(town, signer.address, fn), **changes)
    return sign(signer, request, d.client.chain_id, town.forwarder.address, name)


def confirmed(http: httpx.Client, relay_id: str) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        body = http.get(f"/v1/relay/{relay_id}").json()
        return body if body["status"] in ("confirmed", "failed") else None

    return wait_until(done)  # type: ignore[no-any-return]


def relayed(http: httpx.Client, request: ForwardRequest) -> dict[str, Any]:
    answer = http.post("/v1/relay", json=request.as_json())
    assert answer.status_code == 202, answer.text
    return confirmed(http, answer.json()["relayId"])


def test_a_member_without_coin_sends_inf_as_a_wallet_signs_it(
    deployed: Deployed, bridge: Bridge, http: httpx.Client
) -> None:
    sender, receiver = member(deployed), member(deployed, inf=0)
    inf = deployed.town.infinity
    relayer_before = deployed.client.balance(bridge_relayer(deployed))
    request = signed(deployed, sender, inf.functions.transfer(receiver.address, ONE_INF))
    body = relayed(http, request)
    assert body["status"] == "confirmed", body
    assert body["action"] == "send INF" and body["signer"] == sender.address and body["block"] > 0
    assert int(body["cost"]) > 0 and body["gasUsed"] > 21_000
    assert inf.functions.balanceOf(receiver.address).call() == ONE_INF
    assert deployed.client.balance(sender.address) == 0
    assert deployed.client.balance(bridge_relayer(deployed)) < relayer_before  # the town paid
    again = http.post("/v1/relay", json=request.as_json())
    assert again.status_code == 200 and again.json()["status"] == "confirmed"  # a retry: its state, sent once
    quota = http.get(f"/v1/relay/quota/{sender.address}").json()
    assert (quota["used"], quota["left"], quota["freeActions"]) == (1, 4, 5)
    assert quota["nextDay"] == "00:00 SAST" and "4 of today's 5 free actions left" in quota["sentence"]


def bridge_relayer(d: Deployed) -> str:
    return COORDINATOR.address  # the bridge relays from the first coordinator's account on the development chain


"""Attacks on the bridge found by the outside review (issue 15), each reproduced against a real bridge and chain."""

from __future__ import annotations

import time
import uuid
from urllib.parse import quote

import httpx
import pytest

from ost_chain.enums import Role
from ost_chain.units import ONE_INF, relayed_id
from tests import web
from tests.api.conftest import (
    AMBASSADOR,
    COORDINATOR,
    MEMBERS,
    OTHER_COORDINATOR,
    Bridge,
    Databases,
    Deployed,
    attested,
    participation,
    wait_until,
)
from tests.helpers import advance_time

PASSWORD, QUERY_KEY = "pw-4c1f9e0d7a", "key-9b8a7f6e5d4c"


def test_an_unreachable_chain_never_shows_the_rpc_credentials(fresh_town: Deployed, databases: Databases) -> None:
    """A hosted provider's URL carries a key (in the path, the query or as a password): when the node is away,
    clients get a sentence and the log a redacted URL, never the key."""
    d = fresh_town
    secret_url = d.node.rpc_url.replace("http://", f"http://ops:{PASSWORD}@") + f"/?apikey={QUERY_KEY}"
    bridge = Bridge(d, databases.url("leak"), rpc_url=secret_url).start()
    try:
        assert web.get(f"{bridge.url}/healthz").status_code == 200
        d.node.stop()
        member = MEMBERS[0]
        for path in (
            "/healthz",
            "/v1/town",
            f"/v1/members/{member}",
            "/v1/businesses",
            f"/v1/businesses/0/eligibility?address={member}",
            f"/v1/recoveries/{member}",
            "/v1/activity",
        ):
            response = web.get(bridge.url + path, timeout=15)
            assert response.status_code == 503, (path, response.text)
            assert PASSWORD not in response.text and QUERY_KEY not in response.text, (path, response.text)
            if path != "/healthz":
                detail = response.json()["detail"]
                assert detail.startswith("The chain cannot be reached") and "127.0.0.1" not in detail, detail
                assert response.headers["retry-after"]
    finally:
        bridge.stop()
    log = bridge.log.read_text() if bridge.log else ""
    assert PASSWORD not in log and QUERY_KEY not in log


def test_an_id_used_first_outside_the_bridge_is_never_reported_confirmed(
    deployed: Deployed, bridge: Bridge, key: str, http: httpx.Client
) -> None:
    """Each coordinator's ids are its own, so another coordinator can no longer take this one's (issue 26 #3:
    test_holding.py). But the relayer's key, used outside the bridge, can use the very key the bridge would mint a
    coordinator's id under — here, one minute to an accomplice. The participation must fail saying so, not show that
    mint as its own (issue 15 #4)."""
    participation_id = f"river-2026-11-25-{uuid.uuid4().hex[:8]}"
    accomplice, member = MEMBERS[40], MEMBERS[41]
    taken = relayed_id(COORDINATOR.address, participation_id)
    deployed.client.transact(deployed.town.infinity.functions.reward(accomplice, 1, taken, 1), COORDINATOR)
    block = deployed.client.w3.eth.block_number
    body = participation(member, participation_id=participation_id)
    assert http.post("/v1/participations", json=body, headers={"Authorization": f"Bearer {key}"}).status_code == 202
    path = f"/v1/participations/{quote(participation_id, safe='')}"
    done = wait_until(lambda: (r := http.get(path).json())["status"] in ("confirmed", "failed") and r)
    assert done["status"] == "failed", done
    assert f"already used for {accomplice} on block {block}" in done["reason"], done["reason"]
    assert deployed.town.infinity.functions.balanceOf(member).call() == 0
    assert done["minted"] is None and done["txHash"] is None


def _status(http: httpx.Client, participation_id: str) -> dict:
    return dict(http.get(f"/v1/participations/{participation_id}").json())


@pytest.mark.databases("postgresql")
def test_a_coordinator_is_held_to_its_own_cap_and_role_through_the_bridge(
    fresh_town: Deployed, databases: Databases
) -> None:
    """API-key participations are minted by the relayer, so the chain charges the relayer's cap. The bridge must
    hold each coordinator to its own: no cap, no intake; over its cap, it waits; revoked, its queue fails
    (issue 15 #2)."""
    d = fresh_town
    infinity, registry = d.town.infinity.functions, d.town.registry.functions
    d.client.transact(infinity.setCoordinatorDailyCap(OTHER_COORDINATOR.address, 0), AMBASSADOR)
    bridge = Bridge(d, databases.url("caps"), env={"OST_BRIDGE__CAP_CACHE_SECONDS": "1"}).start()
    try:
        key, _ = bridge.new_key(OTHER_COORDINATOR.address)
        with httpx.Client(base_url=bridge.url, timeout=30, headers={"Authorization": f"Bearer {key}"}) as http:
            refused = http.post("/v1/participations", json=participation(MEMBERS[0]))
            assert refused.status_code == 403 and "no daily cap" in refused.json()["detail"], refused.text
            # A cap of two shifts: two of five three-hour shifts are minted, three wait for the chain's next day.
            d.client.transact(infinity.setCoordinatorDailyCap(OTHER_COORDINATOR.address, 2 * ONE_INF), AMBASSADOR)
            time.sleep(1.1)  # the bridge trusts a cap it read for a second here (ten by default)
            ids = [f"capped-{n}-{uuid.uuid4().hex[:6]}" for n in range(5)]
            for n, participation_id in enumerate(ids):
                body = participation(MEMBERS[10 + n], participation_id=participation_id)
                assert http.post("/v1/participations", json=body).status_code == 202
            wait_until(lambda: sum(_status(http, i)["status"] == "confirmed" for i in ids) == 2)
            time.sleep(1.5)  # past the worker's next looks at the caps: what it minted today still counts
            statuses = [_status(http, i)["status"] for i in ids]
            assert sorted(statuses) == ["confirmed", "confirmed", "queued", "queued", "queued"], statuses
            assert infinity.totalSupply().call() == 2 * ONE_INF
            # The worker says so at its next look at the caps (waited for: not a fixed interval on a busy machine).
            wait_until(
                lambda: any(
                    "reached its daily cap of 2 INF" in w for w in web.get(f"{bridge.url}/healthz").json()["warnings"]
                )
            )
            # Revoked: what it still has queued fails, saying why; nothing more is minted.
            d.client.transact(registry.revokeRole(Role.id(Role.COORDINATOR), OTHER_COORDINATOR.address), AMBASSADOR)
            advance_time(d.client, 86_400)  # a new day: the cap no longer holds them back, the role does
            waiting = [i for i, s in zip(ids, statuses, strict=True) if s == "queued"]
            wait_until(lambda: all(_status(http, i)["status"] == "failed" for i in waiting), timeout=40)
            assert "no longer holds COORDINATOR_ROLE" in _status(http, waiting[0])["reason"]
            assert infinity.totalSupply().call() == 2 * ONE_INF
    finally:
        bridge.stop()


@pytest.mark.databases("postgresql")
def test_a_batch_bigger_than_the_relayer_s_cap_shrinks_and_nobody_waits_behind_it(
    fresh_town: Deployed, databases: Databases
) -> None:
    """55 day-long shifts against a relayer capped at 100 INF used to stall the whole queue for good: the same
    oversized batch was retried for ever. It must shrink to what fits and go on (issue 15 #3)."""
    d = fresh_town
    infinity = d.town.infinity.functions
    # The relayer is the plan's first coordinator; the participations come from the second, whose cap is ample.
    d.client.transact(infinity.setCoordinatorDailyCap(COORDINATOR.address, 100 * ONE_INF), AMBASSADOR)
    bridge = Bridge(d, databases.url("relayercap")).start()
    try:
        key, _ = bridge.new_key(OTHER_COORDINATOR.address)
        with httpx.Client(base_url=bridge.url, timeout=30, headers={"Authorization": f"Bearer {key}"}) as http:
            ids = [f"day-{n}-{uuid.uuid4().hex[:6]}" for n in range(55)]
            for n, participation_id in enumerate(ids):
                body = participation(MEMBERS[n], participation_id=participation_id, hours=24)  # 8 INF each
                assert http.post("/v1/participations", json=body).status_code == 202
            wait_until(lambda: sum(_status(http, i)["status"] == "confirmed" for i in ids) == 12)  # 96 of 100 INF
            warnings = web.get(f"{bridge.url}/healthz").json()["warnings"]
            assert any("The relayer" in w and "daily cap of 100 INF" in w for w in warnings), warnings
            advance_time(d.client, 86_400)
            wait_until(lambda: sum(_status(http, i)["status"] == "confirmed" for i in ids) == 24, timeout=40)
            assert infinity.totalSupply().call() == 24 * 8 * ONE_INF
    finally:
        bridge.stop()


SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def test_a_signature_s_malleable_twins_are_refused_up_front(deployed: Deployed, http: httpx.Client) -> None:
    """Whoever sees an attestation could post its twin first (the same signature with s flipped high, or v as
    0/1): the contract refuses both, so the bridge must too, before queueing anything (issue 15 #12)."""
    body = attested(deployed, COORDINATOR)
    signature = bytes.fromhex(body["attestation"]["signature"][2:])
    r, s, v = signature[:32], int.from_bytes(signature[32:64], "big"), signature[64]
    high_s = r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])  # 27 ↔ 28: the same signer, recovered
    low_v = signature[:64] + bytes([v - 27])
    for twin in (high_s, low_v):
        forged = {**body, "attestation": {**body["attestation"], "signature": "0x" + twin.hex()}}
        refused = http.post("/v1/participations", json=forged)
        assert refused.status_code == 422 and "canonical" in refused.json()["detail"], refused.text
    assert http.get(f"/v1/participations/{body['participationId']}").status_code == 404
    assert http.post("/v1/participations", json=body).status_code == 202  # the original still goes


def test_ids_with_a_slash_or_a_hash_are_served_back(deployed: Deployed, http: httpx.Client, key: str) -> None:
    """The README's own id format has slashes: such a participation must be readable at its Location."""
    suffix = uuid.uuid4().hex[:6]
    for participation_id in (f"river/2026-11-25/thandi-{suffix}", f"kitchen#{suffix}"):
        body = participation(participation_id=participation_id)
        accepted = http.post("/v1/participations", json=body, headers={"Authorization": f"Bearer {key}"})
        assert accepted.status_code == 202, accepted.text
        location = accepted.headers["location"]
        assert "#" not in location and location == f"/v1/participations/{quote(participation_id, safe='')}"
        read = http.get(location)
        assert read.status_code == 200 and read.json()["participationId"] == participation_id, read.text


def test_a_coordinator_records_meals_only_for_its_own_participations(
    bridge: Bridge, http: httpx.Client, key: str
) -> None:
    """Any coordinator key could record the meal of another coordinator's participation (issue 15 #12)."""
    body = participation()
    assert http.post("/v1/participations", json=body, headers={"Authorization": f"Bearer {key}"}).status_code == 202
    other, _ = bridge.new_key(OTHER_COORDINATOR.address)
    meal = {"participationId": body["participationId"], "note": "soup"}
    refused = http.post("/v1/meals", json=meal, headers={"Authorization": f"Bearer {other}"})
    assert refused.status_code == 403 and "confirmed by" in refused.json()["detail"], refused.text
    assert http.post("/v1/meals", json=meal, headers={"Authorization": f"Bearer {key}"}).status_code == 201


@pytest.mark.databases("postgresql")
def test_signed_participations_are_paced_batched_and_never_hold_up_anyone_else(
    fresh_town: Deployed, databases: Databases
) -> None:
    """Key-less signed participations skipped the rate limiter and each went in its own transaction, all before any
    batch: fifteen three-minute ones cost the relayer two million gas and held up an honest participation for
    seconds. Now each signer is paced, and theirs are batched in turn with everyone else's (issue 15 #7)."""
    d = fresh_town
    env = {"OST_BRIDGE__ATTESTATION_BURST": "15", "OST_BRIDGE__ATTESTATION_RATE": "0.1", "OST_BRIDGE__BATCH_WAIT": "1"}
    bridge = Bridge(d, databases.url("signed"), env=env).start()
    try:
        key, _ = bridge.new_key(OTHER_COORDINATOR.address)
        with httpx.Client(base_url=bridge.url, timeout=30) as http:
            signed = [attested(d, COORDINATOR, member=MEMBERS[n], hours=0.05) for n in range(16)]
            answers = [http.post("/v1/participations", json=body).status_code for body in signed]
            assert answers[:15] == [202] * 15 and answers[15] == 429, answers
            honest = participation(MEMBERS[30])
            sent = time.monotonic()
            assert (
                http.post("/v1/participations", json=honest, headers={"Authorization": f"Bearer {key}"}).status_code
                == 202
            )
            done = wait_until(lambda: (r := _status(http, honest["participationId"]))["status"] == "confirmed" and r)
            assert time.monotonic() - sent < 5, "the honest participation waited behind the signed ones"
            ids = [b["participationId"] for b in signed[:15]]
            minted = wait_until(lambda: all(_status(http, i)["status"] == "confirmed" for i in ids) and ids)
            transactions = {_status(http, i)["txHash"] for i in minted}
            assert len(transactions) <= 2, transactions  # batched, not one transaction each
            assert done["txHash"] not in transactions
    finally:
        bridge.stop()

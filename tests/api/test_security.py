"""Attacks on the bridge found by the outside review (issue 15), each reproduced against a real bridge and chain."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from ost_chain.townclient import Reward
from tests.api.conftest import (
    MEMBERS,
    OTHER_COORDINATOR,
    Bridge,
    Deployed,
    deploy_town,
    participation,
    wait_until,
)

PASSWORD, QUERY_KEY = "pw-4c1f9e0d7a", "key-9b8a7f6e5d4c"


@pytest.fixture
def fresh_town(tmp_path: Path) -> Iterator[Deployed]:
    d = deploy_town(tmp_path)
    yield d
    d.node.stop()


def test_an_unreachable_chain_never_shows_the_rpc_credentials(fresh_town: Deployed) -> None:
    """A hosted provider's URL carries a key (in the path, the query or as a password): when the node is away,
    clients get a sentence and the log a redacted URL, never the key."""
    d = fresh_town
    secret_url = d.node.rpc_url.replace("http://", f"http://ops:{PASSWORD}@") + f"/?apikey={QUERY_KEY}"
    bridge = Bridge(d, f"sqlite:///{d.folder / 'leak.sqlite'}", rpc_url=secret_url).start()
    try:
        assert httpx.get(f"{bridge.url}/healthz").status_code == 200
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
            response = httpx.get(bridge.url + path, timeout=15)
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


def test_an_id_taken_first_by_another_coordinator_is_never_reported_confirmed(
    deployed: Deployed, bridge: Bridge, key: str, http: httpx.Client
) -> None:
    """Ids share one namespace and are guessable: a rogue coordinator rewards the id first, one minute to an
    accomplice. The honest submission must fail saying so, not show the rogue's mint as its own (issue 15 #4)."""
    participation_id = f"river-2026-11-25-{uuid.uuid4().hex[:8]}"
    accomplice, member = MEMBERS[40], MEMBERS[41]
    deployed.town.reward(OTHER_COORDINATOR, Reward(accomplice, 1, participation_id, 1))
    block = deployed.client.w3.eth.block_number
    body = participation(member, participation_id=participation_id)
    assert http.post("/v1/participations", json=body, headers={"Authorization": f"Bearer {key}"}).status_code == 202
    path = f"/v1/participations/{quote(participation_id, safe='')}"
    done = wait_until(lambda: (r := http.get(path).json())["status"] in ("confirmed", "failed") and r)
    assert done["status"] == "failed", done
    assert f"already used for {accomplice} on block {block}" in done["reason"], done["reason"]
    assert deployed.town.infinity.functions.balanceOf(member).call() == 0
    assert done["minted"] is None and done["tx_hash"] is None

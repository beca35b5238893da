"""Attacks on the bridge found by the outside review (issue 15), each reproduced against a real bridge and chain."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import MEMBERS, Bridge, Deployed, deploy_town

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

"""Which towns one bridge may serve, and the part of its URLs each gets (issue 31): checked before anything starts.
One bridge serving two towns, read by HTTP, is in tests/api/test_figures.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import sessionmaker

from api.db import BridgeSession, RelayRequest, RelayStatus, make_engine, sessions
from api.gasless import CLIENT_SHARE, RelayDesk
from api.problems import Problem
from api.towns import check_towns, network_manifests, slugs
from api.worker.forward import in_turn
from ost_chain.artifacts import Artifacts
from ost_chain.exceptions import ConfigError
from ost_chain.manifest import FORMAT, TownManifest
from ost_chain.settings import get_settings
from tests import launch
from tests.api.conftest import DEV, Deployed


def town(name: str, registry: str, *, chain: int = 31337, network: str = "0x" + "aa" * 20) -> TownManifest:
    contracts: dict[str, Any] = {"TownRegistry": {"address": registry}, "OstNetwork": {"address": network, "block": 1}}
    return TownManifest.of({"format": FORMAT, "town": name, "chainId": chain, "contracts": contracts})


A, B, C = ("0x" + d * 40 for d in "123")


def test_towns_of_another_chain_or_network_or_given_twice_are_refused_in_a_sentence() -> None:
    assert [t.town for t in check_towns([town("Prince Albert", A), town("Klaarstroom", B)])] == [
        "Prince Albert",
        "Klaarstroom",
    ]
    cases = {
        "on chain 1 and Prince Albert on chain 31337: one bridge serves the towns of one chain": town(
            "Elsewhere", B, chain=1
        ),
        "belongs to another OST network than Prince Albert": town("Elsewhere", B, network="0x" + "bb" * 20),
        "Prince Albert is given twice": town("Prince Albert", A),
    }
    for said, other in cases.items():
        with pytest.raises(ConfigError, match=said):
            check_towns([town("Prince Albert", A), other])


def test_each_town_gets_its_name_as_a_slug_and_a_name_taken_or_without_latin_letters_its_registry_too() -> None:
    towns = [town("Prince Albert", A), town("Prince-Albert", B), town("بعلبك", C)]
    assert slugs(towns) == ["prince-albert", "prince-albert-222222", "town-333333"]
    # A name that is another's slug with its registry's start: never the same slug twice (found by review).
    towns = [town("Prince Albert 222222", A), town("Prince Albert", C), town("Prince-Albert", B)]
    assert slugs(towns) == ["prince-albert-222222", "prince-albert", "prince-albert-222222-2"]


def test_several_towns_without_a_network_are_refused_one_alone_is_served() -> None:
    lone = TownManifest.of(
        {"format": FORMAT, "town": "Lone", "chainId": 1, "contracts": {"TownRegistry": {"address": A}}}
    )
    assert check_towns([lone]) == [lone]
    other = TownManifest.of(
        {"format": FORMAT, "town": "Other", "chainId": 1, "contracts": {"TownRegistry": {"address": B}}}
    )
    with pytest.raises(ConfigError, match="records no OST network"):
        check_towns([lone, other])


def test_a_network_folder_serves_its_default_town_first_then_the_rest_by_name(tmp_path: Path) -> None:
    for name in ("klaarstroom.json", "prince-albert.json", "network.json"):
        (tmp_path / name).write_text("{}")
    assert [p.name for p in network_manifests(tmp_path)] == ["klaarstroom.json", "prince-albert.json"]
    (tmp_path / "default-town").write_text("prince-albert.json\n")
    assert [p.name for p in network_manifests(tmp_path)] == ["prince-albert.json", "klaarstroom.json"]
    with pytest.raises(ConfigError, match="is not a folder of town manifests"):
        network_manifests(tmp_path / "network.json")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ConfigError, match="holds no town manifest"):
        network_manifests(empty)


def test_ost_api_takes_the_towns_as_repeated_manifests_or_a_network_folder_not_both(tmp_path: Path) -> None:
    manifest = tmp_path / "town.json"
    manifest.write_text(json.dumps({}))
    done = launch.run(["api", "--manifest", str(manifest), "--network", str(tmp_path)], timeout=60)
    assert done.returncode != 0
    assert "either as --manifest (repeated) or as --network FOLDER, not both" in done.stdout + done.stderr


@pytest.fixture(params=["sqlite", "postgresql"])
def queue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[BridgeSession]]:
    url = f"sqlite:///{tmp_path / 'turns.sqlite'}"
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres").database("turns")
    engine = make_engine(url)
    yield sessions(engine)
    engine.dispose()


def test_each_town_takes_its_turn_in_a_batch_and_a_backlog_holds_up_no_other_town(
    queue: sessionmaker[BridgeSession],
) -> None:
    """Issue 31: one bridge relays for every town it serves. Prince Albert has a backlog of 30 members' actions
    when one Klaarstroom member's action arrives: the next batch of 10 carries it (and Prince Albert's 9 oldest),
    and with one town waiting the batch is simply its oldest."""
    start = datetime(2026, 12, 7, 8)

    def row(n: int, town: str) -> RelayRequest:
        return RelayRequest(
            id=f"0x{n:064x}", signer=f"0x{n:040x}", target=town, town=town, action="send-inf", nonce=0,
            gas=100_000, deadline=2_000_000_000, data="0x", signature="0x", estimate=50_000, day="2026-12-07",
            counted=True, status=RelayStatus.QUEUED, attempts=0,
            created_at=start + timedelta(seconds=n), updated_at=start + timedelta(seconds=n),
        )  # fmt: skip

    with queue() as session, session.writing():
        session.add_all([row(n, A) for n in range(30)] + [row(30, B)])
    with queue() as session:
        batch = in_turn(session, 10)
        assert [r.town for r in batch].count(B) == 1 and len(batch) == 10
        assert [int(r.id, 16) for r in batch if r.town == A] == list(range(9))  # Prince Albert's oldest, in order
        # In turns: a batch cut in half to fit a block still carries Klaarstroom's action (found by
        # benchmarks/towns.py: sorted by age, the halves were the backlog's alone).
        assert [r.town for r in batch[:2]] == [A, B]
    with queue() as session:
        assert [r.town for r in in_turn(session, 2)] == [A, B]
        # A batch smaller than the number of towns waiting: the first turn goes round, no town left out.
        assert [r.town for r in in_turn(session, 1, turn=0)] == [A]
        assert [r.town for r in in_turn(session, 1, turn=1)] == [B]
    with queue() as session, session.writing():
        session.execute(update(RelayRequest).where(RelayRequest.town == B).values(status=RelayStatus.CONFIRMED))
    with queue() as session:
        assert [int(r.id, 16) for r in in_turn(session, 10)] == list(range(10))


def test_a_client_and_a_member_are_paced_once_across_every_town_s_desk(deployed: Deployed) -> None:
    """Review of issue 31: each town's desk paced on its own, so one address had each served town's allowance
    again. A desk of another town is paced by the first town's desk: a client past its share at one desk is past it
    at every desk."""
    artifacts = Artifacts(get_settings().build_dir)
    first = RelayDesk(deployed.manifest, artifacts, deployed.client.chain_id, DEV[3].address, deployed.node.rpc_url)
    other = RelayDesk(deployed.manifest, artifacts, deployed.client.chain_id, DEV[3].address, deployed.node.rpc_url)
    other.paced_by = first
    first.clock = other.clock = lambda: 1_000.0  # no time passes: nothing is paid back
    share = first.policy().requests_per_minute * CLIENT_SHARE
    for _ in range(share):
        other._stranger("ip:10.0.0.9")  # a client sending requests no member signed, at the other town's door
    with pytest.raises(Problem) as refused:
        first._stranger("ip:10.0.0.9")
    assert refused.value.status == 429
    first._stranger("ip:10.0.0.10")  # another client still has its own share

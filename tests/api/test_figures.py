"""The town's headline figures are one figure each, wherever they are shown (issue 27 #7): the page's tile said
"Profit claimed 0.2622 ETH" (members' parts) where its chart said 1.9289 ETH (investors' too), and the tile, `ost
town show` and `ost network show` said 2.5 INF issued (minted less burned in baskets) where the chart said 4.

A town on its own anvil, read by a bridge in its own process and by the `ost` command: members rewarded 4 INF and
1.5 redeemed in a basket; a sale with an investor part sold out, profit deposited, claimed by a member and by the
investor."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest

from ost_chain.townclient import Reward, Town
from tests import launch, web
from tests.api.conftest import DEV, Bridge, Deployed, deploy_town

ONE = 10**18
PLAN = """
town: Figures Town
country: ZA
time_zone: Africa/Johannesburg
coordinators: [dev:3]
members: [dev:10, dev:11]
projects: [{id: 1, name: River}]
businesses: [{name: Bakery, symbol: BAKE, shares: 10, minimum: 10, price: 0.1, investor_bps: 5000}]
"""


@pytest.fixture(scope="module")
def lived(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Deployed, Bridge]]:
    folder = tmp_path_factory.mktemp("figures")
    (folder / "plan.yaml").write_text(PLAN)
    deployed = deploy_town(folder, folder / "plan.yaml")
    town = Town(deployed.client, json.loads(deployed.manifest.read_text()))
    member, other, investor = DEV[10], DEV[11], DEV[15]
    town.reward_batch(DEV[3], [Reward(member.address, 360, "f/1", 1), Reward(other.address, 360, "f/2", 1)])  # 4 INF
    town.redeem(member, 3 * ONE // 2, "f/basket", "maize meal")
    town.buy(member, "BAKE", 5)
    for _ in range(2):
        town.advance(DEV[2], "BAKE")  # to the world: an investor from anywhere
    town.buy(investor, "BAKE", 5)
    town.finalize(DEV[2], "BAKE")
    town.deposit(DEV[2], "BAKE", 2 * ONE)  # 1 ETH to the members, 1 to the investors
    town.claim(other)
    town.claim_everything(investor)
    bridge = Bridge(deployed, f"sqlite:///{folder / 'bridge.sqlite'}").start()
    try:
        yield deployed, bridge
    finally:
        bridge.stop()
        deployed.node.stop()


def ost_json(deployed: Deployed, *args: str) -> dict:
    env = {**os.environ, "OST_RPC_URL": deployed.node.rpc_url}
    done = launch.run([*args, "--json"], env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_inf_issued_is_every_inf_minted_and_in_circulation_is_less_the_baskets(lived: tuple[Deployed, Bridge]) -> None:
    deployed, bridge = lived
    town = web.get(f"{bridge.url}/v1/town", timeout=30).json()
    weeks = web.get(f"{bridge.url}/v1/pictures", timeout=30).json()["infPerWeek"]
    assert int(town["infinityIssued"]) == sum(int(w["amount"]) for w in weeks) == 4 * ONE
    assert int(town["infinityRedeemed"]) == 3 * ONE // 2 and int(town["infinityInCirculation"]) == 5 * ONE // 2
    shown = ost_json(deployed, "town", "show", "--manifest", str(deployed.manifest))
    assert {k: int(shown[k]) for k in ("infinityIssued", "infinityInCirculation")} == {
        "infinityIssued": 4 * ONE,
        "infinityInCirculation": 5 * ONE // 2,
    }
    network = json.loads(deployed.manifest.read_text())["contracts"]["OstNetwork"]["address"]
    (row,) = ost_json(deployed, "network", "show", "--network", network)["towns"]
    assert int(row["infIssued"]) == 4 * ONE and int(row["infInCirculation"]) == 5 * ONE // 2
    (page,) = web.get(f"{bridge.url}/v1/network", timeout=30).json()["towns"]  # the network page's
    assert (page["infIssued"], page["infInCirculation"]) == (str(4 * ONE), str(5 * ONE // 2))  # exact, as text


def test_profit_claimed_is_every_part_and_each_part_is_named(lived: tuple[Deployed, Bridge]) -> None:
    _, bridge = lived
    activity = web.get(f"{bridge.url}/v1/activity", timeout=30).json()
    money = web.get(f"{bridge.url}/v1/pictures", timeout=30).json()["profit"]
    (native,) = activity["profit"]
    members, investors = int(native["claimedByMembers"]), int(native["claimedByInvestors"])
    # One member of two claimed a member's part; the investor abroad its 5 shares' half of the investors' part.
    assert members == ONE // 2 and investors == ONE // 2
    assert int(native["claimed"]) == members + investors == int(money[-1]["claimed"]) == int(activity["profitClaimed"])
    assert int(native["deposited"]) == int(money[-1]["deposited"]) == 2 * ONE

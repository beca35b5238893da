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
from typing import Any

import pytest
from eth_account import Account

from ost_chain.deploy import deploy_plan
from ost_chain.gasless import prepare, sign
from ost_chain.plan import load_plan
from ost_chain.townclient import Reward, Town
from tests import launch, web
from tests.api.conftest import DEV, Bridge, Deployed, deploy_town, wait_until
from tests.dashboard.conftest import browser  # noqa: F401 - the pages' browser, for each town's page below

SIGNERS = {a.address: a for a in DEV}

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
# A second town of the same OST network on the same chain: the bridge of the first serves the network's figures.
SECOND = """
town: Second Town
country: ZA
time_zone: Africa/Johannesburg
coordinators: [dev:3, dev:4]
members: [dev:12]
projects: [{id: 1, name: Dam}]
businesses: [{name: Mill, symbol: MILL, shares: 20, minimum: 20, price: 0.01}]
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
    (folder / "second.yaml").write_text(SECOND)
    plan, digest = load_plan(folder / "second.yaml")
    made = deploy_plan(deployed.client, plan, folder / "second.json", SIGNERS, digest)
    second = Town.load(deployed.client, made.path)
    second.reward(DEV[3], Reward(DEV[12].address, 360, "second/1", 1))  # 2 INF, in the other town
    second.buy(DEV[12], "MILL", 3)  # a raise under way: 0.03 ETH
    # One bridge for both towns (issue 31): the first at /v1/…, each at /v1/towns/{slug}/….
    bridge = Bridge(deployed, f"sqlite:///{folder / 'bridge.sqlite'}", towns=[made.path]).start()
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
    row = ost_json(deployed, "network", "show", "--network", network)["towns"][0]
    assert int(row["infIssued"]) == 4 * ONE and int(row["infInCirculation"]) == 5 * ONE // 2
    page = web.get(f"{bridge.url}/v1/network", timeout=30).json()["towns"][0]  # the network page's
    assert (page["infIssued"], page["infInCirculation"]) == (str(4 * ONE), str(5 * ONE // 2))  # exact, as text


def test_the_network_s_figures_come_from_the_index_as_the_chain_has_them_and_no_town_reads_another(
    lived: tuple[Deployed, Bridge],
) -> None:
    """Issue 29: the network page's figures are the index's (the bridge follows every town of its network), each the
    same as `ost network show` reads from the chain; and a town's own reads hold nothing of another town's."""
    deployed, bridge = lived
    network = json.loads(deployed.manifest.read_text())["contracts"]["OstNetwork"]["address"]
    chain = ost_json(deployed, "network", "show", "--network", network)
    served = web.get(f"{bridge.url}/v1/network", timeout=30).json()
    assert served["network"] == chain["network"] and served["countryAmbassadors"] == chain["countryAmbassadors"]
    assert [t["name"] for t in served["towns"]] == ["Figures Town", "Second Town"]
    same = ("id", "name", "country", "registry", "infinity", "factory", "distributor", "members", "launched", "page")
    for mine, theirs in zip(served["towns"], chain["towns"], strict=True):
        assert {k: mine[k] for k in same} == {k: theirs[k] for k in same}
        for key in ("infIssued", "infRedeemed", "infInCirculation", "profitDeposited"):
            assert int(mine[key]) == int(theirs[key]), (mine["name"], key)
        assert mine["raised"] == theirs["raised"] and mine["raisedText"] == theirs["raisedText"], mine["name"]
    second = served["towns"][1]
    assert (second["infIssued"], second["raised"]) == (str(2 * ONE), {"0x" + "00" * 20: str(3 * 10**16)})
    # The first town's own views: its 4 INF and its own rewards only, never the other town's.
    town = web.get(f"{bridge.url}/v1/town", timeout=30).json()
    assert int(town["infinityIssued"]) == 4 * ONE
    rewards = web.get(f"{bridge.url}/v1/activity", timeout=30).json()["rewards"]
    assert rewards and DEV[12].address not in {r["member"] for r in rewards}
    assert web.get(f"{bridge.url}/v1/members/{DEV[12].address}/history", timeout=30).json() == []


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


def test_one_bridge_serves_both_towns_each_at_its_own_path_and_neither_reads_the_other(
    lived: tuple[Deployed, Bridge],
) -> None:
    """Issue 31: the bridge given two manifests lists both towns, answers every read of each under its own path
    (the plain /v1/… keeps meaning the first), serves each town's page, and keeps each town's reads to its own."""
    deployed, bridge = lived
    towns = web.get(f"{bridge.url}/v1/towns", timeout=30).json()
    assert [(t["slug"], t["town"], t["page"], t["first"]) for t in towns] == [
        ("figures-town", "Figures Town", "/towns/figures-town/", True),
        ("second-town", "Second Town", "/towns/second-town/", False),
    ]
    first, second = (f"{bridge.url}{t['api']}" for t in towns)
    # The first town at both of its paths, the same to the digit.
    assert web.get(f"{first}/town", timeout=30).json()["infinityIssued"] == str(4 * ONE)
    plain = web.get(f"{bridge.url}/v1/activity", timeout=30).json()
    assert web.get(f"{first}/activity", timeout=30).json() == plain
    # The second town: its name, member, INF, sale and reward, and nothing of the first's.
    town = web.get(f"{second}/town", timeout=30).json()
    assert (town["town"], town["members"], town["infinityIssued"]) == ("Second Town", 1, str(2 * ONE))
    assert (town["participations"], town["mealsServed"]) == ({}, 0)  # the bridge records the first town's only
    member = web.get(f"{second}/members/{DEV[12].address}", timeout=30).json()
    assert (member["infinity"], member["meals"], member["participationsPending"]) == (str(2 * ONE), 0, 0)
    rewards = web.get(f"{second}/activity", timeout=30).json()["rewards"]
    assert {r["member"] for r in rewards} == {DEV[12].address}
    assert [b["symbol"] for b in web.get(f"{second}/businesses", timeout=30).json()] == ["MILL"]
    history = web.get(f"{second}/members/{DEV[12].address}/history", timeout=30).json()
    assert sorted(h["kind"] for h in history) == ["purchase", "reward"]
    assert web.get(f"{first}/members/{DEV[12].address}/history", timeout=30).json() == []
    config = web.get(f"{second}/config", timeout=30).json()
    made = json.loads((deployed.folder / "second.json").read_text())["contracts"]
    assert config["town"] == "Second Town" and config["contracts"]["TownRegistry"] == made["TownRegistry"]["address"]
    # Both towns' members' actions are relayed, each town's by its own desk (its policy, its contracts).
    assert config["relayable"] == web.get(f"{first}/config", timeout=30).json()["relayable"] != []
    page = web.get(f"{bridge.url}/towns/second-town/", timeout=30)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    # A town it does not serve is a sentence naming those it does.
    for path in ("/v1/towns/nowhere/town", "/towns/nowhere/"):
        refused = web.get(f"{bridge.url}{path}", timeout=30)
        assert refused.status_code == 404, path
    assert "figures-town, second-town" in web.get(f"{bridge.url}/v1/towns/nowhere/town", timeout=30).json()["detail"]


def test_each_town_s_page_shows_its_own_town_and_the_network_page_links_every_town_served(
    browser: Any,  # noqa: F811 - the fixture imported above
    lived: tuple[Deployed, Bridge],
) -> None:
    _, bridge = lived
    context = browser.new_context(bypass_csp=True)  # Playwright's waiting scripts are not the page's own
    try:
        page = context.new_page()
        page.goto(f"{bridge.url}/towns/second-town/")
        page.wait_for_function("document.getElementById('town-name').textContent === 'Second Town'", timeout=30_000)
        page.wait_for_function("document.getElementById('issued').textContent === '2 INF'", timeout=10_000)
        assert "MILL" in page.locator("#businesses").inner_text()
        assert "BAKE" not in page.locator("#businesses").inner_text()
        page.goto(f"{bridge.url}/network")
        page.wait_for_selector("#countries a", timeout=30_000)
        links = {a.inner_text(): a.get_attribute("href") for a in page.locator("#countries a").all()}
        assert links == {"Figures Town": "/", "Second Town": "/towns/second-town/"}
        # The network page seen from the second town (its page links there): it is "this town", and back leads to it.
        page.goto(f"{bridge.url}/towns/second-town/")
        page.wait_for_function("document.getElementById('town-name').textContent === 'Second Town'", timeout=30_000)
        assert page.title() == "Second Town · One Small Town"
        assert page.locator("#network-link").get_attribute("href") == "/towns/second-town/network"
        page.goto(f"{bridge.url}/towns/second-town/network")
        page.wait_for_selector("#countries a", timeout=30_000)
        assert "(this town)" in page.locator("#countries tr", has_text="Second Town").inner_text()
        assert "(this town)" not in page.locator("#countries tr", has_text="Figures Town").inner_text()
        assert page.locator("#back-link").get_attribute("href") == "/towns/second-town/"
    finally:
        context.close()


def test_a_member_of_the_second_town_with_no_coin_acts_through_its_own_route_and_not_the_first_town_s(
    lived: tuple[Deployed, Bridge],
) -> None:
    """Issue 31: one bridge relays every town's members' actions, each through its town's route and desk: a member
    of the second town who never held coin sends INF there; the same signed request is refused on the first town's
    route, and nothing of it is queued there."""
    deployed, bridge = lived
    second = Town.load(deployed.client, deployed.folder / "second.json")
    member = Account.create()
    second.add_members(DEV[2], [member.address])
    second.reward(DEV[4], Reward(member.address, 540, f"second/{member.address}", 1))  # 3 INF (dev:3 relays)
    assert deployed.client.balance(member.address) == 0
    name = second.forwarder.functions.eip712Domain().call()[1]
    fn = second.infinity.functions.transfer(DEV[12].address, ONE)
    request = sign(
        member, prepare(second, member.address, fn), deployed.client.chain_id, second.forwarder.address, name
    )
    refused = web.post(f"{bridge.url}/v1/relay", json=request.as_json(), timeout=30)
    assert refused.status_code == 422, refused.text
    assert "is not a contract of Figures Town the town relays for" in refused.json()["detail"]
    accepted = web.post(f"{bridge.url}/v1/towns/second-town/relay", json=request.as_json(), timeout=30)
    assert accepted.status_code == 202, accepted.text
    relay_id = accepted.json()["relayId"]
    assert accepted.headers["location"] == f"/v1/towns/second-town/relay/{relay_id}"
    assert web.get(f"{bridge.url}/v1/relay/{relay_id}", timeout=30).status_code == 404  # not the first town's
    documented = web.get(f"{bridge.url}/openapi.json", timeout=30).json()["paths"]["/v1/towns/{town}/relay"]
    assert "202" in documented["post"]["responses"]

    def done() -> dict | None:
        body = web.get(f"{bridge.url}/v1/towns/second-town/relay/{relay_id}", timeout=30).json()
        return body if body["status"] in ("confirmed", "failed") else None

    assert wait_until(done)["status"] == "confirmed"
    assert second.infinity.functions.balanceOf(member.address).call() == 2 * ONE
    assert deployed.client.balance(member.address) == 0
    quota = web.get(f"{bridge.url}/v1/towns/second-town/relay/quota/{member.address}", timeout=30).json()
    assert quota["used"] == 1
    assert web.get(f"{bridge.url}/v1/relay/quota/{member.address}", timeout=30).json()["used"] == 0  # each town's day
    # The command line finds the town's door on a bridge of several towns (a new user's trial found it posting every
    # town's action to the first town's): a member of the second town sends 1 INF with --gasless.
    before = second.infinity.functions.balanceOf(DEV[12].address).call()
    env = {**os.environ, "OST_RPC_URL": deployed.node.rpc_url}
    args = ["inf", "send", member.address, "1", "--gasless", "--account", "dev:12"]
    done = launch.run([*args, "--manifest", str(deployed.folder / "second.json"), "--bridge", bridge.url], env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert second.infinity.functions.balanceOf(DEV[12].address).call() == before - ONE
    # One relayer pays for both towns; /healthz says what each town's members' actions cost it.
    relayer = web.get(f"{bridge.url}/healthz", timeout=30).json()["relayer"]
    towns = relayer["towns"]
    assert (towns["figures-town"]["relayedLastDay"], towns["figures-town"]["gasToday"]) == (0, 0)
    assert towns["second-town"]["gasLeft"] == towns["second-town"]["gasBudget"] - towns["second-town"]["gasToday"]
    assert towns["second-town"]["relayedLastDay"] == 2 and int(towns["second-town"]["spentLastDay"]) > 0
    # Every wei the relayer paid is some town's: its members' relayed actions, or its participations' batches.
    assert sum(int(t["spentLastDay"]) for t in towns.values()) == int(relayer["spentLastDay"])


def test_each_town_s_participations_keys_and_meals_are_its_own(lived: tuple[Deployed, Bridge]) -> None:
    """Issue 31: one bridge mints every town's participations, each on its own town's INFINITY. A coordinator's API
    key acts in the town it was made for only; one coordinator of two towns may use one id in each (two rewards);
    a meal, a member's counts and a town's figures are each town's own."""
    deployed, bridge = lived
    second_manifest = deployed.folder / "second.json"
    second = Town.load(deployed.client, second_manifest)
    first_key, _ = bridge.new_key(DEV[3].address)
    second_key, _ = bridge.new_key(DEV[3].address, town=second_manifest)
    first, there = f"{bridge.url}/v1", f"{bridge.url}/v1/towns/second-town"

    def post(url: str, key: str, body: dict[str, Any]) -> Any:
        return web.post(url, json=body, headers={"Authorization": f"Bearer {key}"}, timeout=30)

    shift = {"participationId": "both-towns-1", "projectId": 1, "hours": 3}
    theirs = {**shift, "member": DEV[12].address}
    # A key of one town is refused in the other, in one sentence, and nothing is queued there.
    refused = post(f"{first}/participations", second_key, theirs)
    assert refused.status_code == 403 and refused.json()["type"] == "/problems/key-of-another-town"
    assert "not in Figures Town" in refused.json()["detail"]
    assert post(f"{there}/participations", first_key, theirs).status_code == 403
    assert (
        web.get(f"{there}/meals?date=2026-01-01", headers={"Authorization": f"Bearer {first_key}"}).status_code == 403
    )
    # The same coordinator's id in each town: two participations, each minted on its own town's INFINITY.
    before = (
        deployed.town.infinity.functions.balanceOf(DEV[10].address).call(),
        second.infinity.functions.balanceOf(DEV[12].address).call(),
    )
    accepted = post(f"{there}/participations", second_key, theirs)
    assert accepted.status_code == 202, accepted.text
    assert accepted.headers["location"] == "/v1/towns/second-town/participations/both-towns-1"
    assert post(f"{first}/participations", first_key, {**shift, "member": DEV[10].address}).status_code == 202

    def settled(url: str, key: str) -> dict | None:
        body = web.get(f"{url}/participations/both-towns-1", headers={"Authorization": f"Bearer {key}"}).json()
        return body if body["status"] in ("confirmed", "failed") else None

    mine, yours = wait_until(lambda: settled(first, first_key)), wait_until(lambda: settled(there, second_key))
    assert (mine["status"], mine["member"]) == ("confirmed", DEV[10].address)
    assert (yours["status"], yours["member"]) == ("confirmed", DEV[12].address)
    assert deployed.town.infinity.functions.balanceOf(DEV[10].address).call() == before[0] + ONE
    assert second.infinity.functions.balanceOf(DEV[12].address).call() == before[1] + ONE
    # The kitchen's meal goes with the second town's participation: counted there, and nowhere else.
    counted = web.get(f"{there}/members/{DEV[12].address}", timeout=30).json()["meals"]
    served_there = web.get(f"{there}/town", timeout=30).json()["mealsServed"]
    served_here = web.get(f"{first}/town", timeout=30).json()["mealsServed"]
    meal = post(f"{there}/meals", second_key, {"participationId": "both-towns-1", "note": "soup"})
    assert meal.status_code == 201, meal.text
    assert web.get(f"{there}/members/{DEV[12].address}", timeout=30).json()["meals"] == counted + 1
    assert web.get(f"{there}/town", timeout=30).json()["mealsServed"] == served_there + 1
    assert web.get(f"{first}/town", timeout=30).json()["mealsServed"] == served_here
    # What minting them cost the relayer is each town's own (a trial found the towns' spends leaving it out).
    spent = web.get(f"{bridge.url}/healthz", timeout=30).json()["relayer"]
    assert all(t["mintedLastDay"] >= 1 for t in spent["towns"].values()), spent
    assert sum(int(t["spentLastDay"]) for t in spent["towns"].values()) == int(spent["spentLastDay"])
    today = meal.json()["servedOn"]
    kitchen = {"Authorization": f"Bearer {second_key}"}
    assert [m["note"] for m in web.get(f"{there}/meals?date={today}", headers=kitchen).json()] == ["soup"]
    here = web.get(f"{first}/meals?date={today}", headers={"Authorization": f"Bearer {first_key}"}).json()
    assert "soup" not in [m["note"] for m in here]

"""Plans and `ost deploy`: validation with pointed errors, a whole town deployed, resumed after a
stop at any transaction to the same town as one clean run, and the CLI's output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ost_chain.chain import LocalChain, dev_accounts
from ost_chain.cli import app
from ost_chain.client import ChainClient
from ost_chain.deploy import Deployment, InjectedFailure, Progress
from ost_chain.enums import NATIVE
from ost_chain.exceptions import ConfigError
from ost_chain.manifest import Manifest
from ost_chain.plan import TEMPLATE, load_plan
from ost_chain.townclient import Town

SMALL = """
town: Resume Town
country: ZA
coordinators: [dev:3]
members: [dev:10, dev:11, dev:12]
country_residents: [dev:14]
projects: [{id: 1, name: River}, {id: 2, name: Kitchen, shift_minutes: 240}]
defaults: {shares: 100, price: 0.001}
businesses:
  - {name: Bakery, symbol: BAKE}
  - {name: Laundry, symbol: WASH, policy: keep_local, investor_bps: 2000}
  - {name: Guest House, symbol: GUEST, shares: 500, minimum: 400}
"""

runner = CliRunner()


def write(tmp_path: Path, text: str, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def signers() -> dict[str, Any]:
    return {a.address: a for a in dev_accounts()}


def state(client: ChainClient, manifest: Manifest) -> dict[str, Any]:
    """Everything that makes the town what it is, read from the chain."""
    town = Town(client, manifest.record())
    r = town.registry.functions
    role = r.COORDINATOR_ROLE().call()
    return {
        "contracts": {k: v["address"] for k, v in manifest.contracts().items()},
        "businesses": {k: (v["id"], v["sale"], v["token"]) for k, v in manifest.businesses().items()},
        "summary": {k: v for k, v in town.summary().items() if k not in ("chainId", "launchedAt")},  # when: not what
        "coordinator": r.hasRole(role, dev_accounts()[3].address).call(),
        "resident": r.isCountryResident(dev_accounts()[14].address).call(),
        "investor": town.distributor.functions.investorShare(1).call(),
        "projects": [town.infinity.functions.project(i).call() for i in (1, 2)],
        "pending": manifest.record().pending,
    }


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("country: ZA", "country: za", "country: write the two-letter country code in capitals, e.g. ZA or LB"),
        (
            "[dev:10, dev:11,",
            "[dev:10, '0xAbCdEf0123456789abcdef0123456789ABCDEF01',",
            "members: item 1 ('0xAbCdEf0123456789abcdef0123456789ABCDEF01'): "
            "the address's mixed-case checksum is wrong",
        ),
        (
            "shares: 500, minimum: 400",
            "shares: 300, minimum: 400",
            "businesses.2 (GUEST): minimum 400 exceeds the 300 shares offered",
        ),
        ("symbol: BAKE}", "symbol: WASH}", "businesses.1.symbol: 'WASH' is used twice"),
        ("town: Resume Town", "town: Resume Town\ncolour: blue", "colour: 'colour' is not something a plan says here"),
        ("price: 0.001}", "price: 0.0000000000000000001}", "price: more decimal places than the asset's 18"),
        ("members: [dev:10, dev:11, dev:12]", "members: [dev:10, dev:10]", "members: listed more than once"),
        ("shares: 500,", "shares: -5,", "businesses.2.shares: Input should be greater than or equal to 1"),
    ],
)
def test_bad_plans_get_pointed_errors(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in SMALL
    result = runner.invoke(app, ["plan", "check", str(write(tmp_path, SMALL.replace(old, new)))])
    assert result.exit_code != 0
    assert expected in str(result.exception), str(result.exception)


def test_plan_check_names_every_mistake_in_words(tmp_path: Path) -> None:
    """A bad country, a misspelt key, a decimal comma and a minimum above the offer: all four reported, each in
    words a Town Ambassador understands, not the first alone in a validator's terms (issue 20 #5)."""
    bad = SMALL.replace("country: ZA", "country: Lebanon\ncontry: LB").replace("price: 0.001}", "price: '0,02'}")
    bad = bad.replace("shares: 500, minimum: 400", "shares: 300, minimum: 400")
    result = runner.invoke(app, ["plan", "check", str(write(tmp_path, bad))])
    said = str(result.exception)
    assert result.exit_code != 0 and "has 4 mistakes" in said, said
    assert "country: write the two-letter country code in capitals, e.g. ZA or LB (not 'Lebanon')" in said
    assert "contry: 'contry' is not something a plan says here: did you mean country?" in said
    assert "write numbers with a decimal point, e.g. 0.02 (not 0,02)" in said
    assert "businesses.2 (GUEST): minimum 400 exceeds the 300 shares offered" in said
    assert "should match pattern" not in said and "Extra inputs" not in said


def test_plan_check_names_repeats_and_every_term_of_a_business_in_one_round(tmp_path: Path) -> None:
    """Found by a newcomer: repeats and a second bad term of the same business came one round later, and `1,000`
    got the advice to write 1.000 (one, not a thousand)."""
    bad = SMALL.replace("coordinators: [dev:3]", "coordinators: [dev:3]\ncoordinator_daily_cap_inf: 1,000")
    bad = bad.replace("{id: 2, name: Kitchen,", "{id: 1, name: Kitchen,").replace("symbol: WASH,", "symbol: BAKE,")
    bad = bad.replace("shares: 500, minimum: 400}", "shares: 300, minimum: 400, max_per_buyer: 301}")
    said = str(runner.invoke(app, ["plan", "check", str(write(tmp_path, bad))]).exception)
    assert "has 5 mistakes" in said, said
    assert "write 1000 for 1 thousand (no separator), or 1.0 with a decimal point" in said
    assert "projects.1.id: 1 is used twice" in said and "businesses.1.symbol: 'BAKE' is used twice" in said
    assert "minimum 400 exceeds the 300" in said and "max_per_buyer 301 exceeds the 300" in said


def test_template_and_sample_plans_are_valid(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plan", "new", str(tmp_path / "new.yaml")])
    assert result.exit_code == 0 and (tmp_path / "new.yaml").read_text() == TEMPLATE
    result = runner.invoke(app, ["plan", "check", str(tmp_path / "new.yaml"), "--json"])
    assert json.loads(result.stdout)["businesses"] == 3
    sample, _ = load_plan(Path(__file__).resolve().parents[2] / "examples" / "town.yaml")
    assert len(sample.businesses) >= 50 and len(sample.members) >= 24 and len(sample.projects) >= 3


def test_resume_after_a_stop_at_any_transaction_gives_the_same_town(client: ChainClient, tmp_path: Path) -> None:
    plan, digest = load_plan(write(tmp_path, SMALL))
    rpc = client.w3.provider.make_request
    base = rpc("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    # Each run in a folder of its own: the network manifest beside the town's belongs to that run's chain.
    clean = Manifest.open(tmp_path / "clean" / "t.json", chain_id=client.chain_id, town=plan.town, plan_hash=digest)
    deployment = Deployment(client, plan, clean, signers())
    deployment.run()
    total = deployment.sent
    expected = state(client, clean)
    assert expected["summary"]["businesses"] == 3 and expected["summary"]["members"] == 3
    assert expected["summary"]["launched"] and expected["coordinator"] and expected["resident"]
    assert expected["investor"] == 2_000 and expected["pending"] == {}
    for stop_after in (1, 3, 6, total - 4, total - 1):
        rpc("evm_revert", [base])  # type: ignore[arg-type]
        base = rpc("evm_snapshot", [])["result"]  # type: ignore[arg-type]
        path = tmp_path / f"stopped-{stop_after}" / "t.json"
        stopped = Manifest.open(path, chain_id=client.chain_id, town=plan.town, plan_hash=digest)
        with pytest.raises(InjectedFailure):
            Deployment(client, plan, stopped, signers(), fail_after=stop_after).run()
        resumed = Manifest.open(path, chain_id=client.chain_id, town=plan.town, plan_hash=digest)
        second = Deployment(client, plan, resumed, signers())
        second.run()
        assert state(client, resumed) == expected, f"stopped after {stop_after}"
        assert second.sent == total - stop_after  # nothing sent twice
        again = Deployment(
            client, plan, Manifest.open(path, chain_id=client.chain_id, town=plan.town, plan_hash=digest), signers()
        )
        again.run()
        assert again.sent == 0


def test_each_stage_counts_its_steps_from_the_plan_and_the_run_takes_exactly_those(
    client: ChainClient, tmp_path: Path
) -> None:
    """Issue 28: the deployment is stages, each counting its steps from the plan before anything is sent (the
    progress display's total): the run advances exactly that many, the first time and when it resumes."""
    plan, digest = load_plan(write(tmp_path, SMALL))
    for run in ("first", "again"):
        said: list[int] = []
        advanced: list[str] = []
        manifest = Manifest.open(tmp_path / "t.json", chain_id=client.chain_id, town=plan.town, plan_hash=digest)
        deployment = Deployment(client, plan, manifest, signers(), progress=Progress(said.append, advanced.append))
        stages = deployment.stages(plan.resolved_businesses())
        assert [s.name for s in stages][:2] == ["development stablecoin", "OST network and town"]
        deployment.run()
        assert said == [sum(s.steps for s in stages)] and len(advanced) == said[0], (run, said, len(advanced))
        assert deployment.sent > 0 if run == "first" else deployment.sent == 0


def test_a_changed_plan_deploys_only_what_is_new(client: ChainClient, tmp_path: Path) -> None:
    plan, digest = load_plan(write(tmp_path, SMALL))
    path = tmp_path / "town.json"
    Deployment(
        client, plan, Manifest.open(path, chain_id=client.chain_id, town=plan.town, plan_hash=digest), signers()
    ).run()
    grown = SMALL.replace("members: [dev:10, dev:11, dev:12]", "members: [dev:10, dev:12, dev:13]").replace(
        "  - {name: Bakery, symbol: BAKE}", "  - {name: Bakery, symbol: BAKE}\n  - {name: Dairy, symbol: MILK}"
    )
    plan2, digest2 = load_plan(write(tmp_path, grown, "grown.yaml"))
    manifest = Manifest.open(path, chain_id=client.chain_id, town=plan2.town, plan_hash=digest2)
    deployment = Deployment(client, plan2, manifest, signers())
    deployment.run()
    assert deployment.sent == 2  # dev:13 signed up; MILK listed
    assert any("stay members on chain" in note for note in deployment.notes)
    assert (manifest.business("MILK") or {}).get("id") == 3


def test_every_change_the_contracts_allow_is_applied_and_the_rest_said(client: ChainClient, tmp_path: Path) -> None:
    """A project's rate to 2 INF a shift, the coordinators' cap to 250, a coordinator dropped and another appointed,
    a project dropped, an investor part changed, a new member and resident: all applied on chain by `ost deploy`;
    a listed business's price and the town's name, which cannot change, are said in notes (issue 20 #4)."""
    plan, digest = load_plan(write(tmp_path, SMALL.replace("coordinators: [dev:3]", "coordinators: [dev:3, dev:4]")))
    path = tmp_path / "town.json"
    Deployment(
        client, plan, Manifest.open(path, chain_id=client.chain_id, town=plan.town, plan_hash=digest), signers()
    ).run()
    changed = (
        SMALL.replace("coordinators: [dev:3]", "coordinators: [dev:5]\ncoordinator_daily_cap_inf: 250")
        .replace(
            "projects: [{id: 1, name: River}, {id: 2, name: Kitchen, shift_minutes: 240}]",
            "projects: [{id: 1, name: River, inf_per_shift: 2}]",
        )
        .replace("investor_bps: 2000", "investor_bps: 500")
        .replace("members: [dev:10, dev:11, dev:12]", "members: [dev:10, dev:11, dev:12, dev:13]")
        .replace("country_residents: [dev:14]", "country_residents: [dev:14, dev:15]")
        .replace("{name: Bakery, symbol: BAKE}", "{name: Bakery, symbol: BAKE, price: 0.002}")
        .replace("town: Resume Town", "town: Renamed Town")
    )
    plan2, digest2 = load_plan(write(tmp_path, changed, "changed.yaml"))
    manifest = Manifest.open(path, chain_id=client.chain_id, town=plan.town, plan_hash=digest2)
    said: list[int] = []
    advanced: list[str] = []
    deployment = Deployment(client, plan2, manifest, signers(), progress=Progress(said.append, advanced.append))
    deployment.run()
    assert len(advanced) == said[0]  # found by review: the dropped coordinators and project were steps no stage counted
    town = Town.load(client, path)
    dev = dev_accounts()
    inf, reg = town.infinity.functions, town.registry.functions
    assert tuple(inf.project(1).call()) == (2 * 10**18, 180, True)
    assert inf.project(2).call()[2] is False  # dropped from the plan: no longer earns
    for kept in (dev[5], dev[2]):  # the new coordinator and the Town Ambassador, at the new cap
        assert (
            town.has_role("COORDINATOR_ROLE", kept.address)
            and inf.coordinatorDay(kept.address).call()[0] == 250 * 10**18
        )
    assert not town.has_role("COORDINATOR_ROLE", dev[3].address) and not town.has_role(
        "COORDINATOR_ROLE", dev[4].address
    )
    assert town.distributor.functions.investorShare(1).call() == 500
    assert reg.isMember(dev[13].address).call() and reg.isCountryResident(dev[15].address).call()
    notes = " ".join(deployment.notes)
    assert "BAKE: price differ" in notes and "cannot change" in notes and "Resume Town" in notes
    again = Deployment(
        client, plan2, Manifest.open(path, chain_id=client.chain_id, town=plan.town, plan_hash=digest2), signers()
    )
    again.run()
    assert again.sent == 0  # applied once
    back = changed.replace("coordinators: [dev:5]", "coordinators: [dev:5, dev:3]")  # a dropped one named again
    plan3, digest3 = load_plan(write(tmp_path, back, "back.yaml"))
    third = Manifest.open(path, chain_id=client.chain_id, town=plan.town, plan_hash=digest3)
    Deployment(client, plan3, third, signers()).run()
    assert town.has_role("COORDINATOR_ROLE", dev[3].address)


def test_a_manifest_from_another_chain_instance_is_refused(client: ChainClient, tmp_path: Path) -> None:
    plan, digest = load_plan(write(tmp_path, SMALL))
    path = tmp_path / "town.json"
    path.write_text(
        json.dumps(
            {
                "format": 1,
                "town": plan.town,
                "chainId": client.chain_id,
                "contracts": {"TownRegistry": {"address": "0x" + "12" * 20}},
                "steps": {},
                "businesses": {},
                "pending": {},
            }
        )
    )
    with pytest.raises(Exception, match="no code there"):
        Deployment(
            client, plan, Manifest.open(path, chain_id=client.chain_id, town=plan.town, plan_hash=digest), signers()
        ).run()


def test_deploy_and_town_show_through_the_cli(client: ChainClient, node: Any, tmp_path: Path) -> None:
    plan_path = write(tmp_path, SMALL)
    manifest = tmp_path / "m.json"
    keystore = tmp_path / "key.json"
    keystore.write_text("{}")
    result = runner.invoke(
        app,
        ["deploy", str(plan_path), "--rpc-url", node.rpc_url, "--manifest", str(manifest), "--json"],
        env={"OST_ACCOUNT": ""},
    )
    assert result.exit_code != 0 and "--account" in str(result.exception)
    result = runner.invoke(app, ["town", "show", "--manifest", str(manifest), "--rpc-url", node.rpc_url, "--json"])
    assert result.exit_code != 0  # nothing deployed


STABLE = """
town: Coin Town
country: ZA
coordinators: [dev:3]
members: [dev:10, dev:11, "0x000000000000000000000000000000000000dEaD"]
projects: [{id: 1, name: River}]
businesses:
  - {name: Bakery, symbol: BAKE}
  - {name: Laundry, symbol: WASH, shares: 100, price: 10, asset: dev:stablecoin}
"""


def test_a_sale_in_the_development_stablecoin_deploys_the_coin_and_hands_it_to_the_members(
    client: ChainClient, tmp_path: Path
) -> None:
    """Issue 27 #26: the sample town's sales all took ETH, so a newcomer could not try the gasless purchase (a
    stablecoin with permits). A plan's sale may now take `dev:stablecoin`: on the development chain the deployment
    makes tZAR (6 decimals, ERC-2612) and hands 1,000 to each development account among the members; resumed or
    re-run, it never makes a second coin; on any other chain it is a sentence before anything is sent."""
    plan, digest = load_plan(write(tmp_path, STABLE))
    path = tmp_path / "town.json"
    with pytest.raises(InjectedFailure):  # stopped right after the coin
        Deployment(
            client,
            plan,
            Manifest.open(path, chain_id=client.chain_id, town=plan.town, plan_hash=digest),
            signers(),
            fail_after=1,
        ).run()
    manifest = Manifest.open(path, chain_id=client.chain_id, town=plan.town, plan_hash=digest)
    deployment = Deployment(client, plan, manifest, signers())
    deployment.run()
    coin = manifest.address("TestStablecoin")
    town = Town(client, manifest.record())
    wash = town.sale_status("WASH")
    assert wash.asset == coin and wash.price == 10 * 10**6 and town.sale_status("BAKE").asset == NATIVE
    assert town.distributor.functions.isAcceptedAsset(coin).call()
    token = client.at("TestStablecoin", coin)
    holders = [dev_accounts()[10].address, dev_accounts()[11].address, "0x000000000000000000000000000000000000dEaD"]
    assert [token.functions.balanceOf(h).call() for h in holders] == [1_000 * 10**6, 1_000 * 10**6, 0]
    assert token.functions.symbol().call() == "tZAR" and token.functions.decimals().call() == 6
    again = Deployment(
        client, plan, Manifest.open(path, chain_id=client.chain_id, town=plan.town, plan_hash=digest), signers()
    )
    again.run()
    assert again.sent == 0 and not any("differ" in note for note in again.notes)
    with LocalChain(chain_id=4242) as other:
        elsewhere = ChainClient.connect(other.rpc_url)
        with pytest.raises(ConfigError, match="WASH take dev:stablecoin, a test coin of the development chain only"):
            Deployment(
                elsewhere,
                plan,
                Manifest.open(tmp_path / "else" / "t.json", chain_id=4242, town=plan.town, plan_hash=digest),
                signers(),
            ).run()
        assert elsewhere.w3.eth.get_transaction_count(dev_accounts()[0].address) == 0  # nothing sent
    bad = STABLE.replace("asset: dev:stablecoin", "asset: dev:stablecoin, asset_decimals: 18")
    with pytest.raises(ConfigError, match="tZAR. has 6 decimals"):
        load_plan(write(tmp_path, bad, "bad.yaml"))

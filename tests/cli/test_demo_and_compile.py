"""`ost demo` and `ost compile` as a user runs them: `ost` in a process of its own (tests/launch.py), real output."""

from __future__ import annotations

import json
import subprocess

from ost_chain.chain import LocalChain
from tests import launch
from tests.nodes import EdrChain


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return launch.run(args, timeout=120)


def test_demo_walks_a_whole_town_life_and_its_figures_add_up() -> None:
    result = run("demo", "--json")
    assert result.returncode == 0, result.stderr
    figures_add_up(json.loads(result.stdout))


def test_the_demo_runs_on_a_development_node_already_running_even_another_kind() -> None:
    """Issue 27 #24: the README said `ost demo` takes --rpc-url; it had no such option. On Hardhat's EDR node (Osaka,
    its own words for every error) the same story adds up; a chain that is not a development one is refused."""
    with EdrChain() as node:
        result = run("demo", "--json", "--rpc-url", node.rpc_url)
        assert result.returncode == 0, result.stderr
        figures_add_up(json.loads(result.stdout))
    with LocalChain(chain_id=8453) as other:
        refused = run("demo", "--rpc-url", other.rpc_url)
        assert refused.returncode == 1 and "run it on a development chain (31337), not on chain 8453" in refused.stderr


def figures_add_up(report: dict) -> None:  # type: ignore[type-arg]
    assert report["members"] == len(report["balances"]) == 8
    assert report["participationsRewarded"] == 10
    assert sum(int(member["inf"]) for member in report["balances"].values()) == int(report["totalSupply"])
    assert int(report["totalSupply"]) == int(report["infinityIssued"]) - int(report["redeemed"]) > 0
    assert {s: v["outcome"] for s, v in report["sales"].items()} == {
        "BAKE": "succeeded",
        "OLIVE": "succeeded",
        "GUEST": "succeeded",
        "BIKE": "failed",
    }
    assert report["refunded"] == str(20 * 10**16)  # 20 shares at 0.01
    profit = report["profit"]
    per_member = int(profit["perMember"])
    assert per_member == int(profit["deposited"]) // 8 and int(profit["claimedBy3"]) == 3 * per_member
    assert sum(int(m["claimable"]) for m in report["balances"].values()) == 5 * per_member
    assert any("world phase" in line for line in report["story"])


def test_compile_reports_the_build_as_json() -> None:
    result = run("compile", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {"TownRegistry", "InfinityToken", "ShareSale", "ShareToken", "BusinessFactory"} <= set(report["contracts"])
    assert len(report["sourceHash"]) == 64


def test_unknown_command_is_a_usage_error() -> None:
    result = run("launch-rockets")
    assert result.returncode == 2 and "No such command" in result.stderr

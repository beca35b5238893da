"""`ost deploy` on a chain other than the embedded one, as on a public network: a second anvil with
its own chain id stands in for it, and every role signs from its own encrypted keystore."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from typer.testing import CliRunner, Result

from ost_chain.chain import LocalChain, dev_accounts
from ost_chain.cli import app
from ost_chain.client import ChainClient

CHAIN_ID = 4242
PASSPHRASE = "river-kitchen-bakery-4242"
ROLES = ("office", "country", "ambassador")

runner = CliRunner()


def plan_text() -> str:
    """A plan that names every address in full, as one for a public chain must (no dev:N)."""
    dev = [a.address for a in dev_accounts()]
    return f"""
town: Public Town
country: ZA
allow_development_accounts: true  # this stand-in network signs with the development keys
ost_office: "{dev[0]}"
country_ambassador: "{dev[1]}"
town_ambassador: "{dev[2]}"
coordinators: ["{dev[3]}"]
members: ["{dev[10]}", "{dev[11]}", "{dev[12]}"]
country_residents: ["{dev[14]}"]
projects: [{{id: 1, name: River}}]
defaults: {{shares: 100, price: 0.001}}
businesses:
  - {{name: Bakery, symbol: BAKE}}
  - {{name: Laundry, symbol: WASH, investor_bps: 2000}}
"""


@pytest.fixture(scope="module")
def public_chain() -> Iterator[LocalChain]:
    with LocalChain(chain_id=CHAIN_ID) as chain:
        yield chain


@pytest.fixture(scope="module")
def keystores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """v3 keystores of the OST office, the Country Ambassador and the Town Ambassador (cheap kdf)."""
    folder = tmp_path_factory.mktemp("keystores")
    paths = {}
    for role, account in zip(ROLES, dev_accounts()[:3], strict=True):
        path = folder / f"{role}.json"
        path.write_text(json.dumps(Account.encrypt(account.key, PASSPHRASE, kdf="pbkdf2", iterations=1_000)))
        paths[role] = path
    return paths


@pytest.fixture
def plan_path(tmp_path: Path) -> Path:
    path = tmp_path / "public-town.yaml"
    path.write_text(plan_text())
    return path


def deploy(public_chain: LocalChain, plan: Path, manifest: Path, keys: list[Path], passphrase: str) -> Result:
    accounts = [arg for key in keys for arg in ("--account", str(key))]
    return runner.invoke(
        app,
        ["deploy", str(plan), "--rpc-url", public_chain.rpc_url, *accounts, "--manifest", str(manifest), "--json"],
        env={"OST_PASSPHRASE": passphrase, "OST_ACCOUNT": None},
    )


def assert_no_secrets(*texts: str) -> None:
    for text in texts:
        lowered = text.lower()
        assert PASSPHRASE.lower() not in lowered
        for account in dev_accounts()[:3]:
            assert account.key.hex().removeprefix("0x").lower() not in lowered


def registry_state(public_chain: LocalChain, manifest: dict[str, Any]) -> dict[str, Any]:
    client = ChainClient.connect(public_chain.rpc_url, compile=False)
    registry = client.at("TownRegistry", manifest["contracts"]["TownRegistry"]["address"]).functions
    dev = dev_accounts()
    return {
        "chainId": client.chain_id,
        "name": registry.name().call(),
        "country": bytes(registry.countryCode().call()),
        "memberCount": registry.memberCount().call(),
        "members": [registry.isMember(dev[i].address).call() for i in (10, 11, 12, 13)],
        "resident": registry.isCountryResident(dev[14].address).call(),
        "launched": registry.launched().call(),
    }


def test_deploy_signs_with_keystores_and_records_the_chain_id(
    public_chain: LocalChain, keystores: dict[str, Path], plan_path: Path, tmp_path: Path
) -> None:
    manifest_path = tmp_path / "out" / "public-town.json"
    result = deploy(public_chain, plan_path, manifest_path, list(keystores.values()), PASSPHRASE)
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    summary = json.loads(result.stdout)
    assert summary["chainId"] == CHAIN_ID and summary["manifest"] == str(manifest_path)
    assert summary["businesses"] == 2
    manifest_text = manifest_path.read_text()
    manifest = json.loads(manifest_text)
    assert manifest["chainId"] == CHAIN_ID and manifest["town"] == "Public Town" and manifest["pending"] == {}
    assert registry_state(public_chain, manifest) == {
        "chainId": CHAIN_ID,
        "name": "Public Town",
        "country": b"ZA",
        "memberCount": 3,
        "members": [True, True, True, False],
        "resident": True,
        "launched": True,
    }
    assert_no_secrets(result.output, manifest_text)


def test_a_wrong_passphrase_stops_before_anything_is_deployed(
    public_chain: LocalChain, keystores: dict[str, Path], plan_path: Path, tmp_path: Path
) -> None:
    manifest_path = tmp_path / "public-town.json"
    wrong = "not-the-passphrase"
    result = deploy(public_chain, plan_path, manifest_path, list(keystores.values()), wrong)
    assert result.exit_code != 0
    message = str(result.exception)
    assert "Wrong passphrase" in message and str(keystores["office"]) in message
    assert not manifest_path.exists() and not list(tmp_path.glob("**/*.json"))
    assert_no_secrets(result.output, message)
    assert wrong not in result.output + message


def test_a_missing_key_stops_at_its_step_and_a_rerun_with_it_completes_the_town(
    public_chain: LocalChain, keystores: dict[str, Path], plan_path: Path, tmp_path: Path
) -> None:
    dev = dev_accounts()
    manifest_path = tmp_path / "public-town.json"
    result = deploy(public_chain, plan_path, manifest_path, [keystores["office"]], PASSPHRASE)
    assert result.exit_code != 0
    message = str(result.exception)
    # The first step the Town Ambassador signs: appointing the coordinator.
    assert f"'grant:COORDINATOR_ROLE:{dev[3].address}'" in message, message
    assert f"must be signed by {dev[2].address}" in message and str(manifest_path) in message
    assert_no_secrets(result.output, message)
    stopped = json.loads(manifest_path.read_text())
    assert stopped["chainId"] == CHAIN_ID and stopped["pending"] == {} and stopped["businesses"] == {}
    assert {"TownRegistry", "InfinityToken", "BusinessFactory", "ProfitDistributor"} <= set(stopped["contracts"])

    result = deploy(public_chain, plan_path, manifest_path, list(keystores.values()), PASSPHRASE)
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    manifest_text = manifest_path.read_text()
    resumed = json.loads(manifest_text)
    # Resumed, not redone: every contract and step of the first run kept its address and transaction.
    assert resumed["contracts"] == stopped["contracts"]
    assert all(resumed["steps"][key] == step for key, step in stopped["steps"].items())
    assert set(resumed["businesses"]) == {"BAKE", "WASH"} and resumed["pending"] == {}
    state = registry_state(public_chain, resumed)
    assert state["memberCount"] == 3 and state["resident"] and state["launched"]
    assert_no_secrets(result.output, manifest_text)


def test_a_plan_giving_anything_to_a_development_account_is_refused_off_the_development_chain(
    public_chain: LocalChain, keystores: dict[str, Path], tmp_path: Path
) -> None:
    """No Country Ambassador named (so dev:1 by default) and a dev:N coordinator: on chain 4242 `plan check
    --chain-id` and `deploy` refuse it, naming each field, before anything is deployed (issue 20 #3)."""
    text = (
        plan_text()
        .replace("allow_development_accounts: true", "")
        .replace(f'country_ambassador: "{dev_accounts()[1].address}"\n', "")
    )
    text = text.replace(f'coordinators: ["{dev_accounts()[3].address}"]', "coordinators: [dev:3]")
    plan = tmp_path / "careless.yaml"
    plan.write_text(text)
    assert runner.invoke(app, ["plan", "check", str(plan)]).exit_code == 0  # fine on the development chain
    checked = runner.invoke(app, ["plan", "check", str(plan), "--chain-id", str(CHAIN_ID)])
    message = str(checked.exception)
    assert checked.exit_code != 0
    assert "country_ambassador: not named (it would be dev:1)" in message and "coordinators.0: dev:3" in message
    assert f"town_ambassador: {dev_accounts()[2].address}" in message  # a development key by its 0x address too
    manifest = tmp_path / "careless.json"
    result = deploy(public_chain, plan, manifest, list(keystores.values()), PASSPHRASE)
    assert result.exit_code != 0 and "country_ambassador: not named" in str(result.exception)
    assert not manifest.exists()

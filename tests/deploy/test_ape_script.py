"""`ape run deploy_town` as an Ape user runs it: the installed `ape`, anvil through ape-foundry or a
node named by URL, and Ape keyfile accounts; the town comes from the same engine as `ost deploy`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from eth_account import Account

from ost_chain.chain import LocalChain, dev_accounts

ROOT = Path(__file__).resolve().parents[2]
APE = str(Path(sys.executable).with_name("ape"))
ROLES = ("office", "country", "ambassador")

PLAN = """
town: Ape Town
country: ZA
coordinators: [dev:3]
members: [dev:10, dev:11, dev:12]
country_residents: [dev:14]
projects: [{id: 1, name: River}]
defaults: {shares: 100, price: 0.001}
businesses:
  - {name: Bakery, symbol: BAKE}
  - {name: Laundry, symbol: WASH, investor_bps: 2000}
"""


def ape_run(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`ape run deploy_town` from the project root, with Ape's data folder (accounts) in ``tmp_path``."""
    environment = {k: v for k, v in os.environ.items() if k != "OST_PASSPHRASE"}
    environment.update(
        APE_DATA_FOLDER=str(tmp_path / "ape"),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        **(env or {}),
    )
    for _attempt in range(3):
        done = subprocess.run(
            [APE, "run", "deploy_town", *args],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
            check=False,
        )
        # ape-foundry starts its anvil on a random port it does not check is free (on a busy machine one start in
        # ten or so finds it taken, and waits 20 s): only that is tried again; whatever the script did is not.
        if done.returncode == 0 or "RPCTimeoutError" not in done.stdout + done.stderr:
            break
    return done


def write_plan(tmp_path: Path) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN)
    return path


def test_ape_run_deploys_a_town_on_the_local_network_with_the_test_accounts(tmp_path: Path) -> None:
    manifest = tmp_path / "town.json"
    result = ape_run(
        tmp_path, str(write_plan(tmp_path)), "--network", "ethereum:local:foundry", "--manifest", str(manifest)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Manifest: {manifest}" in result.stdout and "Deployed Ape Town on chain 31337" in result.stdout
    data = json.loads(manifest.read_text())
    assert data["chainId"] == 31337 and data["town"] == "Ape Town" and data["pending"] == {}
    assert set(data["businesses"]) == {"BAKE", "WASH"} and "launch" in data["steps"]


def test_ape_run_signs_with_keyfile_accounts_and_resumes_when_a_key_was_missing(tmp_path: Path) -> None:
    folder = tmp_path / "ape" / "accounts"
    folder.mkdir(parents=True)
    passphrases = {}
    for role, account in zip(ROLES, dev_accounts()[:3], strict=True):
        passphrases[f"APE_ACCOUNTS_{role}_PASSPHRASE"] = f"{role}-passphrase-4242"
        keyfile = Account.encrypt(
            account.key, passphrases[f"APE_ACCOUNTS_{role}_PASSPHRASE"], kdf="pbkdf2", iterations=1_000
        )
        (folder / f"{role}.json").write_text(json.dumps(keyfile))
    manifest = tmp_path / "town.json"
    plan = str(write_plan(tmp_path))
    with LocalChain(chain_id=4242) as node:
        # A node named by URL is not Ape's local network: every signer must be named.
        result = ape_run(tmp_path, plan, "--network", node.rpc_url, "--manifest", str(manifest), env=passphrases)
        assert result.returncode != 0 and "--account ALIAS" in result.stderr, result.stdout + result.stderr
        assert not manifest.exists()

        result = ape_run(
            tmp_path,
            plan,
            "--network",
            node.rpc_url,
            "--account",
            "office",
            "--manifest",
            str(manifest),
            env=passphrases,
        )
        assert result.returncode != 0
        ambassador, coordinator = dev_accounts()[2].address, dev_accounts()[3].address
        assert f"'grant:COORDINATOR_ROLE:{coordinator}' must be signed by {ambassador}" in result.stderr, result.stderr
        stopped = json.loads(manifest.read_text())
        assert stopped["chainId"] == 4242 and "TownRegistry" in stopped["contracts"] and stopped["businesses"] == {}

        accounts = [arg for role in ROLES for arg in ("--account", role)]
        result = ape_run(
            tmp_path, plan, "--network", node.rpc_url, *accounts, "--manifest", str(manifest), env=passphrases
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"Manifest: {manifest}" in result.stdout
    resumed = json.loads(manifest.read_text())
    assert resumed["chainId"] == 4242 and resumed["contracts"] == stopped["contracts"]
    assert set(resumed["businesses"]) == {"BAKE", "WASH"} and resumed["pending"] == {}
    output = result.stdout + result.stderr
    assert not any(secret in output for secret in passphrases.values())
    assert not any(a.key.hex().removeprefix("0x") in output.lower() for a in dev_accounts()[:3])

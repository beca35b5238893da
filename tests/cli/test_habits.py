"""Habits Ape and Foundry users bring (issue 20 #10): a keystore named as in ~/.ape/accounts or ~/.foundry/keystores,
its passphrase from --password-file, the chain from ETH_RPC_URL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from eth_account import Account

from ost_chain.chain import LocalChain, dev_accounts
from ost_chain.client import ChainClient
from ost_chain.deploy import deploy_plan
from ost_chain.plan import load_plan

OST = str(Path(sys.executable).with_name("ost"))
DEV = dev_accounts()
PLAN = """
town: Habit Town
country: ZA
coordinators: [dev:3]
members: [dev:10]
projects: [{id: 1, name: River}]
"""


def test_named_keystores_a_password_file_and_eth_rpc_url(client: ChainClient, node: LocalChain, tmp_path: Path) -> None:
    plan_path = tmp_path / "plan.yaml"
    plan_path.write_text(PLAN)
    plan, digest = load_plan(plan_path)
    manifest = deploy_plan(client, plan, tmp_path / "town.json", {a.address: a for a in DEV}, digest).path
    home = tmp_path / "home"
    for folder, name in ((home / ".ape" / "accounts", "ambassador.json"), (home / ".foundry" / "keystores", "coord")):
        folder.mkdir(parents=True)
        key = DEV[2].key if name.startswith("ambassador") else DEV[3].key
        (folder / name).write_text(json.dumps(Account.encrypt(key, "s3cret words", kdf="pbkdf2", iterations=1_000)))
    password = tmp_path / "password.txt"
    password.write_text("s3cret words\n")
    env = {k: v for k, v in os.environ.items() if k not in ("OST_PASSPHRASE", "OST_RPC_URL")}
    env.update(HOME=str(home), ETH_RPC_URL=node.rpc_url)  # no --rpc-url: Foundry's variable names the chain
    newcomer = Account.create().address

    def ost(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [OST, "--password-file", str(password), *args, "--manifest", str(manifest)],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            stdin=subprocess.DEVNULL,
        )

    added = ost("members", "add", newcomer, "--account", "ambassador")  # Ape's name for the Town Ambassador
    assert added.returncode == 0, added.stdout + added.stderr
    rewarded = ost(
        "reward", newcomer, "--minutes", "180", "--project", "1", "--id", "habit/1", "--account", "coord"
    )  # Foundry's name for the coordinator
    assert rewarded.returncode == 0 and "1 INF" in rewarded.stdout, rewarded.stdout + rewarded.stderr
    missing = ost("members", "add", newcomer, "--account", "nobody")
    assert missing.returncode == 1 and "~/.ape/accounts/nobody.json" in missing.stderr, missing.stderr
    assert "s3cret" not in added.stdout + added.stderr + rewarded.stdout + rewarded.stderr

"""Failures a newcomer meets, each one sentence and never a stack trace (issue 20 #6): a wallet with no coin for
gas, and the chain going away in the middle of `ost deploy` (which then resumes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from eth_account import Account

from ost_chain.chain import LocalChain, dev_accounts
from ost_chain.client import ChainClient
from ost_chain.deploy import deploy_plan
from ost_chain.plan import load_plan
from ost_chain.townclient import Town

OST = str(Path(sys.executable).with_name("ost"))
SIGNERS = ("--account", "dev:0", "--account", "dev:1", "--account", "dev:2")  # the office and both ambassadors
DEV = dev_accounts()
PLAN = """
town: Empty Wallet Town
country: ZA
coordinators: [dev:3]
members: [dev:10]
projects: [{id: 1, name: River}]
defaults: {shares: 100, minimum: 50, price: 0.001}
businesses: [{name: Bakery, symbol: BAKE}]
"""


def ost(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120) -> tuple[int, str]:
    done = subprocess.run(
        [OST, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})}
    )
    return done.returncode, done.stdout + done.stderr


def test_a_member_with_no_coin_gets_a_sentence_not_a_stack_trace(
    client: ChainClient, node: LocalChain, tmp_path: Path
) -> None:
    plan_path = tmp_path / "plan.yaml"
    plan_path.write_text(PLAN)
    plan, digest = load_plan(plan_path)
    manifest = deploy_plan(client, plan, tmp_path / "town.json", {a.address: a for a in DEV}, digest)
    empty = Account.create()
    town = Town.load(client, manifest.path)
    town.add_members(DEV[2], [empty.address])
    keystore = tmp_path / "empty.json"
    keystore.write_text(json.dumps(Account.encrypt(empty.key, "pw", kdf="pbkdf2", iterations=1_000)))
    common = ["--rpc-url", node.rpc_url, "--manifest", str(manifest.path), "--account", str(keystore)]
    code, said = ost("sale", "buy", "BAKE", "1", *common, cwd=tmp_path, env={"OST_PASSPHRASE": "pw"})
    assert code == 1 and "Traceback" not in said and len(said.strip().splitlines()) == 1, said
    assert f"{empty.address} has no ETH to pay the 0.001 ETH it sends and the network fee" in said
    assert "add --gasless, and the town's bridge sends the action and pays its fee" in said  # issue 27 #12
    town.deposit(DEV[2], "BAKE", 10**15)  # profit to claim: the claim itself must be sent, and cannot pay gas
    code, said = ost("profit", "claim", *common, cwd=tmp_path, env={"OST_PASSPHRASE": "pw"})
    assert code == 1 and "Traceback" not in said and len(said.strip().splitlines()) == 1, said
    assert f"{empty.address} has no ETH to pay the network fee" in said, said


def test_the_chain_going_away_mid_deploy_is_a_sentence_and_the_rerun_resumes(tmp_path: Path) -> None:
    plan_path = tmp_path / "plan.yaml"
    businesses = ", ".join(f"{{name: Shop {n}, symbol: S{n:03d}}}" for n in range(60))
    plan_path.write_text(PLAN.replace("businesses: [{name: Bakery, symbol: BAKE}]", f"businesses: [{businesses}]"))
    state = tmp_path / "chain-state.json"
    chain = LocalChain(extra_args=("--state", str(state))).start()
    port = chain.rpc_url.rsplit(":", 1)[1]
    try:
        deploy = subprocess.Popen(
            [
                OST,
                "deploy",
                str(plan_path),
                "--rpc-url",
                chain.rpc_url,
                *SIGNERS,
            ],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        manifest = tmp_path / "deployments" / "31337" / "empty-wallet-town.json"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (manifest.exists() and "S005" in manifest.read_text()):
            time.sleep(0.05)
        chain.stop()  # the node goes away in the middle of the businesses
        said, _ = deploy.communicate(timeout=60)
        assert deploy.returncode == 1 and "Traceback" not in said, said
        assert "stopped answering" in said and "run the same command again" in said.lower(), said
    finally:
        chain.stop()
    again = LocalChain(port=int(port), extra_args=("--state", str(state))).start()
    try:
        code, said = ost(
            "deploy",
            str(plan_path),
            "--rpc-url",
            again.rpc_url,
            *SIGNERS,
            cwd=tmp_path,
        )
        assert code == 0, said
        assert (
            json.loads(manifest.read_text())["pending"] == {}
            and len(json.loads(manifest.read_text())["businesses"]) == 60
        )
    finally:
        again.stop()


def test_with_json_an_error_is_a_json_object_on_stdout(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN.replace("country: ZA", "country: za"))
    done = subprocess.run([OST, "plan", "check", str(plan), "--json"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stderr == ""
    answer = json.loads(done.stdout)
    assert answer["kind"] == "ConfigError" and "two-letter country code" in answer["error"]


def test_ost_version() -> None:
    from importlib.metadata import version

    done = subprocess.run([OST, "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == f"ost {version('ost-chain')}"

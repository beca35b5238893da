"""The toolchain under the contracts: compile cache, the embedded chain's lifecycle, the client, the CLI."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from eth_account import Account

from ost_chain.chain import LocalChain, dev_accounts
from ost_chain.client import ChainClient
from ost_chain.compiler import compile_contracts
from ost_chain.exceptions import CompilationError, ToolchainError
from ost_chain.settings import PROJECT_ROOT, Settings

TINY = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
contract Tiny is Ownable {
    constructor() Ownable(msg.sender) {}
}
"""


@pytest.fixture
def project(tmp_path: Path) -> Settings:
    """A throwaway project with one contract, sharing this checkout's npm packages and compiler script.

    Its compiler shim goes in its own folder: one written into this checkout's `.solcx` would point
    at a temporary path that is gone after the test, breaking Ape and slither for the checkout."""
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "Tiny.sol").write_text(TINY)
    (tmp_path / "node_modules").symlink_to(PROJECT_ROOT / "node_modules")
    (tmp_path / "scripts").symlink_to(PROJECT_ROOT / "scripts")
    return Settings(project_root=tmp_path, solcx_binary_path=tmp_path / ".solcx")


def test_compile_writes_artifacts_then_skips_an_unchanged_tree(project: Settings) -> None:
    first = compile_contracts(project)
    assert first.compiled and first.contracts == ("Tiny",)
    artifact = json.loads((project.build_dir / "Tiny.json").read_text())
    assert artifact["bytecode"].startswith("0x60") and any(e.get("name") == "owner" for e in artifact["abi"])
    stamp = (project.build_dir / "Tiny.json").stat().st_mtime_ns

    again = compile_contracts(project)
    assert not again.compiled and again.source_hash == first.source_hash
    assert (project.build_dir / "Tiny.json").stat().st_mtime_ns == stamp

    (project.contracts_dir / "Tiny.sol").write_text(TINY.replace("{}", "{ }"))
    changed = compile_contracts(project)
    assert changed.compiled and changed.source_hash != first.source_hash


def test_compile_error_names_file_and_line_and_keeps_the_last_build(project: Settings) -> None:
    compile_contracts(project)
    (project.contracts_dir / "Tiny.sol").write_text(TINY.replace("Ownable(msg.sender)", "Ownable(msg.sender"))
    with pytest.raises(CompilationError, match=r"contracts/Tiny.sol:\d+"):
        compile_contracts(project)
    assert (project.build_dir / "Tiny.json").is_file()


def test_compile_without_npm_packages_says_how_to_install(tmp_path: Path) -> None:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "Tiny.sol").write_text(TINY)
    with pytest.raises(ToolchainError, match="make setup"):
        compile_contracts(Settings(project_root=tmp_path, solcx_binary_path=PROJECT_ROOT / ".solcx"))


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_local_chain_listens_on_loopback_and_stops_on_error() -> None:
    chain = LocalChain()
    with pytest.raises(RuntimeError, match="boom"), chain:
        assert chain.rpc_url.startswith("http://127.0.0.1:")
        port = int(chain.rpc_url.rsplit(":", 1)[1])
        assert _port_open(port) and chain.running
        raise RuntimeError("boom")
    assert not chain.running
    assert not _port_open(port)


def test_client_sends_value_and_reports_balances() -> None:
    with LocalChain() as chain:
        client = ChainClient.connect(chain.rpc_url)
        sender = Account.from_key(b"\x01" * 32)
        client.send_value(dev_accounts()[0], sender.address, 10**18)
        assert client.balance(sender.address) == 10**18


def test_ost_chain_stops_its_node_on_ctrl_c() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("ost")), "chain", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        url = None
        assert proc.stdout is not None
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if "listening on" in line:
                url = line.split("listening on", 1)[1].strip()
        assert url, "ost chain did not report its address"
        port = int(url.rsplit(":", 1)[1])
        assert _port_open(port)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0 and "Chain stopped." in out, out
        assert not _port_open(port)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_a_local_chain_does_not_outlive_a_killed_parent(tmp_path: Path) -> None:
    """SIGKILL leaves no time to stop anvil: the kernel does it (PR_SET_PDEATHSIG)."""
    import signal
    import subprocess
    import sys
    import time

    script = (
        "from ost_chain.chain import LocalChain\nimport time\nnode = LocalChain().start()\n"
        "print(node._process.pid, flush=True)\ntime.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    anvil = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(anvil, 0)
        except ProcessLookupError:
            return
        with open(f"/proc/{anvil}/stat") as stat:  # an exited child of init may linger as a zombie
            if stat.read().split(") ", 1)[1].startswith("Z"):
                return
        time.sleep(0.1)
    os.kill(anvil, signal.SIGKILL)
    raise AssertionError("anvil outlived its killed parent")


BLOCK_THE_BRIDGE = """
import sys
class Absent:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('fastapi', 'uvicorn', 'sqlalchemy', 'starlette'):
            raise ModuleNotFoundError(f'No module named {name!r}', name=name)
sys.meta_path.insert(0, Absent())
sys.argv = ['ost', *sys.argv[1:]]
from ost_chain.cli import main
main()
"""


def test_ost_works_without_the_bridge_extra_and_leaves_its_command_out() -> None:
    """`pip install ost-chain` without `[api]`: every other command works; `ost api` is simply not there."""
    run = [sys.executable, "-c", BLOCK_THE_BRIDGE]
    shown = subprocess.run([*run, "--help"], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert "compile" in shown.stdout and " api " not in shown.stdout
    missing = subprocess.run([*run, "api", "--help"], capture_output=True, text=True, timeout=60)
    assert missing.returncode != 0 and "No such command 'api'" in missing.stderr + missing.stdout

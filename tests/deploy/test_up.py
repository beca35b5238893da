"""`ost up` beside a running one: nothing of the running town is touched (issue 20 #1), a taken port is said at once
with a free one suggested (#8); run again, the same town goes on, and --fresh keeps the old one's files aside."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ost_chain.chain import dev_accounts
from ost_chain.cli import app
from tests import web

OST = str(Path(sys.executable).with_name("ost"))
PLAN = """
town: Up Town
country: ZA
ost_office: dev:0
country_ambassador: dev:1
town_ambassador: dev:2
coordinators: [dev:3]
members: [dev:10, dev:11]
projects: [{id: 1, name: River}]
businesses: [{name: Bakery, symbol: BAKE}]
"""


def town_manifest(folder: Path) -> Path:
    """The town's manifest `ost up` wrote (beside it, the chain's OST network's)."""
    return next(p for p in (folder / "deployments").glob("*/*.json") if p.name != "network.json")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def up(folder: Path, *args: str, plan: str = "plan.yaml") -> subprocess.Popen[str]:
    return subprocess.Popen(
        [OST, "up", plan, *args],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


@contextmanager
def running(folder: Path, *args: str, plan: str = "plan.yaml") -> Iterator[tuple[subprocess.Popen[str], str]]:
    """An `ost up` serving until the block ends, then Ctrl-C, after which it must stop cleanly; yields it and what
    it printed up to now."""
    proc = up(folder, *args, plan=plan)
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 90
    try:
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "Press Ctrl-C" in line or not line:
                break
        text = "".join(lines)
        assert "Press Ctrl-C" in text, text
        yield proc, text
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0 and "Bridge and chain stopped." in out, out
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def finished(proc: subprocess.Popen[str], timeout: float = 30) -> tuple[int, str, float]:
    started = time.monotonic()
    out, _ = proc.communicate(timeout=timeout)
    return proc.returncode, out, time.monotonic() - started


def test_a_second_ost_up_in_the_same_folder_touches_nothing_of_the_running_town(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(PLAN)
    chain, api = free_port(), free_port()
    with running(tmp_path, "--chain-port", str(chain), "--api-port", str(api)) as (_, text):
        manifest = town_manifest(tmp_path)
        database = manifest.with_suffix(".bridge.sqlite")
        before = manifest.read_text()
        key = subprocess.run(
            [OST, "api", "keys", "create", "dev:3", "--rpc-url", f"http://127.0.0.1:{chain}", "--json"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert key.returncode == 0, key.stdout + key.stderr
        assert database.exists()
        # Another chain port, the same folder: refused before anything is deployed.
        code, out, _ = finished(up(tmp_path, "--port", str(free_port()), "--api-port", "0"))
        assert code != 0 and "already served from" in out and "Traceback" not in out, out
        assert manifest.read_text() == before and database.exists()
        keys = subprocess.run(
            [OST, "api", "keys", "list", "--rpc-url", f"http://127.0.0.1:{chain}", "--json"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert keys.returncode == 0 and "dev" not in keys.stderr and '"coordinator"' in keys.stdout, keys.stdout
        town = re.search(r"Town page: (http://127\.0\.0\.1:\d+)/", text)
        assert town is not None, text
        assert web.get(f"{town.group(1)}/healthz", timeout=10).status_code == 200
        # A taken port, from another folder: said at once, with a free port to use instead.
        other = tmp_path / "other"
        other.mkdir()
        (other / "plan.yaml").write_text(PLAN)
        code, out, seconds = finished(up(other, "--port", str(chain), "--api-port", "0"))
        assert code != 0 and f"Port {chain} on 127.0.0.1" in out and "--chain-port " in out, out
        assert seconds < 10 and not (other / "deployments" / "31337").exists()
    # The town stopped, `ost up` here again: the same town goes on — its contracts, members and the key made above.
    registry = json.loads(before)["contracts"]["TownRegistry"]["address"]
    with running(tmp_path, "--chain-port", "0", "--api-port", "0") as (_, text):
        assert "Going on with the town last run here" in text, text
        assert json.loads(manifest.read_text())["contracts"]["TownRegistry"]["address"] == registry
        rpc = re.search(r"is running on (http://127\.0\.0\.1:\d+)", text)
        assert rpc is not None, text
        keys = subprocess.run(
            [OST, "api", "keys", "list", "--rpc-url", rpc.group(1), "--json"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert isinstance(json.loads(keys.stdout), list), keys.stdout + keys.stderr
        assert json.loads(keys.stdout)[0]["id"] == json.loads(key.stdout)["id"], keys.stdout + keys.stderr
    # --fresh: a new town; the old one's database and chain are kept aside, not deleted.
    with running(tmp_path, "--chain-port", "0", "--api-port", "0", "--fresh") as (_, text):
        assert "Kept aside from the previous town:" in text and ".bridge." in text, text
        with sqlite3.connect(manifest.with_suffix(".bridge.sqlite")) as fresh_db:  # a new town: no keys yet
            assert fresh_db.execute("SELECT count(*) FROM api_keys").fetchone() == (0,)
        kept = list((manifest.parent / "kept").glob("*.bridge.*.sqlite"))
        assert len(kept) == 1 and kept[0].stat().st_size > 0
        assert len(list((manifest.parent.parent / "kept").glob("31337.chain-state.*.json"))) == 1
        assert len(list((manifest.parent / "kept").glob("up-town.*.json"))) == 1  # the old manifest too
        assert len(list((manifest.parent / "kept").glob("network.*.json"))) == 1  # and the old chain's network
        assert sorted(manifest.parent.glob("*.json")) == [manifest.with_name("network.json"), manifest]  # one town
    roles = [line for line in text.splitlines() if "dev:" in line]
    assert any("Town Ambassador" in line and "dev:2" in line for line in roles), text
    assert "keys are public" in text


def test_main_job_deploys_the_sample_town_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    sample = str(Path(__file__).resolve().parents[2] / "examples" / "town.yaml")
    with running(tmp_path, "--chain-port", "0", "--api-port", "0", plan=sample) as (_, text):
        assert "100 businesses" in text and "is running on http://127.0.0.1:" in text, text
        # The bridge's log lines (its worker's first ones) come after what runs where and what to try, not amid it.
        listed = text[text.index("Roles, held") : text.index("Press Ctrl-C")]
        assert not re.search(r"^\d{4}-\d\d-\d\d \d\d:", listed, re.MULTILINE), listed
        manifest = json.loads(town_manifest(tmp_path).read_text())
        assert len(manifest["businesses"]) == 100 and manifest["pending"] == {}
        bridge = re.search(r"Bridge:\s+(http://127\.0\.0\.1:\d+)", text)
        assert bridge is not None, text
        health = web.get(f"{bridge.group(1)}/healthz", timeout=10).json()
        assert health["status"] == "ok" and health["queue"]["workerLeader"] is True
        assert web.get(f"{bridge.group(1)}/v1/town", timeout=10).json()["businesses"] == 100
        # Issue 27 #20: the printed curl dials the phone menu (a development gateway secret, made once; 401 before).
        curl = re.search(r"curl -s (\S+/v1/ussd) -H '([^:]+): ([^']+)'", text)
        assert curl is not None, text
        form = {"sessionId": "try-1", "serviceCode": "*120*1#", "phoneNumber": "+27821234567", "text": ""}
        dialled = web.post(curl.group(1), headers={curl.group(2): curl.group(3)}, data=form, timeout=10)
        assert dialled.status_code == 200 and dialled.text.startswith(("CON ", "END ")), dialled.text
        assert web.post(curl.group(1), data=form, timeout=10).status_code == 401  # without it, no one
        # Issue 27 #26: the sample town has a sale in the development stablecoin; the printed command buys into it
        # with no coin for gas (the permit signed with the purchase), as the README says.
        buy = re.search(r"\S+ (sale buy LKAR 5 --gasless --account dev:\d+)", text)
        chain = re.search(r"export OST_RPC_URL=(\S+)", text)
        assert buy is not None and chain is not None, text
        env = {**os.environ, "OST_RPC_URL": chain.group(1), "OST_BRIDGE_URL": bridge.group(1)}
        bought = subprocess.run(
            [OST, *buy.group(1).split()], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180
        )
        assert bought.returncode == 0, bought.stdout + bought.stderr
        shown = subprocess.run(
            [OST, "sale", "status", "LKAR", "--json"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )
        assert json.loads(shown.stdout)["sold"] == 5 and "tZAR" in bought.stdout, bought.stdout + shown.stdout


def test_ost_up_with_a_second_town_deploys_both_in_one_network_and_means_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "plan.yaml").write_text(PLAN)
    second = PLAN.replace("Up Town", "Down Town").replace("dev:2", "dev:5").replace("[dev:3]", "[dev:6]")
    (tmp_path / "second.yaml").write_text(second)  # its own Town Ambassador and coordinator
    chain = free_port()
    rpc = ["--rpc-url", f"http://127.0.0.1:{chain}", "--json"]

    def ost(*args: str) -> Any:
        """`ost ARGS --json` in the folder, in this process (a command each is a second of start-up less)."""
        done = CliRunner().invoke(app, [*args, *rpc])
        assert done.exit_code == 0, f"{done.stdout} {done.exception!r}"
        return json.loads(done.stdout)

    monkeypatch.chdir(tmp_path)  # the commands find the towns deployed here, as in a terminal in this folder

    with running(tmp_path, "--chain-port", str(chain), "--api-port", "0", "--with", "second.yaml") as (_, text):
        assert "Down Town is deployed beside it in the OST network" in text, text
        # The one bridge's relayer (dev:3, the first town's coordinator) confirms shifts in the second town too: it
        # mints that town's API-key participations (a trial found them refused out of the box).
        assert "confirms shifts in Down Town too" in text, text
        assert re.search(r"export OST_BRIDGE_URL=http://127\.0\.0\.1:\d+ ", text), text  # not at port 8000
        page = re.search(r"Town page: (http://127\.0\.0\.1:\d+)/towns/down-town/ +\(Down Town", text)  # one bridge
        assert page is not None and f"Network page: {page.group(1)}/network" in text, text
        # Each town's roles are said: the second town's Town Ambassador is its own (a trial read only the first's).
        roles = r"Roles in Down Town:\n  OST office .*\n  Country Ambassador .*\n  Town Ambassador +dev:5 "
        assert re.search(roles, text), text
        served = web.get(f"{page.group(1)}/v1/towns", timeout=10).json()
        assert [t["town"] for t in served] == ["Up Town", "Down Town"]
        shown = ost("network", "show")
        assert [(t["name"], t["country"]) for t in shown["towns"]] == [("Up Town", "ZA"), ("Down Town", "ZA")]
        assert ost("town", "show")["town"] == "Up Town"  # several towns here: the commands mean the first
        ost("network", "residents", "ZA", "dev:15")  # once, for both
        down = str(tmp_path / "deployments" / "31337" / "down-town.json")
        assert ost("members", "show", "dev:15", "--manifest", down)["tier"] == "country"
        assert ost("members", "show", "dev:15")["tier"] == "country"
        # A country office makes a key for the second town's coordinator: with --manifest of that town alone it is
        # told where the bridge's database is (a trial's key went to a new, empty one the bridge never read) ...
        stray = CliRunner().invoke(app, ["api", "keys", "create", "dev:6", "--manifest", down, *rpc])
        assert stray.exit_code != 0 and "has no bridge database of its own" in str(stray.exception), stray.stdout
        assert not (tmp_path / "deployments" / "31337" / "down-town.bridge.sqlite").exists()
        # ... and with --town, the key is the bridge's, and acts in that town (taken there: the relayer mints there).
        key = ost("api", "keys", "create", "dev:6", "--town", down)["key"]
        shift = {"participationId": "down-1", "member": dev_accounts()[10].address, "hours": 3}
        taken = web.post(
            f"{page.group(1)}/v1/towns/down-town/participations",
            json={**shift, "projectId": 1},
            headers={"Authorization": f"Bearer {key}"},
            timeout=30,
        )
        assert taken.status_code == 202, taken.text

"""One short code for every town a bridge serves (issue 31): phone members of two towns of one OST network dial the
same callback, in Africa's Talking's form. Each number belongs to its town's member, each ambassador's order acts in
its own town, a member of both towns chooses a town first, and a phone member of one town is nobody in the other:
not a receiver, not a name, not a participant. Receipts come from the one sender, each naming its town."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from api.db import PhoneAccount, Sms
from ost_chain.deploy import deploy_plan
from ost_chain.plan import load_plan
from ost_chain.townclient import Reward, Town
from tests import launch, web
from tests.api.conftest import DEV, Bridge, Databases, Deployed, deploy_town, wait_until
from tests.api.test_ussd import GATEWAY, Phone

THANDI, SIPHO, LINDI = "+27821111111", "+27822222222", "+27823333333"
PIN = "73915"
ONE = 10**18
SECOND = """
town: Second Town
country: ZA
time_zone: Africa/Johannesburg
coordinators: [dev:3]
members: [dev:12]
projects: [{id: 1, name: Dam}]
"""


@pytest.fixture
def two_towns(tmp_path: Path, databases: Databases) -> Iterator[tuple[Deployed, Town, Path, Bridge]]:
    deployed = deploy_town(tmp_path)
    (tmp_path / "second.yaml").write_text(SECOND)
    plan, digest = load_plan(tmp_path / "second.yaml")
    made = deploy_plan(deployed.client, plan, tmp_path / "second.json", {a.address: a for a in DEV}, digest)
    env = {"OST_BRIDGE__USSD_SECRET": GATEWAY}
    bridge = Bridge(deployed, databases.url("town-phones"), env=env, towns=[made.path]).start()
    try:
        yield deployed, Town.load(deployed.client, made.path), made.path, bridge
    finally:
        bridge.stop()
        deployed.node.stop()


def ost(deployed: Deployed, bridge: Bridge, manifest: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`ost …` as an ambassador of the town of ``manifest`` runs it, against the one bridge."""
    env = {**os.environ, "OST_BRIDGE_URL": bridge.url}
    return launch.run([*args, "--manifest", str(manifest), "--rpc-url", deployed.node.rpc_url], timeout=120, env=env)


def set_up(phone: Phone) -> None:
    """The first dial: English, and a PIN, twice."""
    assert phone.dial("1", PIN, PIN) == "END Your PIN is set. Dial again to use your account."


@pytest.mark.databases("sqlite", "postgresql")
def test_one_short_code_serves_both_towns_and_each_town_s_phones_are_its_own(two_towns: Any) -> None:
    deployed, second, second_manifest, bridge = two_towns
    first_manifest = deployed.manifest
    for manifest, number, name in ((first_manifest, THANDI, "Thandi"), (first_manifest, LINDI, "Lindi")):
        added = ost(deployed, bridge, manifest, "members", "add", "--phone", number, "--name", name, "--json")
        assert added.returncode == 0, added.stderr
    added = ost(deployed, bridge, second_manifest, "members", "add", "--phone", SIPHO, "--name", "Sipho", "--json")
    assert added.returncode == 0, added.stderr
    # A number belongs to one town's member: the second town's ambassador cannot sign it up again, nor reset it.
    again = ost(deployed, bridge, second_manifest, "members", "add", "--phone", THANDI, "--name", "T", "--json")
    assert again.returncode != 0 and "in another town: a number belongs to one town's member" in again.stdout
    reset = ost(deployed, bridge, second_manifest, "phones", "reset-pin", THANDI, "--json")
    assert reset.returncode != 0 and "holds no account" in reset.stdout, reset.stdout
    listed = ost(deployed, bridge, second_manifest, "phones", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [row["phone"] for row in json.loads(listed.stdout)] == [SIPHO]  # the second town's phones only
    with bridge.session() as session:
        accounts = {a.phone: a for a in session.scalars(select(PhoneAccount))}
    registries = {deployed.town.registry.address, second.registry.address}
    assert {a.town for a in accounts.values()} == registries
    thandi, sipho, lindi = (accounts[n].address for n in (THANDI, SIPHO, LINDI))

    # One callback: each member sees their own town's menu, under its name.
    on_thandi, on_sipho, on_lindi = Phone(bridge, THANDI), Phone(bridge, SIPHO), Phone(bridge, LINDI)
    for phone in (on_thandi, on_sipho):
        set_up(phone)
    assert on_thandi.dial().startswith("CON Bridge Town\n1 Balance")
    assert on_sipho.dial().startswith("CON Second Town\n1 Balance")
    assert on_lindi.dial() == "CON 1 English\n2 Afrikaans\n3 العربية\n4 Français"
    # Lindi (the first town's only) is nobody in the second town: Sipho cannot send to her, nor see her name.
    refused = on_sipho.dial("2", "0823333333")
    assert refused.startswith("END 0823333333 is not another member's phone.") and "Lindi" not in refused

    # Thandi joins the second town too: she chooses a town first, and acts in the one she chose.
    second.add_members(DEV[2], [thandi])
    second.reward(DEV[3], Reward(thandi, 180, f"second/{thandi}", 1))  # 1 INF in the second town
    # (the bridge keeps a member's standing a few seconds: the choice comes once it reads it again)
    choice = wait_until(lambda: (screen := on_thandi.dial()).startswith("CON Choose") and screen)
    assert choice == "CON Choose a town:\n1 Bridge Town\n2 Second Town"
    assert on_thandi.dial("3").startswith("CON Please choose 1-2.\nChoose a town:")
    assert on_thandi.dial("2").startswith("CON Second Town\n1 Balance")
    assert on_thandi.dial("2", "1", "0", "0") == "CON Choose a town:\n1 Bridge Town\n2 Second Town"  # 0: back
    assert on_thandi.dial("2", "1", PIN).startswith("END INF: 1 INF\n")
    assert on_thandi.dial("1", "1", PIN).startswith("END INF: 0 INF\n")  # the first town's INF: none
    confirm = on_thandi.dial("2", "2", "0822222222", "0.5")
    assert confirm == "CON Send 0.5 INF to Sipho (+27...222)?\nEnter your PIN to confirm:"
    sent = on_thandi.dial("2", "2", "0822222222", "0.5", PIN)
    assert sent == "END Sending 0.5 INF to Sipho. An SMS will confirm it."
    wait_until(lambda: second.infinity.functions.balanceOf(sipho).call() == ONE // 2)
    assert deployed.client.balance(thandi) == 0 and deployed.town.infinity.functions.balanceOf(sipho).call() == 0

    # Receipts come from the one sender, each naming its town.
    def receipts() -> dict[str, tuple[str, str]] | None:
        with bridge.session() as session:
            found = {s.phone: (s.body, s.town) for s in session.scalars(select(Sms)) if "0.5 INF" in s.body}
        return found if len(found) == 2 else None

    told = wait_until(receipts)
    assert told[THANDI] == ("Second Town: You sent 0.5 INF to Sipho.", second.registry.address)
    assert told[SIPHO] == ("Second Town: You received 0.5 INF from Thandi.", second.registry.address)

    # A coordinator of the second town names its phone members by number; the first town's alone are nobody there.
    key, _ = bridge.new_key(DEV[3].address, town=second_manifest)
    there, auth = f"{bridge.url}/v1/towns/second-town", {"Authorization": f"Bearer {key}"}
    shift = {"participationId": "phone-1", "projectId": 1, "hours": 3}
    nobody = web.post(f"{there}/participations", json={**shift, "member": LINDI}, headers=auth, timeout=30)
    assert nobody.status_code == 422 and nobody.json()["type"] == "/problems/unknown-phone"
    assert lindi not in nobody.text
    member = web.post(f"{there}/participations", json={**shift, "member": THANDI}, headers=auth, timeout=30)
    assert member.status_code == 202 and member.json()["member"] == thandi

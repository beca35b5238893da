"""One short code for every town a bridge serves (issue 31): phone members of two towns of one OST network dial the
same callback, in Africa's Talking's form. Each number belongs to its town's member, each ambassador's order acts in
its own town, a member of both towns chooses a town first, and a phone member of one town is nobody in the other:
not a receiver, not a name, not a participant. Receipts come from the one sender, each naming its town."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest
from eth_account import Account
from sqlalchemy import select
from typer.testing import CliRunner

from api.bridge import Bridge as BridgeInProcess
from api.db import Participation, PhoneAccount, RelayRequest, Sms, Status
from api.settings import bridge_settings
from ost_chain.cli import app
from ost_chain.deploy import deploy_plan
from ost_chain.enums import Role
from ost_chain.gasless import prepare, sign
from ost_chain.manifest import Manifest
from ost_chain.plan import load_plan
from ost_chain.townclient import Reward, Town
from tests import launch, web
from tests.api.conftest import DEV, MEMBERS, Bridge, Databases, Deployed, deploy_town, wait_until
from tests.api.test_holding import queue
from tests.api.test_ussd import GATEWAY, Phone

THANDI, SIPHO, LINDI = "+27821111111", "+27822222222", "+27823333333"
PIN = "73915"
ONE = 10**18
SECOND = """
town: Second Town
country: ZA
time_zone: Africa/Johannesburg
coordinators: [dev:3, dev:4]
members: [dev:12]
projects: [{id: 1, name: Dam}]
"""


def deploy_second(deployed: Deployed, folder: Path) -> Manifest:
    """The second town (SECOND), in ``deployed``'s OST network on its chain; its manifest in ``folder``."""
    (folder / "second.yaml").write_text(SECOND)
    plan, digest = load_plan(folder / "second.yaml")
    return deploy_plan(deployed.client, plan, folder / "second.json", {a.address: a for a in DEV}, digest)


@pytest.fixture
def two_towns(tmp_path: Path, databases: Databases) -> Iterator[tuple[Deployed, Town, Path, Bridge]]:
    deployed = deploy_town(tmp_path)
    made = deploy_second(deployed, tmp_path)
    env = {"OST_BRIDGE__USSD_SECRET": GATEWAY}
    bridge = Bridge(deployed, databases.url("town-phones"), env=env, towns=[made.path]).start()
    try:
        yield deployed, Town.load(deployed.client, made.path), made.path, bridge
    finally:
        bridge.stop()
        deployed.node.stop()


def ost(deployed: Deployed, bridge: Bridge, manifest: Path, *args: str) -> SimpleNamespace:
    """`ost …` as an ambassador of the town of ``manifest`` runs it, against the one bridge (in this process: a
    command each is a second of start-up less; the bridge and the chain are the real ones)."""
    done = CliRunner().invoke(
        app,
        [*args, "--manifest", str(manifest), "--rpc-url", deployed.node.rpc_url],
        env={"OST_BRIDGE_URL": bridge.url},
    )
    refused = str(done.exception) if done.exception else ""  # the command's sentence (its entry point prints it)
    return SimpleNamespace(returncode=done.exit_code, stdout=done.stdout + refused, stderr=refused)


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
    # A number belongs to one town's member: the second town's ambassador cannot reset it, move it, or list it.
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

    # Thandi joins the second town too (its ambassador signs her number up there): her account stays the first
    # town's, she chooses a town when she dials, and acts in the one she chose.
    # A mistyped number, or a name not the member's, joins nobody and tells nothing of whose the number is.
    wrong = ost(deployed, bridge, second_manifest, "members", "add", "--phone", THANDI, "--name", "Lerato", "--json")
    assert wrong.returncode != 0 and "under another name" in wrong.stdout and thandi not in wrong.stdout
    joined = ost(deployed, bridge, second_manifest, "members", "add", "--phone", THANDI, "--name", "thandi", "--json")
    assert joined.returncode == 0, joined.stdout + joined.stderr
    assert json.loads(joined.stdout) == {
        "phone": THANDI, "address": thandi, "name": "Thandi", "new": True, "joined": True
    }  # fmt: skip
    assert second.registry.functions.isMember(thandi).call()
    with bridge.session() as session:
        assert session.get(PhoneAccount, THANDI).town == deployed.town.registry.address
    # The second town's ambassador sees her among its phone members, and is told whose ambassador manages her.
    listed = ost(deployed, bridge, second_manifest, "phones", "list", "--json")
    assert [(r["phone"], r["joined"]) for r in json.loads(listed.stdout)] == [(THANDI, True), (SIPHO, False)]
    reset = ost(deployed, bridge, second_manifest, "phones", "reset-pin", THANDI, "--json")
    assert reset.returncode != 0 and "the Town Ambassador of Bridge Town resets their PIN" in reset.stdout
    second.reward(DEV[4], Reward(thandi, 180, f"second/{thandi}", 1))  # 1 INF (dev:3 is the bridge's relayer: not it)
    # (the bridge keeps a member's standing a few seconds: the choice comes once it reads it again)
    choice = wait_until(lambda: (screen := on_thandi.dial()).startswith("CON Choose") and screen)
    assert choice == "CON Choose a town:\n1 Bridge Town\n2 Second Town"
    assert on_thandi.dial("3").startswith("CON Please choose 1-2.\nChoose a town:")
    assert on_thandi.dial("2").startswith("CON Second Town\n1 Balance")
    assert on_thandi.dial("2", "1", "0", "0") == "CON Choose a town:\n1 Bridge Town\n2 Second Town"  # 0: back
    assert on_thandi.dial("2", "1", PIN).startswith("END Balance: 1 INF\n")
    assert on_thandi.dial("1", "1", PIN).startswith("END Balance: 0 INF\n")  # the first town's INF: none
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
    made = launch.run(  # as a country office makes a coordinator's key for one of its bridge's towns
        ["api", "keys", "create", DEV[3].address, "--town", str(second_manifest), "--manifest", str(first_manifest)]
        + ["--rpc-url", deployed.node.rpc_url, "--database-url", bridge.database_url, "--json"],
        timeout=120,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    key = json.loads(made.stdout)["key"]
    assert json.loads(made.stdout)["town"] == second.registry.address
    bridge.issued.append(key)
    there, auth = f"{bridge.url}/v1/towns/second-town", {"Authorization": f"Bearer {key}"}
    long_id = "river/2026-12-07/" + "a0b1c2d3-" * 10  # a long id (a UUID or more): its receipt's key too
    shift = {"participationId": long_id, "projectId": 1, "hours": 3}
    nobody = web.post(f"{there}/participations", json={**shift, "member": LINDI}, headers=auth, timeout=30)
    assert nobody.status_code == 422 and nobody.json()["type"] == "/problems/unknown-phone"
    assert lindi not in nobody.text
    # Named as dialled at home (082…, the town's country) as well as in full (+27…): a trial's was refused.
    member = web.post(f"{there}/participations", json={**shift, "member": "082 111 1111"}, headers=auth, timeout=30)
    assert member.status_code == 202 and member.json()["member"] == thandi

    def earned() -> list[Sms]:  # the receipt of the second town's reward, however long its key
        with bridge.session() as session:
            return list(session.scalars(select(Sms).where(Sms.body.like("%You earned%"))))

    (receipt,) = wait_until(earned, timeout=60)
    assert (receipt.phone, receipt.town) == (THANDI, second.registry.address)
    assert receipt.body == "Second Town: You earned 1 INF for 180 minutes of work."

    # The other boundaries, on this database too: the second town's key, its participation and its members'
    # relayed actions are nothing at the first town's routes.
    here = f"{bridge.url}/v1"
    refused = web.post(f"{here}/participations", json={**shift, "member": THANDI}, headers=auth, timeout=30)
    assert refused.status_code == 403 and refused.json()["type"] == "/problems/key-of-another-town"
    assert web.get(f"{here}/participations/{quote(long_id, safe='')}", timeout=30).status_code == 404
    assert web.get(f"{there}/participations/{quote(long_id, safe='')}", timeout=30).json()["status"] != ""
    with bridge.session() as session:
        relays = {r.id: r.town for r in session.scalars(select(RelayRequest))}
    (sent_there,) = [i for i, t in relays.items() if t == second.registry.address]  # Thandi's transfer to Sipho
    assert web.get(f"{here}/relay/{sent_there}", timeout=30).status_code == 404
    assert web.get(f"{there}/relay/{sent_there}", timeout=30).json()["status"] == "confirmed"

    # Her own town moves her account to a new number after a lost SIM (its two keys): the second town still lists
    # her, at the new number, and still sends its ambassador to hers. (It lost her before.)
    new = "+27824445555"
    for step in ((), ("--confirm",)):
        moved = ost(deployed, bridge, first_manifest, "phones", "move", THANDI, new, *step)
        assert moved.returncode == 0, moved.stdout
    listed = ost(deployed, bridge, second_manifest, "phones", "list", "--json")
    assert [(r["phone"], r["joined"]) for r in json.loads(listed.stdout)] == [(new, True), (SIPHO, False)]
    reset = ost(deployed, bridge, second_manifest, "phones", "reset-pin", new, "--json")
    assert reset.returncode != 0 and "the Town Ambassador of Bridge Town resets their PIN" in reset.stdout


@pytest.fixture(scope="module")
def budgeted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Deployed, Town, Bridge]]:
    """Two towns, one bridge with a small budget a town; shared by the tests below (none needs what another
    changes: the budget is of relayed actions, the relayer's role of participations sent with a key)."""
    tmp_path = tmp_path_factory.mktemp("budgeted")
    deployed = deploy_town(tmp_path)
    made = deploy_second(deployed, tmp_path)
    # Roles read afresh every time (a test changes them and asks at once; a bridge trusts one for 2 s).
    env = {"OST_BRIDGE__TOWN_GAS_PER_DAY": str(BUDGET), "OST_BRIDGE__ROLE_CACHE_SECONDS": "0"}
    bridge = Bridge(deployed, f"sqlite:///{tmp_path / 'budget.sqlite'}", env=env, towns=[made.path]).start()
    try:
        yield deployed, Town.load(deployed.client, made.path), bridge
    finally:
        bridge.stop()
        deployed.node.stop()


BUDGET = 120_000  # gas a town's members' relayed actions may take of the one relayer's pool in the town's day


def test_each_town_has_its_budget_of_the_one_relayer_s_gas_and_healthz_says_what_is_left(budgeted: Any) -> None:
    """Issue 31: one relayer pays for every town, each town with a day's budget of its gas. A town past its budget
    is refused in a sentence (its members' actions wait for its next day), the other town's members still act, and
    /healthz says what each town has taken of its day and has left."""
    deployed, second, bridge = budgeted

    def relayed(town: Town, door: str, n: int) -> Any:
        member = Account.create()
        town.add_members(DEV[2], [member.address])
        town.reward(DEV[4], Reward(member.address, 180, f"budget/{door}/{n}", 1))  # not the relayer's nonce
        name = town.forwarder.functions.eip712Domain().call()[1]
        fn = town.infinity.functions.transfer(DEV[3].address if door == "/v1" else DEV[12].address, ONE // 2)
        prepared = prepare(town, member.address, fn)
        request = sign(member, prepared, deployed.client.chain_id, town.forwarder.address, name)
        return web.post(f"{bridge.url}{door}/relay", json=request.as_json(), timeout=30)

    answers = [relayed(deployed.town, "/v1", n) for n in range(4)]
    codes = [a.status_code for a in answers]
    assert codes[0] == 202 and 429 in codes, codes
    refused = answers[codes.index(429)].json()
    assert refused["type"] == "/problems/town-budget-used"
    assert refused["detail"].startswith("Bridge Town's free gas for today is used up: ")
    assert relayed(second, "/v1/towns/second-town", 0).status_code == 202  # the other town's budget is its own
    # Anyone asking what is left of today hears the same: nothing, the town's day being used up.
    nobody = Account.create().address
    left = web.get(f"{bridge.url}/v1/relay/quota/{nobody}", headers={"Accept-Language": "af"}, timeout=30).json()
    assert left["left"] == 0 and left["sentence"] == "Die dorp se gratis aksies vir vandag is op. Meer môre."
    towns = web.get(f"{bridge.url}/healthz", timeout=30).json()["relayer"]["towns"]
    first, other = towns["bridge-town"], towns["second-town"]
    assert first["gasBudget"] == other["gasBudget"] == BUDGET
    assert 0 < first["gasToday"] <= BUDGET and first["gasLeft"] == BUDGET - first["gasToday"]
    assert 0 < other["gasToday"] and other["gasLeft"] == BUDGET - other["gasToday"]


def test_a_bridge_refuses_a_key_s_participations_in_a_town_where_its_relayer_may_not_mint(budgeted: Any) -> None:
    """Review of issue 31: the one relayer mints every town's API-key participations, so it must be a coordinator in
    each. A town where it is not refuses them at its door, in a sentence (they would wait for ever), while the
    coordinator's signed participations and every other town's still go."""
    deployed, second, bridge = budgeted
    second.set_role(DEV[2], Role.COORDINATOR, DEV[3].address, held=False)  # the relayer (dev:3) is no longer one
    second.set_role(DEV[2], Role.COORDINATOR, DEV[4].address, held=True)
    second.set_coordinator_cap(DEV[2], DEV[4].address, 1_000 * ONE)
    key, _ = bridge.new_key(DEV[4].address, town=deployed.folder / "second.json")
    shift = {"participationId": "no-minter-1", "member": DEV[12].address, "projectId": 1, "hours": 3}
    there = f"{bridge.url}/v1/towns/second-town/participations"
    refused = web.post(there, json=shift, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert refused.status_code == 503 and refused.json()["type"] == "/problems/relayer-not-coordinator"
    assert refused.json()["detail"].startswith(f"This bridge's relayer {DEV[3].address} is not a coordinator of Second")
    health = web.get(f"{bridge.url}/healthz", timeout=30).json()  # the operator is warned, before anyone sends
    said = f"The relayer {DEV[3].address} is not a coordinator of Second Town"
    assert any(w.startswith(said) for w in health["warnings"]), health["warnings"]
    first_key, _ = bridge.new_key(DEV[3].address)
    ok = web.post(
        f"{bridge.url}/v1/participations",
        json={"participationId": "minter-1", "member": MEMBERS[0], "projectId": 1, "hours": 3},
        headers={"Authorization": f"Bearer {first_key}"},
        timeout=30,
    )
    assert ok.status_code == 202, ok.text


def test_a_town_whose_minting_the_chain_refuses_the_relayer_pauses_alone(tmp_path: Path) -> None:
    """Review of issue 31: the chain refusing the relayer in one town (its role revoked after the participations
    were taken) paused every town's minting for 5 s each time that town's turn came round. Now that town alone
    waits, /healthz names it, and the other town's participations are minted meanwhile (the worker driven step by
    step, in this process)."""
    deployed = deploy_town(tmp_path)
    made = deploy_second(deployed, tmp_path)
    second = Town.load(deployed.client, made.path)
    settings = bridge_settings(
        deployed.manifest, deployed.node.rpc_url, database_url=f"sqlite:///{tmp_path / 'q.sqlite'}", towns=[made.path]
    )
    settings.bridge.run_worker, settings.bridge.batch_wait = False, 0.0
    bridge = BridgeInProcess(settings)
    try:
        second.set_role(DEV[2], Role.COORDINATOR, DEV[4].address, held=True)  # the second town's own coordinator
        second.set_coordinator_cap(DEV[2], DEV[4].address, 1_000 * ONE)
        theirs = queue(
            bridge, 3, "theirs", 180, DEV[4].address, town=second.registry.address, members=[DEV[12].address]
        )
        ours = queue(bridge, 3, "ours", minutes=180)
        second.set_role(DEV[2], Role.COORDINATOR, bridge.relayer.address, held=False)  # after they were taken
        worker = bridge.worker
        assert worker.lease.hold()[0]
        worker.reconcile()
        for _ in range(20):
            worker.step()
            with bridge.sessions() as session:
                done = {p.participation_id: p.status for p in session.scalars(select(Participation))}
            if all(done[i] == Status.CONFIRMED for i in ours):
                break
        assert [done[i] for i in ours] == [Status.CONFIRMED] * 3  # the first town's, minted meanwhile
        assert [done[i] for i in theirs] == [Status.QUEUED] * 3  # the second's wait: nothing lost
        assert worker.problem is None  # not the whole bridge's
        (paused,) = worker.paused
        assert paused.startswith("Minting in Second Town is paused: ") and "COORDINATOR_ROLE" in paused
        with bridge.sessions() as session:  # and its waiting rows keep no pass asking the chain (a review found
            assert not worker._waiting_rows(session)  # twenty passes a second, each with three calls to the node)
    finally:
        bridge.stop()

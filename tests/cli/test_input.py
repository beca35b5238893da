"""A command refuses bad input with one line before anything is sent, and says a closed sale has no phase to end
(issue 27 #1, #2, #4, #5): `ost` as a newcomer runs it, in its own process, on a real anvil."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ost_chain.chain import LocalChain, dev_accounts
from ost_chain.client import ChainClient
from ost_chain.deploy import deploy_plan
from ost_chain.enums import Role
from ost_chain.plan import load_plan
from ost_chain.townclient import Reward, Town
from tests import launch

OST = str(Path(sys.executable).with_name("ost"))
DEV = dev_accounts()
PLAN = """
town: Input Town
country: ZA
coordinators: [dev:3]
members: [dev:10, dev:11]
projects: [{id: 1, name: River}]
defaults: {shares: 2, minimum: 1, price: 0.001}
businesses: [{name: Bakery, symbol: BAKE}, {name: Smithy, symbol: SMITH}]
"""


@pytest.fixture(scope="module")
def town(client: ChainClient, node: LocalChain, tmp_path_factory: pytest.TempPathFactory) -> tuple[Town, list[str]]:
    folder = tmp_path_factory.mktemp("input")
    (folder / "plan.yaml").write_text(PLAN)
    plan, digest = load_plan(folder / "plan.yaml")
    manifest = deploy_plan(client, plan, folder / "town.json", {a.address: a for a in DEV}, digest)
    return Town.load(client, manifest.path), ["--rpc-url", node.rpc_url, "--manifest", str(manifest.path)]


def ost(*args: str) -> tuple[int, str]:
    done = launch.run(args, timeout=120)
    return done.returncode, (done.stdout + done.stderr).strip()


def one_sentence(code: int, said: str) -> str:
    """One line, no traceback: status 1 for a refusal, 2 for a mistyped command (as click has it)."""
    assert code in (1, 2) and "Traceback" not in said and len(said.splitlines()) == 1, said
    assert "e+" not in said.lower() and "InvalidOperation" not in said and "MismatchedABI" not in said, said
    return said


def test_a_coordinator_with_a_cap_no_chain_can_hold_is_refused_before_the_role_is_granted(
    town: tuple[Town, list[str]],
) -> None:
    """Before, `ost coordinators add dev:6 --cap 1e40` granted the role, then failed encoding the cap: the town had a
    coordinator with a cap of 0."""
    t, common = town
    said = one_sentence(*ost("coordinators", "add", "dev:6", "--cap", "1e40", *common))
    assert "daily cap" in said and "more than can be held here" in said
    assert not t.has_role(Role.COORDINATOR, DEV[6].address)


@pytest.mark.parametrize("amount", ["99999999999999999999999999999", "1e30"])
def test_sending_more_inf_than_anyone_holds_is_one_sentence(town: tuple[Town, list[str]], amount: str) -> None:
    _, common = town
    said = one_sentence(*ost("inf", "send", "dev:11", amount, "--account", "dev:10", *common))
    assert "INF" in said


def test_a_deposit_of_1e40_is_said_in_plain_digits(town: tuple[Town, list[str]]) -> None:
    t, common = town
    treasury = t.client.view(t.sale(0)[0].functions.terms()).treasury
    account = next(f"dev:{i}" for i, a in enumerate(DEV) if a.address == treasury)
    one_sentence(*ost("profit", "deposit", "BAKE", "1e40", "--account", account, *common))


def test_advancing_a_sold_out_sale_says_it_has_closed(town: tuple[Town, list[str]]) -> None:
    """Before: `ValueError: 'succeeded' is not in list`, a traceback."""
    t, common = town
    code, said = ost("sale", "buy", "SMITH", "2", "--account", "dev:10", *common)
    assert code == 0, said
    said = one_sentence(*ost("sale", "advance", "SMITH", *common))
    assert "has closed (succeeded)" in said and "ost sale finalize SMITH" in said


def test_a_mistyped_option_is_one_line_not_a_box(town: tuple[Town, list[str]]) -> None:
    """The README promises one line for every failure; typer drew a multi-line box for `--minutes 99999`."""
    _, common = town
    said = one_sentence(*ost("reward", "dev:10", "--minutes", "99999", "--project", "1", "--id", "x", *common))
    assert "--minutes" in said and "See `ost reward --help`" in said


def test_a_buyer_who_may_not_buy_is_told_with_its_address_not_its_nickname(town: tuple[Town, list[str]]) -> None:
    """Issue 27 #16: `sale status … --address dev:19` printed "#2: dev:19 only the town's members may buy…"."""
    _, common = town
    code, said = ost("sale", "status", "BAKE", "--address", "dev:19", *common)
    assert code == 0, said
    assert f"BAKE (#0): {DEV[19].address} may not buy now: only the town's members may buy" in said
    assert "dev:19" not in said


def test_a_basket_id_used_before_is_said_as_typed(town: tuple[Town, list[str]]) -> None:
    """Issue 27 #14: "redemption 0x083f…d9 was recorded already" named the id's hash, not what the member typed."""
    t, common = town
    t.reward(DEV[3], Reward(DEV[11].address, 360, "earned-for-baskets", 1))
    basket = ("redeem", "0.5", "--basket", "maize meal", "--id", "basket-2026-12", "--account", "dev:11", *common)
    code, said = ost(*basket)
    assert code == 0, said
    said = one_sentence(*ost(*basket))
    assert "Redemption 'basket-2026-12'" in said and "recorded already" in said and "0x" + "0" * 4 not in said


def test_members_are_listed_with_the_date_they_joined(town: tuple[Town, list[str]]) -> None:
    """Issue 27 #15: "joined in block 21" is no date; the town's time zone is."""
    _, common = town
    code, said = ost("members", "list", *common)
    assert code == 0, said
    assert "joined in block" not in said and "2 members" in said
    assert re.search(r"\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d UTC", said), said  # a date, in the town's zone


def test_an_ost_forked_from_the_tests_loaded_one_says_what_a_started_one_says(
    town: tuple[Town, list[str]], tmp_path: Path
) -> None:
    """Most tests fork their `ost` from one that imported the project once (tests/launch.py). That is only the same
    as starting it if nothing is read at import: the chain, the manifest and the folder here come from the
    environment and the working folder the fork is given, none of which the forkserver had."""
    _, common = town
    env = {**os.environ, "OST_RPC_URL": common[1], "OST_MANIFEST": common[3]}
    started = subprocess.run(
        [OST, "members", "list"], capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path
    )
    forked = launch.run(["members", "list"], env=env, cwd=tmp_path, timeout=60)
    assert started.returncode == forked.returncode == 0, forked.stderr
    assert forked.stdout == started.stdout and "2 members" in forked.stdout
    assert forked.stderr == started.stderr


def test_a_country_code_that_names_no_country_is_refused_before_the_chain_is_asked(node: LocalChain) -> None:
    """Issue 27 #11: `ost network residents XX dev:12` said "signed by the Country Ambassador of XX (0x000…0)"."""
    said = one_sentence(*ost("network", "residents", "XX", "dev:12", "--rpc-url", node.rpc_url))
    assert "'XX' is not a country code" in said


@pytest.mark.parametrize("command", [("inf", "send"), ("up",), ("members", "add"), ("sale", "buy")])
def test_help_reads_like_the_readme(command: tuple[str, ...]) -> None:
    """Issue 27 #18: help showed `{to} {amount}`, `<bool>` and `<list[str]>`."""
    done = launch.run([*command, "--help"], timeout=60)
    assert done.returncode == 0, done.stderr
    assert "<bool>" not in done.stdout and "<str>" not in done.stdout and "list[" not in done.stdout
    assert "{" not in done.stdout.splitlines()[1], done.stdout  # the usage line
    if command == ("inf", "send"):
        assert "Usage: ost inf send [OPTIONS] TO AMOUNT" in done.stdout


def test_shares_are_sent_from_the_command_once_the_raise_has_succeeded(
    client: ChainClient, node: LocalChain, tmp_path: Path
) -> None:
    """Issue 28's walk-through for a new member action, done for "send shares": no channel offered it. The command
    sends them (signed by the holder; --gasless relays them as every action), and says why not, before anything is
    sent: the sale not settled, too many, to oneself, a count that is no whole number."""
    (tmp_path / "plan.yaml").write_text(PLAN.replace("Input Town", "Shares Town"))
    plan, digest = load_plan(tmp_path / "plan.yaml")
    manifest = deploy_plan(client, plan, tmp_path / "town.json", {a.address: a for a in DEV}, digest)
    town = Town.load(client, manifest.path)
    where = ["--rpc-url", node.rpc_url, "--manifest", str(manifest.path)]
    town.buy(DEV[10], "BAKE", 2)  # sold out: the raise has succeeded
    early = one_sentence(*ost("sale", "send-shares", "BAKE", "dev:11", "1", "--account", "dev:10", *where))
    assert (
        "can be sent once its raise has succeeded and the sale is settled; the sale succeeded and is not settled"
        in (early)
    ), early  # said before anything is sent, not the token's refusal
    town.finalize(DEV[10], "BAKE")
    code, said = ost("sale", "send-shares", "BAKE", "dev:11", "1", "--account", "dev:10", *where)
    assert code == 0 and f"sent 1 share of BAKE to {DEV[11].address}" in said, said
    token = client.at("ShareToken", town.sale_status("BAKE").token)
    assert [token.functions.balanceOf(a.address).call() for a in (DEV[10], DEV[11])] == [1, 1]
    more = one_sentence(*ost("sale", "send-shares", "BAKE", "dev:11", "5", "--account", "dev:10", *where))
    assert "holds 1 share of BAKE, less than the 5 to send" in more, more
    to_self = one_sentence(*ost("sale", "send-shares", "BAKE", "dev:10", "1", "--account", "dev:10", *where))
    assert "cannot receive these shares" in to_self, to_self
    for typed in ("²", "٣", "1" * 40):  # digits Python would read, but no one types as a number of shares
        said = one_sentence(*ost("sale", "send-shares", "BAKE", "dev:11", typed, "--account", "dev:10", *where))
        assert "is not a whole number" in said, said
    assert [token.functions.balanceOf(a.address).call() for a in (DEV[10], DEV[11])] == [1, 1]  # nothing sent


def test_every_town_command_checks_its_own_input_before_it_reaches_for_the_chain() -> None:
    """A mistyped amount is said as a mistyped amount, even with no chain at the address given: before, `ost redeem`
    opened the town first, and a member was told the chain was unreachable instead of what to correct."""
    nowhere = ["--rpc-url", "http://127.0.0.1:9"]
    for args, wrong in (
        (["redeem", "1.2.3", "--basket", "flour", "--id", "b-1", *nowhere], "INF amount"),
        (["sale", "buy", "BAKE", "two", *nowhere], "shares"),
        (["coordinators", "add", "dev:6", "--cap", "1e40", *nowhere], "daily cap"),
    ):
        said = one_sentence(*ost(*args))
        assert wrong in said and "Cannot reach" not in said, said


def test_a_town_command_takes_the_shared_options_after_its_own_in_one_order() -> None:
    """Every command on a deployed town is given its shared options by one declaration (`ost_chain/cli/context.py`):
    the same names, help and environment variables everywhere, after the command's own. A command that declares
    `--rpc-url` and `--manifest` itself is one of those below, each for its reason."""
    from typer.main import get_command

    from ost_chain.cli.root import app

    apart = {  # not commands on a deployed town
        "deploy",  # writes a manifest
        "api keys create",  # the bridge's database, and the town's settings
        "api keys list",
        "api keys revoke",
        "api db current",
        "api db upgrade",
        "api sms list",
        "api index rebuild",
    }
    shared = ["--rpc-url", "--manifest", "--account", "--gasless", "--bridge", "--json"]
    declared, by_hand = 0, set()
    groups = [("", get_command(app))]
    while groups:
        path, group = groups.pop()
        for name, command in group.commands.items():  # type: ignore[attr-defined]
            if hasattr(command, "commands"):
                groups.append((f"{path}{name} ", command))
                continue
            names = [opt for p in command.params for opt in p.opts if opt.startswith("--")]
            taken = [n for n in names if n in shared]
            if getattr(command.callback, "shared_options", None) is None:
                if "--rpc-url" in names and "--manifest" in names:
                    by_hand.add(f"{path}{name}")
                continue
            declared += 1
            assert taken == [n for n in shared if n in taken], (name, taken)
            assert names[-len(taken) :] == taken, (name, names)
    assert by_hand <= apart, by_hand - apart
    assert declared >= 33

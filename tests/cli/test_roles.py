"""Every role's command through the CLI runner on a real anvil: members, residents, rewards,
redemptions, sales in each phase, refunds, profits; JSON shapes; refusals as sentences."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ost_chain.chain import LocalChain, dev_accounts
from ost_chain.cli import app
from ost_chain.client import ChainClient
from ost_chain.deploy import deploy_plan
from ost_chain.exceptions import ConfigError, ContractRevert
from ost_chain.plan import load_plan
from ost_chain.townclient import NotAllowed, Town
from tests.helpers import advance_time

DAY = 86_400
PLAN = """
town: Role Town
country: ZA
coordinators: [dev:3]
members: [dev:10, dev:11, dev:12]
country_residents: [dev:14]
projects: [{{id: 1, name: River}}]
defaults: {{shares: 100, minimum: 50, price: 0.001, local_days: 1, country_days: 1, world_days: 1}}
businesses:
  - {{name: Bakery, symbol: BAKE}}
  - {{name: Laundry, symbol: WASH, minimum: 90}}
  - {{name: Shop, symbol: SHOP, asset: "{coin}", asset_decimals: 6, price: 2}}
"""
runner = CliRunner()
DEV = dev_accounts()
AMBASSADOR, COORDINATOR, MEMBER, MEMBER2, RESIDENT, STRANGER = DEV[2], DEV[3], DEV[10], DEV[11], DEV[14], DEV[19]


@pytest.fixture(scope="module")
def deployed(client: ChainClient, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A small town from a plan, with a 6-decimal stablecoin business; the manifest and the coin."""
    folder = tmp_path_factory.mktemp("roles")
    coin, _ = client.deploy("TestStablecoin", sender=DEV[0])
    for holder in (MEMBER, MEMBER2):
        client.transact(coin.functions.mint(holder.address, 1_000 * 10**6), DEV[0])
    plan_path = folder / "plan.yaml"
    plan_path.write_text(PLAN.format(coin=coin.address))
    plan, digest = load_plan(plan_path)
    manifest = deploy_plan(client, plan, folder / "town.json", {a.address: a for a in DEV}, digest)
    yield manifest.path, coin.address


@pytest.fixture
def ost(client: ChainClient, node: LocalChain, deployed: tuple[Path, str]) -> Any:
    """Run `ost ARGS --rpc-url … --manifest … --json` and return the parsed output (raising what the app raised)."""

    def run(*args: str) -> Any:
        result = runner.invoke(app, [*args, "--rpc-url", node.rpc_url, "--manifest", str(deployed[0]), "--json"])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    return run


def town_of(client: ChainClient, deployed: tuple[Path, str]) -> Town:
    return Town.load(client, deployed[0])


def test_members_add_list_show_and_remove(ost: Any) -> None:
    added = ost("members", "add", DEV[15].address, DEV[16].address, MEMBER.address)
    assert added["added"] == [DEV[15].address, DEV[16].address] and added["skipped"] == 1
    assert added["memberCount"] == 5 and added["receipt"]["tx"].startswith("0x")
    listed = ost("members", "list")
    assert [m["address"] for m in listed["members"]] == [
        MEMBER.address,
        MEMBER2.address,
        DEV[12].address,
        DEV[15].address,
        DEV[16].address,
    ]
    removed = ost("members", "remove", DEV[15].address)
    assert removed["memberCount"] == 4
    assert DEV[15].address not in [m["address"] for m in ost("members", "list")["members"]]
    view = ost("members", "show", DEV[15].address)
    assert view["member"] is False and view["pastPeriods"] == 1 and view["tier"] == "world"
    with pytest.raises(ContractRevert, match="TownRegistryNotMember"):
        ost("members", "remove", DEV[15].address)
    with pytest.raises(ConfigError, match="not an address"):
        ost("members", "add", "0x1234")


def test_a_role_command_signed_by_the_wrong_account_is_refused_by_rule(ost: Any) -> None:
    with pytest.raises(
        ContractRevert,
        match=r"AccessControlUnauthorizedAccount: .* does not hold the Town Ambassador's role \(TOWN_AMBASSADOR_ROLE\)",
    ):
        ost("members", "add", DEV[17].address, "--account", "dev:5")


def test_residents_set_and_unset(ost: Any) -> None:
    assert ost("residents", "set", DEV[17].address)["changed"] == 1
    assert ost("members", "show", DEV[17].address)["tier"] == "country"
    assert ost("residents", "set", DEV[17].address)["changed"] == 0  # already a resident: nothing sent
    assert ost("residents", "set", DEV[17].address, "--unset")["changed"] == 1
    assert ost("members", "show", DEV[17].address)["tier"] == "world"


def test_reward_once_per_id_and_redeem(ost: Any) -> None:
    rewarded = ost("reward", MEMBER.address, "--minutes", "360", "--project", "1", "--id", "river/2026-11-25/1")
    assert rewarded["minted"] == str(2 * 10**18)
    with pytest.raises(NotAllowed, match="Participation 'river/2026-11-25/1' was already rewarded"):  # as typed
        ost("reward", MEMBER.address, "--minutes", "360", "--project", "1", "--id", "river/2026-11-25/1")
    with pytest.raises(ContractRevert, match=f"InfinityTokenNotMember: .*{STRANGER.address}"):
        ost("reward", STRANGER.address, "--minutes", "180", "--project", "1", "--id", "river/2026-11-25/2")
    redeemed = ost("redeem", "1.5", "--basket", "maize, beans, oil", "--id", "basket/1", "--account", "dev:10")
    assert redeemed["redeemed"] == str(15 * 10**17) and redeemed["balance"] == str(5 * 10**17)
    with pytest.raises(NotAllowed, match="Redemption 'basket/1' .* was recorded already"):  # the id as typed
        ost("redeem", "0.1", "--basket", "bread", "--id", "basket/1", "--account", "dev:10")
    with pytest.raises(ConfigError, match="at most 18 decimal places"):
        ost("redeem", "0.0000000000000000001", "--basket", "x", "--id", "basket/2", "--account", "dev:10")


def test_a_sale_that_fills_locally_then_finalizes(ost: Any, client: ChainClient) -> None:
    status = ost("sale", "status", "BAKE", "--address", STRANGER.address)
    assert status["phase"] == "local" and status["sold"] == 0 and status["offered"] == 100
    assert status["eligibility"]["eligible"] is False and "not a member" in status["eligibility"]["sentence"]
    bought = ost("sale", "buy", "BAKE", "60", "--account", "dev:10")
    assert bought["cost"] == str(60 * 10**15) and bought["sold"] == 60 and bought["phase"] == "local"
    ost("sale", "buy", "0", "40", "--account", "dev:11")
    assert ost("sale", "status", "0")["phase"] == "succeeded"
    finalized = ost("sale", "finalize", "BAKE")
    assert finalized["succeeded"] is True
    view = ost("members", "show", MEMBER.address)
    assert view["shares"] == [{"businessId": 0, "symbol": "BAKE", "shares": 60, "phase": "succeeded"}]
    with pytest.raises(ContractRevert, match="ShareSaleAlreadyFinalized"):
        ost("sale", "finalize", "BAKE")


def test_a_world_buyer_is_told_why_until_the_world_phase(ost: Any, client: ChainClient) -> None:
    with pytest.raises(NotAllowed, match="only the town's members may buy in the local phase"):
        ost("sale", "buy", "WASH", "10", "--account", "dev:19")
    assert ost("sale", "advance", "WASH")["phase"] == "country"
    ost("sale", "buy", "WASH", "10", "--account", "dev:14")  # a country resident, in the country phase
    with pytest.raises(NotAllowed, match="this address's tier may not buy yet"):
        ost("sale", "buy", "WASH", "10", "--account", "dev:19")
    assert ost("sale", "advance", "WASH")["phase"] == "world"
    ost("sale", "buy", "WASH", "10", "--account", "dev:19")
    assert ost("sale", "status", "WASH")["sold"] == 20


def test_a_failed_sale_refunds_in_a_stablecoin(ost: Any, client: ChainClient, deployed: tuple[Path, str]) -> None:
    coin = town_of(client, deployed).erc20(deployed[1])
    before = coin.functions.balanceOf(MEMBER.address).call()
    bought = ost("sale", "buy", "SHOP", "5", "--account", "dev:10")  # approves, then buys
    assert bought["cost"] == str(10 * 10**6) and coin.functions.balanceOf(MEMBER.address).call() == before - 10 * 10**6
    advance_time(client, 3 * DAY + 1)
    assert ost("sale", "status", "SHOP")["phase"] == "failed"
    assert ost("members", "show", MEMBER.address)["refundsDue"] == [
        {"businessId": 2, "asset": deployed[1], "amount": str(10 * 10**6)}
    ]
    assert ost("sale", "finalize", "SHOP")["succeeded"] is False
    assert ost("sale", "refund", "SHOP", "--account", "dev:10")["refunded"] == str(10 * 10**6)
    assert coin.functions.balanceOf(MEMBER.address).call() == before
    with pytest.raises(ContractRevert, match="ShareSaleNothingToRefund"):
        ost("sale", "refund", "SHOP", "--account", "dev:10")


def test_amounts_and_times_are_said_in_people_s_units(
    ost: Any, client: ChainClient, node: LocalChain, deployed: tuple[Path, str]
) -> None:
    """Whole units with the asset's symbol, dates instead of unix times, a decimal comma understood (issue 20 #7)."""

    def say(*args: str) -> str:
        result = runner.invoke(app, [*args, "--rpc-url", node.rpc_url, "--manifest", str(deployed[0])])
        return result.stdout + str(result.exception or "")

    ost("reward", MEMBER.address, "--minutes", "120", "--project", "1", "--id", "units/1", "--account", "dev:3")
    shown = say("members", "show", MEMBER.address)
    assert "0.6667 INF" in shown and "0.666666" not in shown, shown
    said = say("redeem", "100", "--basket", "maize", "--id", "units/2", "--account", "dev:10")
    assert "holds 0.6667 INF, less than the 100 INF to exchange for a basket" in said, said
    assert "0,5 INF" not in say("redeem", "0,5", "--basket", "maize", "--id", "units/3", "--account", "dev:10")
    assert (
        town_of(client, deployed).infinity.functions.balanceOf(MEMBER.address).call() == 10**18 * 2 // 3 - 10**18 // 2
    )
    assert "decimal point" in say("redeem", "1,000", "--basket", "maize", "--id", "units/4", "--account", "dev:10")
    assert (
        "on " in (eligible := say("sale", "status", "WASH", "--address", STRANGER.address)) and "unix" not in eligible
    )
    assert "whole number of at least 1: write it as e.g. 1000" in say(
        "sale", "buy", "BAKE", "1,000", "--account", "dev:10"
    )
    ost("sale", "buy", "SHOP", "5", "--account", "dev:10")
    advance_time(client, 3 * DAY + 1)
    refunded = say("sale", "refund", "SHOP", "--account", "dev:10")
    assert f"Refunded 10 tZAR to {MEMBER.address}." in refunded, refunded


def test_profit_deposit_show_and_claim(ost: Any, client: ChainClient, deployed: tuple[Path, str]) -> None:
    with pytest.raises(NotAllowed, match="Only business #0's treasury"):
        ost("profit", "deposit", "BAKE", "0.3", "--account", "dev:8")
    deposited = ost("profit", "deposit", "BAKE", "0.3")  # the treasury (the Town Ambassador) signs by default
    assert deposited["amount"] == str(3 * 10**17) and deposited["pool"]["perMemberTotal"] == str(
        10**17
    )  # three members
    shown = ost("profit", "show", MEMBER.address)
    assert shown["claimable"] == str(10**17) and shown["claimed"] == "0" and shown["members"] == 3
    balance = client.balance(MEMBER.address)
    claimed = ost("profit", "claim", "--account", "dev:10")
    assert [(p["amount"], p["businessId"]) for p in claimed["paid"]] == [(str(10**17), None)]
    assert ost("profit", "show", MEMBER.address)["claimable"] == "0"
    assert client.balance(MEMBER.address) > balance
    with pytest.raises(NotAllowed, match="Nothing to claim"):
        ost("profit", "claim", "--account", "dev:10")
    with pytest.raises(ConfigError, match="No business with the symbol"):
        ost("profit", "deposit", "NOPE", "1", "--account", "dev:8")


def test_investor_profit_is_shown_and_claimed_with_the_member_share(
    ost: Any, client: ChainClient, node: LocalChain, deployed: tuple[Path, str]
) -> None:
    """A 20% investor part: a deposit of 0.3 books 0.06 for the only shareholder and 0.08 for each of three members;
    `profit show`, `members show` and `GET /v1/members` show both parts and `profit claim` pays both (issue 20 #2)."""
    town = town_of(client, deployed)
    ost("sale", "buy", "BAKE", "100", "--account", "dev:10")  # sold out
    ost("sale", "finalize", "BAKE")
    client.transact(town.distributor.functions.setInvestorShare(0, 2_000), AMBASSADOR)
    ost("profit", "deposit", "BAKE", "0.3")
    investor = {"asset": "0x" + "00" * 20, "amount": str(6 * 10**16), "businessId": 0, "symbol": "BAKE"}
    assert ost("profit", "show", MEMBER.address)["owed"] == [
        {"asset": "0x" + "00" * 20, "amount": str(8 * 10**16), "businessId": None, "symbol": None},
        investor,
    ]
    assert ost("members", "show", MEMBER.address)["claimableAsInvestor"] == [investor]
    client.transact(town.distributor.functions.setInvestorShare(0, 0), AMBASSADOR)  # no investor part from now on...
    assert ost("members", "show", MEMBER.address)["claimableAsInvestor"] == [investor]  # ...what was booked stays
    words = runner.invoke(
        app, ["members", "show", MEMBER.address, "--rpc-url", node.rpc_url, "--manifest", str(deployed[0])]
    )
    assert "0.06 ETH as an investor in #0 BAKE" in words.stdout and "0.08 ETH" in words.stdout, words.stdout
    paid = runner.invoke(
        app, ["profit", "claim", "--account", "dev:10", "--rpc-url", node.rpc_url, "--manifest", str(deployed[0])]
    )
    assert paid.exit_code == 0, paid.output
    assert "0.08 ETH (member share); 0.06 ETH as an investor in #0 BAKE" in paid.stdout, paid.stdout
    assert town.distributor.functions.claimableAsInvestor(0, MEMBER.address, "0x" + "00" * 20).call() == 0
    assert ost("members", "show", MEMBER.address)["claimableAsInvestor"] == []


def test_member_actions_need_an_account(ost: Any) -> None:
    with pytest.raises(ConfigError, match="signed by the buyer: pass --account"):
        ost("sale", "buy", "BAKE", "1")
    with pytest.raises(ConfigError, match="dev:0 to dev:19"):
        ost("profit", "claim", "--account", "dev:99")


def test_town_show_and_status_tables(client: ChainClient, node: LocalChain, deployed: tuple[Path, str]) -> None:
    shown = runner.invoke(app, ["town", "show", "--rpc-url", node.rpc_url, "--manifest", str(deployed[0])])
    assert shown.exit_code == 0 and "Role Town" in shown.stdout and "BAKE" in shown.stdout
    assert "#1 1 INF per 180-minute shift" in shown.stdout  # the number `ost reward --project` takes
    projects = json.loads(
        runner.invoke(app, ["town", "show", "--rpc-url", node.rpc_url, "--manifest", str(deployed[0]), "--json"]).stdout
    )["projects"]
    assert projects == [{"projectId": 1, "infPerShift": str(10**18), "shiftMinutes": 180, "active": True}]
    status = runner.invoke(
        app,
        ["sale", "status", "--rpc-url", node.rpc_url, "--manifest", str(deployed[0]), "--address", STRANGER.address],
    )
    assert status.exit_code == 0 and "SHOP" in status.stdout and "not a member" in status.stdout


def test_the_installed_command_prints_a_refusal_as_one_sentence(node: LocalChain, deployed: tuple[Path, str]) -> None:
    ost_bin = str(Path(sys.executable).with_name("ost"))
    result = subprocess.run(
        [
            ost_bin,
            "reward",
            STRANGER.address,
            "--minutes",
            "180",
            "--project",
            "1",
            "--id",
            "x",
            "--rpc-url",
            node.rpc_url,
            "--manifest",
            str(deployed[0]),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "is not a member of the town, so it cannot be rewarded" in result.stderr
    assert "InfinityTokenNotMember" not in result.stderr  # the contract's name for it is for developers...
    assert "Traceback" not in result.stderr + result.stdout and result.stderr.count("\n") <= 3
    scripted = subprocess.run([*result.args, "--json"], capture_output=True, text=True, timeout=60, check=False)
    assert json.loads(scripted.stdout)["revert"] == "InfinityTokenNotMember"  # ...and scripts, which get it


def test_no_manifest_or_no_chain_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with LocalChain() as chain:
        result = runner.invoke(app, ["members", "list", "--rpc-url", chain.rpc_url])
        assert isinstance(result.exception, ConfigError) and "No town is deployed on chain" in str(result.exception)
    result = runner.invoke(app, ["members", "list", "--rpc-url", chain.rpc_url])
    assert "Cannot reach a chain at" in str(result.exception) and "ost up" in str(result.exception)


def test_members_recover_in_two_steps_moves_a_member_and_refuses_the_old_address(ost: Any) -> None:
    lost, new = MEMBER2.address, DEV[16].address
    ost("reward", lost, "--minutes", "180", "--project", "1", "--id", "recover/1")
    ost("sale", "buy", "BAKE", "7", "--account", "dev:11")
    proposed = ost("members", "recover", lost, new)
    assert proposed["status"] == "proposed" and proposed["replacement"] == new
    assert proposed["proposer"] == DEV[2].address  # the Town Ambassador, by default on the dev chain
    done = ost("members", "recover", lost, new, "--confirm")
    assert done["status"] == "confirmed" and done["moved"] == {"infinity": str(10**18), "shares": {"BAKE": 7}}
    view = ost("members", "show", new)
    assert view["member"] is True and view["infinity"] == str(10**18) and view["shares"][0]["shares"] == 7
    assert ost("members", "show", lost)["shares"] == []
    listed = [m["address"] for m in ost("members", "list")["members"]]
    assert new in listed and lost not in listed and len(listed) == 3
    with pytest.raises(ContractRevert, match="TownRegistryRecoveredAccount"):
        ost("members", "add", lost)
    assert ost("members", "show", lost)["tier"] == "recovered" and ost("members", "show", lost)["recoveredTo"] == new
    with pytest.raises(NotAllowed, match="lost its wallet and was moved to"):
        ost("sale", "buy", "BAKE", "1", "--account", "dev:11")


def test_the_commands_each_role_was_missing(ost: Any, client: ChainClient, deployed: tuple[Path, str]) -> None:
    """Coordinators appointed, listed and revoked; ambassadors appointed and revoked; residents listed; INF sent to
    another member and paused; held profit shared out (issue 20 #10)."""
    town = town_of(client, deployed)
    assert [c["address"] for c in ost("coordinators", "list")] == [COORDINATOR.address, AMBASSADOR.address]
    added = ost("coordinators", "add", "dev:5", "--cap", "250")
    assert added["dailyCap"] == str(250 * 10**18) and town.has_role("COORDINATOR_ROLE", DEV[5].address)
    assert DEV[5].address in [c["address"] for c in ost("coordinators", "list")]
    ost("coordinators", "remove", "dev:5")
    assert not town.has_role("COORDINATOR_ROLE", DEV[5].address)
    assert ost("residents", "list") == [RESIDENT.address]
    ost("residents", "set", "dev:15")
    assert ost("residents", "list") == [RESIDENT.address, DEV[15].address]
    ost("ambassadors", "appoint", "country", "dev:6")
    assert town.has_role("COUNTRY_AMBASSADOR_ROLE", DEV[6].address)
    ost("ambassadors", "revoke", "country", "dev:6")
    assert not town.has_role("COUNTRY_AMBASSADOR_ROLE", DEV[6].address)
    ost("reward", MEMBER.address, "--minutes", "360", "--project", "1", "--id", "send/1", "--account", "dev:3")
    typo = MEMBER2.address.lower()[:-1] + "0"  # one digit wrong, in lower case: no checksum to catch it
    with pytest.raises(NotAllowed, match="is not a member of Role Town: check the address"):
        ost("inf", "send", typo, "0.1", "--account", "dev:10")
    again = ost("coordinators", "add", COORDINATOR.address)  # no --cap: the cap is never changed by omission
    assert again["receipts"] == [] and again["dailyCap"] == str(1_000 * 10**18)
    sent = ost("inf", "send", MEMBER2.address, "1,5", "--account", "dev:10")
    assert sent["amount"] == str(15 * 10**17) and sent["balance"] == str(5 * 10**17)
    with pytest.raises(NotAllowed, match="holds 0.5 INF, less than the 2 INF to send"):
        ost("inf", "send", MEMBER2.address, "2", "--account", "dev:10")
    ost("inf", "pause")
    with pytest.raises(ContractRevert, match="paused"):
        ost("inf", "send", MEMBER2.address, "0.1", "--account", "dev:10")
    ost("inf", "pause", "--resume")
    ost("inf", "send", MEMBER2.address, "0.1", "--account", "dev:10")
    shared = ost("profit", "distribute-held")
    assert shared["shared"] == "0" and "pool" in shared


def test_a_business_by_name_a_suggestion_and_an_advance_that_would_fail_asks_first(
    ost: Any, client: ChainClient, deployed: tuple[Path, str]
) -> None:
    """A business found by its name too, a near miss suggested; `sale advance` that would close a sale below its
    minimum refuses without --yes, saying what it would do (issue 20 #10)."""
    assert ost("sale", "status", "laundry")["symbol"] == "WASH"
    with pytest.raises(ConfigError, match="Did you mean .*Laundry"):
        ost("sale", "status", "Laundr")
    ost("sale", "advance", "WASH")  # local → country
    ost("sale", "advance", "WASH")  # country → world
    with pytest.raises(NotAllowed, match="closes the sale with 0 of the 90 shares it needs sold: it will fail"):
        ost("sale", "advance", "WASH")
    assert ost("sale", "status", "WASH")["phase"] == "world"  # nothing was sent
    assert ost("sale", "advance", "WASH", "--yes")["phase"] == "failed"


def test_a_member_card_carries_a_qr_code_of_their_page_and_a_stranger_gets_none(ost: Any, tmp_path: Path) -> None:
    card = tmp_path / "card.html"
    made = ost("members", "card", MEMBER.address, "--page-url", "https://town.example/", "--out", str(card))
    assert made["link"] == f"https://town.example/m/{MEMBER.address}" and made["card"] == str(card)
    assert made["localOnly"] is False
    # Issue 27 #23: with no page named or published, the card's code opens this machine's bridge: said, not silent.
    local = ost("members", "card", MEMBER.address, "--out", str(tmp_path / "local.html"))
    assert local["localOnly"] is True and local["link"].startswith("http://127.0.0.1:8000/m/")
    text = card.read_text()
    assert "<svg" in text and made["link"] in text and "Role Town" in text
    with pytest.raises(ConfigError, match="is not a member of Role Town"):
        ost("members", "card", STRANGER.address, "--out", str(tmp_path / "no.html"))
    assert not (tmp_path / "no.html").exists()

"""The page for a member whose wallet holds no coin for gas (Debian's Chromium, driven by Playwright): it signs
instead of sending, the town's bridge relays, the page follows the request to its block and says how many free
actions are left today. The wallet is a development account on anvil whose coin was set to zero."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from ost_chain.chain import dev_accounts
from ost_chain.townclient import Reward
from tests.api.conftest import Bridge, Deployed, deploy_coin_town, serving
from tests.dashboard import wallet

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DEV = dev_accounts()
MEMBER, AMBASSADOR = DEV[10], DEV[2]
TZAR = 10**6


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Deployed, Any]]:
    d, coin = deploy_coin_town(tmp_path_factory.mktemp("gasless-page"))
    d.client.transact(coin.functions.mint(MEMBER.address, 100 * TZAR), DEV[0])
    d.client.w3.provider.make_request("anvil_setBalance", [MEMBER.address, "0x0"])  # type: ignore[arg-type]
    yield d, coin
    d.node.stop()


@pytest.fixture(scope="module")
def bridge(town: tuple[Deployed, Any]) -> Iterator[Bridge]:
    with serving(town[0]) as b:
        yield b


def open_page(bridge: Bridge, d: Deployed, browser: Any, account: str, refused: list[str]) -> Any:
    """The page with a test wallet for ``account``: everything else, signing included, goes to anvil. The page's
    own Content-Security-Policy holds (its import map allowed by its hash, ethers loaded from the bridge); what
    the browser refuses or fails to load goes into ``refused``."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.on("console", lambda m: refused.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: refused.append(str(e)))

    wallet.install(page, d.node.rpc_url, account, pays_fees=False)
    page.goto(bridge.url + "/")
    page.wait_for_selector("#businesses tbody tr >> nth=1", timeout=30_000)
    page.click("#connect")
    page.wait_for_selector("#me:not([hidden]):not([aria-busy])")
    return page


def send_from_page(page: Any, refused: Any, sent: Any) -> None:
    """Fill the page's send form with each of ``refused`` (what, to, amount, the refusal said) and of ``sent`` (…,
    the words said once done, the free actions left then)."""
    for what, to, amount, *said in (*refused, *sent):
        page.select_option("#send-what", what)
        page.fill("#send-to", to)
        page.fill("#send-amount", amount)
        page.click("#send button[type=submit]")
        page.wait_for_selector("#status.warn" if len(said) == 1 else "#status.ok", timeout=30_000)
        text = page.locator("#status").inner_text()
        assert said[0] in text, text
        if len(said) == 2:
            assert f"{said[1]} of today's 20 free actions left" in text, text
        page.click("#status-close")


def test_a_member_with_no_coin_buys_sends_and_claims_from_the_page(
    browser: Any, bridge: Bridge, town: tuple[Deployed, Any]
) -> None:
    d, coin = town
    refused: list[str] = []
    town_ = d.town
    town_.reward(DEV[3], Reward(MEMBER.address, 180, "gasless-page/send", 1))  # 1 INF to send
    page = open_page(bridge, d, browser, MEMBER.address, refused)
    page.wait_for_selector("#me-gasless:not([hidden])")
    assert "20 of today's 20 free actions left" in page.locator("#me-gasless").inner_text()

    page.select_option("#buy-business", "0")
    page.fill("#buy-shares", "5")
    page.click("#buy button[type=submit]")
    page.wait_for_selector("#status.ok", timeout=30_000)
    said = page.locator("#status").inner_text()
    assert "Buying 5 TAN: done in block" in said and "the town paid the fee" in said, said
    assert "19 of today's 20 free actions left" in said
    shares = town_.sale(0)[1]
    assert shares.functions.balanceOf(MEMBER.address).call() == 5
    assert coin.functions.balanceOf(MEMBER.address).call() == 75 * TZAR
    assert d.client.balance(MEMBER.address) == 0

    # Send INF from the page, the town paying the fee: each input checked before anything is signed. The shares
    # bought are offered once they may move (the raise succeeded and was settled), not before.
    page.wait_for_selector("#me-send:not([hidden])")
    assert page.locator("#send-what option[value='0']").is_disabled()
    friend = DEV[11].address
    refusals = (
        ("INF", friend[:-1], "0.5", "That is not an address"),
        ("INF", MEMBER.address, "0.5", "That is your own address"),
        ("INF", friend, "½", "as a number above zero"),
        ("INF", friend, "2", "You hold 1 INF"),
        ("INF", "0x" + "0" * 40, "0.5", "Nobody holds the zero address"),
        ("INF", town_.infinity.address, "0.5", "one of the town's contracts"),
        ("INF", shares.address, "0.5", "one of the town's contracts"),
        ("INF", friend, "1,000", "without separating thousands"),
        ("INF", friend, "0.05", "INF transfers of 0.1 INF or more"),  # the relay's least, before anything is signed
    )
    send_from_page(page, refusals, ())
    # Sent twice in a row (a double tap): the second is refused while the first is on its way, and one is sent.
    page.select_option("#send-what", "INF")
    page.fill("#send-to", friend)
    page.fill("#send-amount", "0,25")
    page.evaluate("() => { const form = document.getElementById('send'); form.requestSubmit(); form.requestSubmit(); }")
    page.wait_for_selector("#status.ok", timeout=30_000)
    said = page.locator("#status").inner_text()
    assert "Sending 0.25 INF to" in said and "18 of today's 20 free actions left" in said, said
    assert town_.infinity.functions.balanceOf(friend).call() == 25 * 10**16
    page.click("#status-close")

    for _ in range(3):  # the raise closes (5 of 5 needed: it succeeded) and the tannery shares its first profit
        town_.advance(AMBASSADOR, "TAN")
    town_.finalize(DEV[0], "TAN")
    town_.deposit(AMBASSADOR, "TAN", 10**16)
    page.reload()
    page.wait_for_selector("#businesses tbody tr >> nth=1", timeout=30_000)
    page.click("#connect")
    expect(page.locator("#me-claimable")).not_to_have_text("0 ETH", timeout=10_000)
    refusals = (("0", friend, "1.5", "whole number above zero"), ("0", friend, "6", "You hold 5 TAN"))
    send_from_page(page, refusals, [("0", friend.lower(), "2", "Sending 2 shares of Tannery to", 17)])
    assert shares.functions.balanceOf(friend).call() == 2
    claimable = town_.distributor.functions.claimable(MEMBER.address, "0x" + "00" * 20).call()
    assert claimable > 0
    page.click("#claim")
    page.wait_for_selector("#status.ok", timeout=30_000)
    said = page.locator("#status").inner_text()
    assert "Claiming" in said and "the town paid the fee" in said and "16 of today's 20" in said, said
    assert d.client.balance(MEMBER.address) == claimable  # the profit, whole: no fee taken from it
    # Profit in the town's stablecoin too: the totals say each coin in its own units, and the member's part is
    # claimable in tZAR with its own button; the page follows the chain without a reload.
    d.client.transact(coin.functions.mint(AMBASSADOR.address, 12 * TZAR), DEV[0])
    town_.deposit(AMBASSADOR, "TAN", 12 * TZAR, coin.address)
    expect(page.locator("#deposited")).to_contain_text("tZAR", timeout=15_000)
    deposited = page.locator("#deposited").inner_text()
    assert re.fullmatch(r"0\.01 ETH, \d+(\.\d+)? tZAR", deposited), deposited
    assert page.locator("#claimed").inner_text() == f"{claimable / 10**18:g} ETH, 0 tZAR"  # what this member took
    page.wait_for_selector("#me-claim-others button", timeout=15_000)
    in_coin = town_.distributor.functions.claimable(MEMBER.address, coin.address).call()
    assert page.locator("#me-claim-others button").inner_text() == f"Claim {in_coin / TZAR:g} tZAR"  # its units
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#status").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "dashboard-gasless-phone.png"))
    assert not refused, refused

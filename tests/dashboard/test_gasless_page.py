"""The page for a member whose wallet holds no coin for gas (Debian's Chromium, driven by Playwright): it signs
instead of sending, the town's bridge relays, the page follows the request to its block and says how many free
actions are left today. The wallet is a development account on anvil whose coin was set to zero."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ost_chain.chain import dev_accounts
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


def open_page(bridge: Bridge, d: Deployed, browser: Any, account: str) -> Any:
    """The page with a test wallet for ``account``: everything else, signing included, goes to anvil."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()

    wallet.install(page, d.node.rpc_url, account, pays_fees=False)
    page.goto(bridge.url + "/")
    page.wait_for_selector("#businesses tbody tr >> nth=1", timeout=30_000)
    page.click("#connect")
    page.wait_for_selector("#me:not([hidden]):not([aria-busy])")
    return page


def test_a_member_with_no_coin_buys_and_claims_from_the_page(
    browser: Any, bridge: Bridge, town: tuple[Deployed, Any]
) -> None:
    d, coin = town
    page = open_page(bridge, d, browser, MEMBER.address)
    page.wait_for_selector("#me-gasless:not([hidden])")
    assert "20 of today's 20 free actions left" in page.locator("#me-gasless").inner_text()

    page.select_option("#buy-business", "0")
    page.fill("#buy-shares", "5")
    page.click("#buy button[type=submit]")
    page.wait_for_selector("#status.ok", timeout=30_000)
    said = page.locator("#status").inner_text()
    assert "Buying 5 TAN: done in block" in said and "the town paid the fee" in said, said
    assert "19 of today's 20 free actions left" in said
    town_ = d.town
    assert town_.sale(0)[1].functions.balanceOf(MEMBER.address).call() == 5
    assert coin.functions.balanceOf(MEMBER.address).call() == 75 * TZAR
    assert d.client.balance(MEMBER.address) == 0

    for _ in range(3):  # the raise closes (5 of 5 needed: it succeeded) and the tannery shares its first profit
        town_.advance(AMBASSADOR, "TAN")
    town_.finalize(DEV[0], "TAN")
    town_.deposit(AMBASSADOR, "TAN", 10**16)
    page.reload()
    page.wait_for_selector("#businesses tbody tr >> nth=1", timeout=30_000)
    page.click("#connect")
    page.wait_for_function("document.getElementById('me-claimable').textContent !== '0 ETH'", timeout=10_000)
    claimable = town_.distributor.functions.claimable(MEMBER.address, "0x" + "00" * 20).call()
    assert claimable > 0
    page.click("#claim")
    page.wait_for_selector("#status.ok", timeout=30_000)
    said = page.locator("#status").inner_text()
    assert "Claiming" in said and "the town paid the fee" in said and "18 of today's 20" in said, said
    assert d.client.balance(MEMBER.address) == claimable  # the profit, whole: no fee taken from it
    # Profit in the town's stablecoin too: the totals say each coin in its own units, and the member's part is
    # claimable in tZAR with its own button; the page follows the chain without a reload.
    d.client.transact(coin.functions.mint(AMBASSADOR.address, 12 * TZAR), DEV[0])
    town_.deposit(AMBASSADOR, "TAN", 12 * TZAR, coin.address)
    page.wait_for_function("document.getElementById('deposited').textContent.includes('tZAR')", timeout=15_000)
    deposited = page.locator("#deposited").inner_text()
    assert re.fullmatch(r"0\.01 ETH, \d+(\.\d+)? tZAR", deposited), deposited
    assert page.locator("#claimed").inner_text() == f"{claimable / 10**18:g} ETH, 0 tZAR"  # what this member took
    page.wait_for_selector("#me-claim-others button", timeout=15_000)
    in_coin = town_.distributor.functions.claimable(MEMBER.address, coin.address).call()
    assert page.locator("#me-claim-others button").inner_text() == f"Claim {in_coin / TZAR:g} tZAR"  # its units
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#status").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "dashboard-gasless-phone.png"))

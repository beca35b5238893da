"""The /phone page (Debian's Chromium, driven by Playwright): a feature phone in the browser on the town's USSD menu,
as a Town Ambassador shows it to a town meeting: dial, set a PIN, check the balance, send INF to another member."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from api.db import PhoneAccount
from ost_chain.townclient import Reward
from tests import launch
from tests.api.conftest import COORDINATOR, Bridge, Deployed, deploy_town, serving, wait_until

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
THANDI, SIPHO = "+27821111111", "+27822222222"


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Deployed, Bridge]]:
    d = deploy_town(tmp_path_factory.mktemp("phone-page"))
    database = f"sqlite:///{d.folder / 'queue.sqlite'}"
    with serving(d, database) as bridge:
        for number, name in ((THANDI, "Thandi"), (SIPHO, "Sipho")):  # as the Town Ambassador: an order to the bridge
            where = ["--manifest", str(d.manifest), "--rpc-url", d.node.rpc_url, "--bridge", bridge.url]
            added = launch.run(["members", "add", "--phone", number, "--name", name, *where], timeout=120)
            assert added.returncode == 0, added.stderr
        yield d, bridge
    d.node.stop()


def test_dial_check_the_balance_and_send_from_the_phone_page(browser: Any, town: tuple[Deployed, Bridge]) -> None:
    d, bridge = town
    with bridge.session() as session:
        where = {p.phone: p.address for p in session.scalars(select(PhoneAccount))}
    d.town.reward(COORDINATOR, Reward(where[THANDI], 360, "phone-page-shift", 1))
    page = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True).new_page()  # for the waits
    page.goto(bridge.url + "/phone")
    screen = page.locator("#screen")

    def answer(*keys: str) -> str:
        for key in keys:
            page.fill("#answer", key)
            before = screen.inner_text()
            page.click("#send")
            page.wait_for_function("(b) => document.getElementById('screen').textContent !== b", arg=before)
        return str(screen.inner_text())

    page.fill("#number", THANDI)
    page.click("#call")
    page.wait_for_function("document.getElementById('screen').textContent.includes('English')")
    assert "Your PIN is set" in answer("1", "2468", "2468")
    page.click("#call")
    page.wait_for_function("document.getElementById('screen').textContent.includes('1 Balance')")
    assert answer("1", "2468").startswith("Balance: 2 INF")
    page.click("#call")
    page.wait_for_function("document.getElementById('screen').textContent.includes('1 Balance')")
    assert answer("2", "0822222222", "1").startswith("Send 1 INF to Sipho")
    assert answer("2468").startswith("Sending 1 INF to Sipho")
    wait_until(lambda: d.town.infinity.functions.balanceOf(where[SIPHO]).call() == 10**18)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "phone-page.png"))
    assert d.client.balance(where[THANDI]) == 0


def test_the_phone_page_speaks_the_readers_language_right_to_left_in_arabic(
    browser: Any, town: tuple[Deployed, Bridge]
) -> None:
    """Issue 27 #22: the /phone page stayed English in an Arabic browser."""
    _, bridge = town
    page = browser.new_context(locale="ar", viewport={"width": 390, "height": 844}, bypass_csp=True).new_page()
    page.goto(bridge.url + "/phone")
    page.wait_for_function("document.documentElement.lang === 'ar'")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.inner_text("h1") == "قائمة هاتف البلدة"
    assert page.inner_text("#screen") == "اطلب للبدء."
    assert page.get_attribute("#number", "dir") == "ltr"  # a phone number reads left to right in any language

"""The town dashboard in a real browser (Debian's Chromium, driven by Playwright): the sample town
with a sale in each phase, and a member, a world buyer and a claimant acting through an injected
EIP-1193 wallet backed by development accounts on anvil. Screenshots go to test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from ost_chain.chain import dev_accounts
from ost_chain.deploy import deploy_plan
from ost_chain.enums import Phase
from ost_chain.plan import load_plan
from ost_chain.terms import SaleTerms
from ost_chain.townclient import Reward, Town
from tests.api.conftest import Bridge, Deployed, deploy_town
from tests.dashboard import wallet

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
DEV = dev_accounts()
AMBASSADOR, MEMBER, OTHER_MEMBER, WORLD = DEV[2], DEV[10], DEV[11], DEV[7]
PHASES = {
    0: Phase.LOCAL.label,
    2: Phase.SUCCEEDED.label,
    3: Phase.COUNTRY.label,
    4: Phase.WORLD.label,
    5: Phase.FAILED.label,
}


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    """The sample town, with sales driven into each phase and profit deposited."""
    d = deploy_town(tmp_path_factory.mktemp("dashboard"), ROOT / "examples" / "town.yaml")
    t = d.town
    t.buy(MEMBER, 2, 1_000)  # sells out in the local phase
    t.advance(AMBASSADOR, 3)  # to the country phase
    for _ in range(2):
        t.advance(AMBASSADOR, 4)  # to the world phase
    t.buy(OTHER_MEMBER, 5, 10)
    for _ in range(3):
        t.advance(AMBASSADOR, 5)  # through every phase, short of its minimum: failed
    t.deposit(AMBASSADOR, 2, 9 * 10**17)  # 0.9 ETH of profit for 60 members
    yield d
    d.node.stop()


@pytest.fixture(scope="module")
def bridge(town: Deployed) -> Iterator[Bridge]:
    """The town's bridge, giving wallets the chain's public address (here the local node's: no key in it)."""
    public = {"OST_BRIDGE__PUBLIC_RPC_URL": town.node.rpc_url, "OST_BRIDGE__CHAIN_NAME": "OST development chain"}
    b = Bridge(town, f"sqlite:///{town.folder / 'queue.sqlite'}", env=public).start()
    try:
        yield b
    finally:
        b.stop()


def open_page(
    browser: Any, bridge: Bridge, town: Deployed, account: str | None, *, phone: bool = False, policy: bool = False
) -> Any:
    """A page whose `window.ethereum` is a test wallet: accounts from the test, everything else to anvil
    (whose development accounts are unlocked, so `eth_sendTransaction` signs there). The page's
    Content-Security-Policy is enforced with ``policy``; otherwise set aside for Playwright's own waiting
    scripts, which it would refuse."""
    viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(viewport=viewport, device_scale_factor=1, bypass_csp=not policy)
    page = context.new_page()

    wallet.install(page, town.node.rpc_url, account)
    page.goto(bridge.url + "/")
    page.wait_for_selector("#businesses tbody tr >> nth=99", state="attached", timeout=30_000)  # 5 pages of 20
    return page


def shot(page: Any, name: str, focus: str | None = None) -> None:
    """What the screen shows (scrolled to ``focus``), saved as a test artifact."""
    ARTIFACTS.mkdir(exist_ok=True)
    if focus:
        page.locator(focus).scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"dashboard-{name}.png"))


def row(page: Any, business: int) -> Any:
    return page.locator(f'#businesses tbody tr[data-business="{business}"]')


def test_the_overview_shows_every_business_and_a_sale_in_each_phase(
    browser: Any, bridge: Bridge, town: Deployed
) -> None:
    page = open_page(browser, bridge, town, None)
    assert page.locator("#businesses tbody tr").count() == 100
    assert page.locator("#town-name").inner_text() == "Prince Albert"
    assert page.locator("#members").inner_text() == "60"
    for business, phase in PHASES.items():
        assert row(page, business).locator(".phase").inner_text().lower() == phase
    sold_out = row(page, 2).locator('[role="progressbar"]')
    assert sold_out.get_attribute("aria-valuenow") == "1000" and sold_out.get_attribute("aria-valuemax") == "1000"
    assert row(page, 5).locator('[role="progressbar"]').get_attribute("aria-valuenow") == "10"
    assert "the town's members" in row(page, 0).inner_text() and "anyone" in row(page, 4).inner_text()
    assert "Settle" in row(page, 2).inner_text()  # closed, not yet settled: anyone may settle it
    assert page.locator("#deposited").inner_text() == "0.9 ETH"
    shot(page, "overview-desktop")
    phone = open_page(browser, bridge, town, None, phone=True)
    shot(phone, "overview-phone")


def test_a_member_buys_in_the_local_phase_and_sees_the_new_balance(
    browser: Any, bridge: Bridge, town: Deployed
) -> None:
    page = open_page(browser, bridge, town, MEMBER.address)
    page.click("#connect")
    page.wait_for_selector("#me:not([hidden]):not([aria-busy])")
    page.select_option("#buy-business", "0")
    page.fill("#buy-shares", "25")
    page.click("#buy button[type=submit]")
    page.wait_for_selector("#status.ok", timeout=30_000)
    assert "Buying 25 BKER: done" in page.locator("#status").inner_text()
    page.wait_for_selector('#me-shares li[data-symbol="BKER"]', timeout=10_000)
    held = page.locator('#me-shares li[data-symbol="BKER"]').inner_text()
    assert held.startswith("25 shares of Kerk Bakery (BKER), worth 0.25 ETH"), held
    assert Town.load(town.client, town.manifest).sale(0)[1].functions.balanceOf(MEMBER.address).call() == 25
    shot(page, "member-desktop", "#me")
    phone = open_page(browser, bridge, town, MEMBER.address, phone=True)
    phone.click("#connect")
    phone.wait_for_selector("#me:not([hidden]):not([aria-busy])")
    shot(phone, "member-phone", "#me")


def test_a_world_address_is_told_why_it_cannot_buy_in_the_local_phase(
    browser: Any, bridge: Bridge, town: Deployed
) -> None:
    before = town.client.w3.eth.get_transaction_count(WORLD.address)
    page = open_page(browser, bridge, town, WORLD.address)
    page.click("#connect")
    page.wait_for_selector("#me:not([hidden]):not([aria-busy])")
    page.select_option("#buy-business", "0")
    page.click("#buy button[type=submit]")
    page.wait_for_selector("#status.warn")
    message = page.locator("#status").inner_text()
    assert "You cannot buy BKER now" in message and "only the town's members may buy in the local phase" in message
    assert town.client.w3.eth.get_transaction_count(WORLD.address) == before  # nothing was sent


def test_a_claim_pays_out_and_the_claimable_amount_drops_to_zero(browser: Any, bridge: Bridge, town: Deployed) -> None:
    page = open_page(browser, bridge, town, OTHER_MEMBER.address)
    page.click("#connect")
    page.wait_for_selector("#me:not([hidden]):not([aria-busy])")
    assert page.locator("#me-claimable").inner_text() == "0.015 ETH"  # 0.9 ETH among 60 members
    balance = town.client.balance(OTHER_MEMBER.address)
    page.click("#claim")
    page.wait_for_selector("#status.ok", timeout=30_000)
    page.wait_for_function("document.getElementById('me-claimable').textContent === '0 ETH'", timeout=10_000)
    assert town.client.balance(OTHER_MEMBER.address) > balance
    assert "refund" in page.locator("#me-refunds").inner_text().lower()  # its failed sale owes it a refund


def test_settle_and_refund_from_the_page_and_it_follows_the_chain_by_itself(
    browser: Any, bridge: Bridge, town: Deployed
) -> None:
    page = open_page(browser, bridge, town, OTHER_MEMBER.address)
    page.click("#connect")
    page.wait_for_selector("#me:not([hidden]):not([aria-busy])")
    row(page, 2).get_by_role("button", name="Settle BSWA2").click()
    page.wait_for_selector("#status.ok", timeout=30_000)
    assert "Settling BSWA2: done" in page.locator("#status").inner_text()
    page.wait_for_function("!document.querySelector('#businesses tr[data-business=\"2\"] button')", timeout=10_000)
    assert "(settled)" in row(page, 2).inner_text()
    before = town.client.balance(OTHER_MEMBER.address)
    page.get_by_role("button", name="Take refund").click()
    page.wait_for_function(
        "document.getElementById('status').textContent.includes('Refund from')"
        " && !document.getElementById('status').textContent.includes('waiting')"
    )
    assert "done" in page.locator("#status").inner_text(), page.locator("#status").inner_text()
    assert town.client.balance(OTHER_MEMBER.address) > before  # 10 shares at 0.01 ETH back, less gas
    page.wait_for_function("document.getElementById('me-refunds').textContent.includes('None')", timeout=10_000)
    # A reward minted elsewhere shows up without reloading the page, and never half: the first read of the latest
    # rewards after it is one from before it (as when the index reads the reward's block between the page's two
    # reads), and the page reads again rather than show "2 INF" issued beside a list without that reward.
    stale = requests.get(f"{bridge.url}/v1/activity", timeout=30).text
    served = []

    def once_stale(route: Any) -> None:
        if served:
            route.continue_()
        else:
            served.append(1)
            route.fulfill(status=200, content_type="application/json", body=stale)

    page.route("**/v1/activity", once_stale)
    t = Town.load(town.client, town.manifest)
    t.reward(DEV[3], Reward(MEMBER.address, 360, "dashboard/refresh", 1))
    page.wait_for_function("document.getElementById('issued').textContent === '2 INF'", timeout=10_000)
    assert served and MEMBER.address[:6] in page.locator("#rewards").inner_text()


HOSTILE = '<img src=x onerror="window.__pwned=1">'


def test_a_hostile_payment_token_s_symbol_renders_as_text_and_runs_nothing(
    browser: Any, bridge: Bridge, town: Deployed
) -> None:
    """Whoever controls a listed sale's payment token chooses its symbol: the page shows it as text, and the
    page's Content-Security-Policy would refuse an inline handler anyway (issue 15 #8)."""
    t = Town.load(town.client, town.manifest)
    token, _ = town.client.deploy("NamedToken", "Evil", HOSTILE, sender=DEV[0])
    start = int(town.client.w3.eth.get_block("latest")["timestamp"])
    terms = SaleTerms(
        price=10**6,
        shares_offered=10,
        min_shares=1,
        start=start,
        local_duration=86_400,
        treasury=AMBASSADOR.address,
        payment_asset=token.address,
    )
    town.client.transact(t.factory.functions.listBusiness("Trap", "TRAP", 0, terms.as_tuple()), AMBASSADOR)
    page = open_page(browser, bridge, town, None, policy=True)
    page.fill("#filter-text", "trap")  # the 101st business: found by name, not on the first page
    trap = page.locator("#businesses tbody tr", has_text="Trap")
    trap.wait_for(timeout=20_000)
    assert HOSTILE in trap.inner_text()
    assert page.locator("#businesses img").count() == 0
    assert page.evaluate("window.__pwned") is None
    policy = requests.get(bridge.url + "/", timeout=10).headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "object-src 'none'" in policy


def test_the_api_docs_render_with_no_internet(browser: Any, bridge: Bridge) -> None:
    """/docs draws every operation with anything not on 127.0.0.1 refused, as on a machine offline (issue 20 #8)."""
    context = browser.new_context()
    page = context.new_page()
    refused: list[str] = []

    def offline(route: Any) -> None:
        if route.request.url.startswith("http://127.0.0.1"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", offline)
    page.goto(bridge.url + "/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    assert page.locator(".opblock").count() >= 10 and refused == []
    context.close()


def test_each_document_is_checked_against_the_hash_on_chain_and_a_changed_one_is_flagged(
    browser: Any, bridge: Bridge, town: Deployed
) -> None:
    page = open_page(browser, bridge, town, None)
    first = row(page, 0)
    page.wait_for_function("document.querySelectorAll('.doc-check.good').length >= 4", timeout=30_000)
    assert "Business plan (version 1)" in first.inner_text() and "Investor pack (version 1)" in first.inner_text()
    assert first.locator(".doc-check.good").count() == 2
    assert "matches what the town published" in first.locator(".doc-check").first.inner_text()
    assert row(page, 3).locator(".doc").count() == 0  # the fourth business published none
    worked = Town.load(town.client, town.manifest)
    for project in (1, 2):  # shifts on the river and in the kitchen
        worked.reward(DEV[3], Reward(OTHER_MEMBER.address, 30, f"dashboard/plan/{project}", project))
    page.reload()
    milestones = page.locator("#plan li")
    page.wait_for_function("document.querySelectorAll('#plan li').length === 6", timeout=30_000)
    assert milestones.count() == 6 and "Published on chain (version 1)" in page.locator("#plan-line").inner_text()
    # The river and the kitchen earn INF: under way, not "done" (a roof fixed is for people to see, not the chain);
    # the orchard and the roof, not yet worked on, are not ticked off; all 100 businesses listed is done.
    assert "✓ under way: shifts worked on it" in milestones.nth(1).inner_text()
    assert "no shift worked on it yet" in milestones.nth(3).inner_text() and "✓" not in milestones.nth(3).inner_text()
    assert "✓ done" in milestones.nth(4).inner_text()
    shot(page, "documents", "#businesses")

    # Bytes that are not what the town published (a tampered mirror, a swapped file): flagged, not trusted.
    altered = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True).new_page()
    altered.route("**/v1/documents/**", lambda route: route.fulfill(status=200, body=b"# Another plan entirely\n"))
    altered.goto(bridge.url + "/")
    altered.wait_for_function("document.querySelectorAll('.doc-check.bad').length >= 4", timeout=30_000)
    assert "does NOT match what the town published" in row(altered, 0).locator(".doc-check").first.inner_text()


def test_the_network_page_lists_the_towns_by_country_with_their_figures(
    browser: Any, bridge: Bridge, town: Deployed
) -> None:
    # A second town of the country joins the network, its page published on chain.
    plan_text = (ROOT / "examples" / "klaarstroom.yaml").read_text() + "page_url: https://klaarstroom.example/\n"
    (town.folder / "klaarstroom.yaml").write_text(plan_text)
    second, digest = load_plan(town.folder / "klaarstroom.yaml")
    deploy_plan(town.client, second, town.folder / "klaarstroom.json", {a.address: a for a in DEV}, digest)
    page = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True).new_page()
    page.goto(bridge.url + "/network")
    page.wait_for_selector("#countries section", timeout=30_000)
    za = page.locator('section[aria-labelledby="country-ZA"]')
    assert za.locator("h2").inner_text() == "South Africa"  # the country in words
    assert "Country Ambassador: " + DEV[1].address in za.inner_text()
    first = za.locator("tbody tr").first
    assert "Prince Albert (this town)" in first.inner_text() and "60" in first.inner_text()
    assert first.locator("a").get_attribute("href") == "/"
    neighbour = za.locator("tbody tr").nth(1)
    assert "Klaarstroom" in neighbour.inner_text() and "2" in neighbour.inner_text()  # its two members
    assert neighbour.locator("a").get_attribute("href") == "https://klaarstroom.example/"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing sideways
    shot(page, "network-phone")
    page.select_option("#language", "fr")  # in the reader's language too
    page.wait_for_function("document.getElementById('country-ZA').textContent === 'Afrique du Sud'", timeout=30_000)
    assert "Ambassadeur du pays : " + DEV[1].address in za.inner_text()


def test_a_bookmarked_member_link_opens_on_their_account_in_words_at_phone_width(
    browser: Any, bridge: Bridge, town: Deployed
) -> None:
    for width in (320, 390, 1280):
        page = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True).new_page()
        page.goto(f"{bridge.url}/m/{MEMBER.address}")
        page.wait_for_selector("#me:not([hidden]):not([aria-busy])", timeout=30_000)
        assert MEMBER.address in page.locator("#me-line").inner_text()
        assert "Connect this address's wallet to claim." in page.locator("#claim-why").inner_text()
        page.wait_for_selector("#me-history li[data-kind]", timeout=30_000)
        history = page.locator("#me-history").inner_text()
        assert "bought 1,000 shares of Swartberg Butchery for 10 ETH" in history, history  # its purchase, dated
        assert (
            "shares of Swartberg Butchery (BSWA2), worth 10 ETH at the sale price"
            in page.locator("#me-shares").inner_text()
        )
        line = page.locator("#town-line").inner_text()
        assert line.startswith("Prince Albert, South Africa · launched ") and "chain" not in line, line
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width  # nothing sideways
        shot(page, f"member-link-{width}", "#me")
    query = browser.new_context(bypass_csp=True).new_page()
    query.goto(f"{bridge.url}/?address={OTHER_MEMBER.address}")
    query.wait_for_selector("#me:not([hidden]):not([aria-busy])", timeout=30_000)
    assert OTHER_MEMBER.address in query.locator("#me-line").inner_text()
    assert requests.get(f"{bridge.url}/favicon.ico", timeout=10).headers["content-type"].startswith("image/svg+xml")


def test_the_page_speaks_the_member_s_language_arabic_right_to_left_at_every_width(
    browser: Any, bridge: Bridge, town: Deployed
) -> None:
    for width in (320, 390, 1280):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="ar", bypass_csp=True)
        page = context.new_page()
        page.goto(f"{bridge.url}/m/{MEMBER.address}")  # the browser speaks Arabic: so does the page
        page.wait_for_selector("#me-history li[data-kind]", timeout=30_000)
        assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]
        assert page.locator("#businesses-title").inner_text() == "المشاريع"
        assert "اشترى" in page.locator("#me-history").inner_text()  # "bought", in the member's history
        assert "مُباع" in row(page, 2).inner_text()  # sold · needed · offered, in Arabic
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width  # nothing sideways
        shot(page, f"arabic-{width}", "#me")
    # The picker switches language, and the choice is kept for the next visit.
    page.select_option("#language", "af")
    page.wait_for_function("document.documentElement.lang === 'af'")
    assert page.locator("#businesses-title").inner_text() == "Besighede"
    assert page.evaluate("document.documentElement.dir") == "ltr"
    page.reload()
    page.wait_for_function("document.getElementById('businesses-title').textContent === 'Besighede'", timeout=30_000)
    # The phone's basket is recorded on chain in English ("monthly basket 2026-12"): the history says it in the
    # reader's words and month (a new user's trial found it in English on every page); a member's own words stay.
    said = "async (item) => (await import('/static/account.js')).basketName(item)"
    assert page.evaluate(said, "monthly basket 2026-12") == "die maandelikse mandjie van Desember 2026"
    assert page.evaluate(said, "maize") == "maize"


def test_businesses_are_found_by_name_and_filtered_by_phase_with_money_raised_against_the_minimum(
    browser: Any, bridge: Bridge, town: Deployed
) -> None:
    page = open_page(browser, bridge, town, None, phone=True)
    assert "10 ETH raised of 10 ETH; at least 5 ETH needed" in row(page, 2).inner_text()  # 1,000 × 0.01, minimum 500
    assert "the minimum the raise needs" in page.locator("#bar-legend").inner_text()
    page.fill("#filter-text", "bakery")
    total = page.locator("#businesses tbody tr").count()  # 100, or 101 after the hostile token's listing
    assert page.locator("#filter-count").inner_text() == f"2 of {total} businesses shown"  # Kerk and Swartberg
    assert row(page, 0).is_visible() and not row(page, 3).is_visible()
    page.fill("#filter-text", "")
    page.select_option("#filter-phase", "closed")
    visible = [b for b in range(10) if row(page, b).is_visible()]
    assert visible == [2, 5], visible  # the succeeded and the failed sale


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # from npm, like the rest of the toolchain


@pytest.mark.parametrize("path", ["/", f"/m/{MEMBER.address}", "/network"])
@pytest.mark.parametrize("language", ["en", "ar"])
def test_axe_finds_no_serious_or_critical_violation(
    browser: Any, bridge: Bridge, town: Deployed, path: str, language: str
) -> None:
    page = browser.new_context(viewport={"width": 390, "height": 844}, locale=language, bypass_csp=True).new_page()
    page.goto(bridge.url + path)
    page.wait_for_function(f"document.documentElement.lang === '{language}' || location.pathname === '/network'")
    page.wait_for_selector("#businesses tbody tr, #countries section", timeout=30_000)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "axe.run(document).then(r => ({passes: r.passes.length,"
        " violations: r.violations.map(v => [v.id, v.impact, v.nodes.length])}))"
    )
    assert result["passes"] > 10  # the rules ran
    serious = [v for v in result["violations"] if v[1] in ("serious", "critical")]
    assert not serious, serious


def test_the_pictures_are_drawn_from_the_town_s_events_with_a_sentence_each(
    browser: Any, bridge: Bridge, town: Deployed
) -> None:
    data = requests.get(f"{bridge.url}/v1/pictures", timeout=30).json()
    assert [(p["phase"], p["sold"]) for p in data["raises"]["2"]] == [("local", 1000)]  # sold out in one purchase
    assert [(p["phase"], p["sold"]) for p in data["raises"]["5"]] == [("local", 10)]  # bought before it failed
    assert data["members"][-1]["count"] == 60 and data["profit"][-1]["deposited"] == str(9 * 10**17)
    page = open_page(browser, bridge, town, None)
    page.wait_for_function("window.ostCharts['chart-raise'] !== undefined", timeout=30_000)
    page.select_option("#chart-business", "2")
    raise_ = page.evaluate(
        "window.ostCharts['chart-raise'].data.datasets"
        ".map(d => [d.label, d.pointStyle, d.data.filter(x => x !== null)])"
    )
    assert raise_ == [["local", "circle", [1000]], ["country", "triangle", []], ["world", "rect", []]]
    assert "1,000 shares sold by" in page.locator("#chart-raise-text").inner_text()
    members = page.evaluate("window.ostCharts['chart-members'].data.datasets[0].data")
    assert members[-1] == 60
    profit = page.evaluate("window.ostCharts['chart-profit'].data.datasets.map(d => d.data[d.data.length - 1])")
    assert profit[0] == 0.9  # deposited, in ETH; the second line is what was claimed
    assert page.locator("#chart-profit").get_attribute("aria-label").startswith("Profit: 0.9 ETH deposited")
    shot(page, "pictures", ".pictures")


def test_a_member_finds_their_inf_profit_and_history_at_the_top(browser: Any, bridge: Bridge, town: Deployed) -> None:
    page = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True).new_page()
    page.goto(f"{bridge.url}/m/{OTHER_MEMBER.address}")
    page.wait_for_selector("#me-history li[data-kind]", timeout=30_000)
    tops = page.evaluate(
        "['me-line', 'me-claimable', 'me-history', 'glance-title']"
        ".map(id => document.getElementById(id).getBoundingClientRect().top)"
    )
    line, profit, history, town_figures = tops
    assert line < profit < history < town_figures  # the member's account first, then the town
    assert page.evaluate(
        "document.getElementById('me-history').getBoundingClientRect().top < window.innerHeight"
    )  # one screen
    shot(page, "member-first-phone")


def visible(page: Any) -> list[int]:
    """The businesses the list shows now, in its order."""
    return [
        int(b)
        for b in page.eval_on_selector_all(
            "#businesses tbody tr:not([hidden])", "rs => rs.map(r => r.dataset.business)"
        )
    ]


def test_the_list_pages_by_ten_on_a_phone_sorts_and_shows_what_this_account_may_buy_now(
    browser: Any, bridge: Bridge, town: Deployed
) -> None:
    listed = requests.get(f"{bridge.url}/v1/businesses", timeout=30).json()
    page = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True).new_page()
    page.goto(f"{bridge.url}/?address={WORLD.address}")
    page.wait_for_selector("#me:not([hidden]):not([aria-busy])", timeout=30_000)
    pages = -(-len(listed) // 10)  # 100 businesses (and another test's 101st), 10 to a page at phone width
    assert visible(page) == list(range(10)) and page.locator("#page-line").inner_text() == f"Page 1 of {pages}"
    assert page.locator("#page-previous").is_disabled()
    page.click("#page-next")
    assert visible(page) == list(range(10, 20)) and page.locator("#page-line").inner_text() == f"Page 2 of {pages}"
    # Sorted by name, from the first page; soonest-ending first.
    page.select_option("#filter-order", "name")
    by_name = sorted(listed, key=lambda b: b["name"].casefold())
    assert visible(page) == [b["id"] for b in by_name[:10]]
    assert page.locator("#page-line").inner_text() == f"Page 1 of {pages}"
    page.select_option("#filter-order", "ending")
    open_now = [b for b in listed if b["phase"] in ("local", "country", "world")]  # before those not open yet
    assert visible(page)[0] == min(open_now, key=lambda b: (b["phaseEndsIn"], b["id"]))["id"]
    # A stranger to the town may buy in the world phase only: the list shows just those, on one page.
    page.select_option("#filter-phase", "mine")
    world = [b["id"] for b in listed if b["phase"] == Phase.WORLD.label]
    assert world and sorted(visible(page)) == world, visible(page)
    assert page.locator("#paging").is_hidden()
    assert page.locator("#filter-count").inner_text() == f"{len(world)} of {len(listed)} businesses shown"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing sideways
    shot(page, "paged-sorted-phone", "#filter")
    page.fill("#filter-text", "no such business")
    assert page.locator("#filter-count").inner_text().startswith("No business matches") and visible(page) == []
    # At 1280 px a page holds 20.
    wide = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True).new_page()
    wide.goto(bridge.url + "/")
    wide.wait_for_selector("#businesses tbody tr >> nth=99", state="attached", timeout=30_000)
    assert visible(wide) == list(range(20))


def test_a_wrong_address_is_said_where_the_reader_is_and_a_right_one_clears_it(
    browser: Any, bridge: Bridge, town: Deployed
) -> None:
    page = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True).new_page()
    page.goto(f"{bridge.url}/m/0x123")  # a damaged link, as a torn card would give
    page.wait_for_function("document.getElementById('status').textContent.includes('not an account address')")
    bar = page.locator("#status").bounding_box()
    assert bar is not None and bar["y"] + bar["height"] <= 844 and bar["y"] > 844 / 2  # at the foot of the screen
    page.fill("#lookup-address", MEMBER.address)
    page.click("#lookup button[type=submit]")
    page.wait_for_function("document.getElementById('status').textContent === ''")
    assert MEMBER.address in page.locator("#me-line").inner_text()
    assert page.evaluate("document.getElementById('me').getBoundingClientRect().top") < 100  # taken to the account


def test_refusals_and_the_latest_rewards_are_in_the_member_s_language(
    browser: Any, bridge: Bridge, town: Deployed
) -> None:
    Town.load(town.client, town.manifest).reward(DEV[3], Reward(OTHER_MEMBER.address, 90, "dashboard/arabic", 1))
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ar", bypass_csp=True)
    page = context.new_page()
    wallet.install(page, town.node.rpc_url, WORLD.address)
    page.goto(bridge.url + "/")
    page.wait_for_selector("#businesses tbody tr >> nth=99", state="attached", timeout=30_000)
    page.click("#connect")
    page.wait_for_selector("#me:not([hidden]):not([aria-busy])", timeout=30_000)
    page.select_option("#buy-business", "0")  # a sale in its local phase: members only
    page.click("#buy button[type=submit]")
    page.wait_for_function("document.getElementById('status').textContent.includes('لا يمكنك')", timeout=30_000)
    said = page.locator("#status").inner_text()
    # The page's sentence and the bridge's reason, both in Arabic.
    assert said.startswith("لا يمكنك شراء") and "يحق لأعضاء البلدة وحدهم الشراء في المرحلة المحلية" in said, said
    # The latest rewards: dated, with the project, and the member's link; no block numbers.
    rewards = page.locator("#rewards li").first.inner_text()
    assert "ربح" in rewards and "ساعة واحدة و30 دقيقة" in rewards and "Clean the river bank" in rewards, rewards
    assert "block" not in rewards and "كتلة" not in rewards
    assert page.locator("#rewards li a").first.get_attribute("href").startswith("/m/0x")
    shot(page, "arabic-refusal", "#status")
    # Each number with its noun as the language says it (Arabic above: "one hour" with no number).
    for language, said in (("fr", "1 heure 30 minutes"), ("en", "for 1 hour 30 minutes on Clean the river bank")):
        page.select_option("#language", language)
        page.wait_for_function(f"document.documentElement.lang === '{language}'")
        page.wait_for_function(f"document.querySelector('#rewards li').textContent.includes({said!r})", timeout=30_000)


def test_a_wallet_on_another_chain_is_asked_to_add_the_town_s_chain_and_switches_to_it(
    browser: Any, bridge: Bridge, town: Deployed
) -> None:
    page = browser.new_context(bypass_csp=True).new_page()
    wallet.install(page, town.node.rpc_url, MEMBER.address, on_chain=1)  # on Ethereum, not knowing the town's chain
    page.goto(bridge.url + "/")
    page.wait_for_selector("#businesses tbody tr >> nth=99", state="attached", timeout=30_000)
    page.click("#connect")
    page.wait_for_selector("#me:not([hidden]):not([aria-busy])", timeout=30_000)
    calls = page.evaluate("window.__walletCalls")
    chain = hex(town.client.chain_id)
    assert [c["method"] for c in calls] == ["wallet_switchEthereumChain", "wallet_addEthereumChain"], calls
    added = calls[1]["params"][0]
    assert added == {
        "chainId": chain,
        "chainName": "OST development chain",
        "nativeCurrency": {"name": "ETH", "symbol": "ETH", "decimals": 18},
        "rpcUrls": [town.node.rpc_url],
    }
    assert page.evaluate("window.ethereum.request({ method: 'eth_chainId' })") == chain
    assert "Switch networks" not in page.locator("#status").inner_text()

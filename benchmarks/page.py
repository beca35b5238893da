"""The town page on the sample town (100 businesses) and on the same town with 10,000 members: the time to its first
render and to a refresh after a new block, the bytes it transferred, and the JSON-RPC calls one refresh costs the
bridge (counted by a proxy between the bridge and anvil; they should not grow with the number of members).

python benchmarks/page.py               # both towns
python benchmarks/page.py --members 60  # the sample only
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests
from eth_utils import keccak, to_checksum_address
from playwright.sync_api import sync_playwright

from benchmarks._bridge import serving
from benchmarks._proxy import RpcProxy
from ost_chain.chain import LocalChain, dev_accounts
from ost_chain.client import ChainClient
from ost_chain.deploy import deploy_plan
from ost_chain.plan import load_plan

ROOT = Path(__file__).resolve().parent.parent


def measure(members: int) -> dict[str, Any]:
    plan, digest = load_plan(ROOT / "examples" / "town.yaml")
    if members != len(plan.members):
        extra = [to_checksum_address(keccak(text=f"page member {n}")[12:]) for n in range(members)]
        plan = plan.model_copy(update={"members": extra})
    with tempfile.TemporaryDirectory() as folder, LocalChain() as node:
        client = ChainClient.connect(node.rpc_url)
        manifest = deploy_plan(client, plan, Path(folder) / "town.json", {a.address: a for a in dev_accounts()}, digest)
        proxy = RpcProxy(node.rpc_url)
        port = 18900 + os.getpid() % 90
        database = f"sqlite:///{Path(folder) / 'bridge.sqlite'}"
        try:
            # The index reads the town when the bridge starts; later its thread looks for new blocks only once a
            # minute here, so what is counted is what a page's reads cost (each reads ahead what is new itself).
            quiet = {"OST_BRIDGE__INDEX_POLL_SECONDS": "60"}
            with serving(manifest.path, proxy.url, database, port, env=quiet) as url:
                indexed(url)
                proxy.take()
                member = plan.members[0] if plan.members else "0x" + "00" * 20
                requests.get(url + "/v1/pictures", timeout=60).raise_for_status()  # cold: drawn for the first time
                requests.get(f"{url}/v1/members/{member}/history", timeout=60).raise_for_status()
                history_calls = proxy.take()
                return {**browse(url, client, proxy, members), "historyCalls": history_calls}
        finally:
            proxy.stop()


def indexed(url: str, most: float = 300.0) -> None:
    """Wait until the bridge's index has read the whole town (its health report says it is behind by none)."""
    deadline = time.monotonic() + most
    while time.monotonic() < deadline:
        index = requests.get(url + "/healthz", timeout=30).json().get("index") or {}
        if index.get("behind") == 0:
            return
        time.sleep(0.2)
    raise RuntimeError("The bridge's index did not read the town in time.")


def browse(url: str, client: ChainClient, proxy: RpcProxy, members: int) -> dict[str, Any]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        # The page's CSP is set aside for Playwright's own waiting scripts, which it would refuse.
        page = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True).new_page()
        sizes: list[int] = []  # each response's bytes as it crossed the network (compressed where it was)
        page.on("requestfinished", lambda r: sizes.append(r.sizes()["responseBodySize"]))
        proxy.take()
        started = time.perf_counter()
        page.goto(url + "/")
        page.wait_for_selector("#businesses tbody tr >> nth=99", state="attached", timeout=60_000)  # 20 shown a page
        page.wait_for_function("window.ostCharts && window.ostCharts['chart-members'] !== undefined", timeout=60_000)
        first = time.perf_counter() - started
        first_calls, first_bytes = proxy.take(), sum(sizes)
        sizes.clear()
        # The block the page last read, as its town line's title says it ("chain 31337, block 1,234").
        block = "Number(document.getElementById('town-line').title.split('block ')[1].replace(/\\D/g, ''))"
        for _ in range(2):  # a refresh after a new block: once to warm what the bridge reads once, then counted
            proxy.take()
            sizes.clear()
            was = int(page.evaluate(block))
            client.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
            started = time.perf_counter()
            page.wait_for_function(f"{block} > {was}", timeout=30_000)
            page.wait_for_timeout(500)  # the refresh's reads finish after the block number changes
            refresh = time.perf_counter() - started
        refresh_calls, refresh_bytes = proxy.take(), sum(sizes)
        refresh_methods = dict(proxy.last_methods.most_common(4))
        browser.close()
    library = requests.get(url + "/vendor/ethers.js", headers={"Accept-Encoding": "gzip"}, stream=True, timeout=30)
    return {
        "library": len(library.raw.read()),
        "members": members,
        "first": first,
        "firstBytes": first_bytes,
        "firstCalls": first_calls,
        "refresh": refresh,
        "refreshBytes": refresh_bytes,
        "refreshCalls": refresh_calls,
        "refreshMethods": refresh_methods,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, action="append", help="members of the town (repeatable)")
    args = parser.parse_args()
    rows = [measure(n) for n in (args.members or [60, 10_000])]
    print("members    first render   bytes     JSON-RPC calls   refresh   bytes     JSON-RPC calls")
    for r in rows:
        print(
            f"{r['members']:>7,}    {r['first']:>9.2f} s   {r['firstBytes'] / 1024:>5.0f} KB   {r['firstCalls']:>10,}"
            f"       {r['refresh']:>5.2f} s   {r['refreshBytes'] / 1024:>5.0f} KB   {r['refreshCalls']:>10,}"
        )
    for r in rows:
        print(f"a refresh's calls at {r['members']:,} members, by method: {r['refreshMethods']}")
        print(f"a cold GET /v1/pictures and a member's history at {r['members']:,} members: {r['historyCalls']} calls")
    print(
        f"bytes are as transferred (compressed); the wallet's library (ethers) is fetched only when a wallet builds a "
        f"call: {rows[0]['library'] / 1024:.0f} KB more, once"
    )
    if len(rows) > 1:
        print(
            f"first render, {rows[-1]['members']:,} members ÷ {rows[0]['members']:,}: "
            f"{rows[-1]['first'] / rows[0]['first']:.2f}; pictures and history calls: "
            f"{rows[-1]['historyCalls'] / max(1, rows[0]['historyCalls']):.2f}"
        )
        print(
            f"refresh calls, {rows[-1]['members']:,} members ÷ {rows[0]['members']:,}: "
            f"{rows[-1]['refreshCalls'] / max(1, rows[0]['refreshCalls']):.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

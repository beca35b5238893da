"""The phone menu under load: the time from a USSD request to its reply, with 100 phone members dialling at once
against the sample town (examples/town.yaml, 100 businesses), as a gateway would call the bridge.

Each session walks the menu a member would: the main menu, the balance (with the PIN), the open sales, and a
transfer up to its confirmation screen. Gateways give a reply a few seconds before they end the session; the
margin to a 5-second timeout is printed.

python benchmarks/ussd.py [--sessions N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.custody import Vault, hash_pin, vault_for  # noqa: E402
from api.db import PhoneAccount, make_engine, sessions  # noqa: E402
from benchmarks._bridge import serving  # noqa: E402
from ost_chain.chain import LocalChain, dev_accounts  # noqa: E402
from ost_chain.client import ChainClient  # noqa: E402
from ost_chain.deploy import deploy_plan  # noqa: E402
from ost_chain.plan import load_plan  # noqa: E402
from ost_chain.settings import BridgeSettings  # noqa: E402
from ost_chain.townclient import Town  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GATEWAY_TIMEOUT = 5.0
SECRET = "benchmark-gateway"
PIN = "13579"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, LocalChain() as node:
        client = ChainClient.connect(node.rpc_url)
        plan, digest = load_plan(ROOT / "examples" / "town.yaml")
        manifest = deploy_plan(client, plan, Path(folder) / "town.json", {a.address: a for a in dev_accounts()}, digest)
        database = f"sqlite:///{Path(folder) / 'bridge.sqlite'}"
        numbers = [f"+2782{n:07d}" for n in range(1, args.sessions + 1)]
        vault: Vault = vault_for(BridgeSettings(manifest=manifest.path), client.chain_id)
        make = sessions(make_engine(database))
        with make() as session, session.writing():  # phone members with a PIN set, as after their first dial
            for number in numbers:
                key = Vault.new_account()
                account = PhoneAccount(phone=number, address=key.address, sealed_key=vault.seal(key), name=number)
                account.language, account.pin_failures = "en", 0
                account.pin_hash = hash_pin(vault.pepper(key.address, PIN))
                session.add(account)
        with make() as session:
            addresses = [p.address for p in session.query(PhoneAccount)]
        Town(client, manifest.data).add_members(dev_accounts()[2], addresses)
        port = 18700 + os.getpid() % 1000
        env = {"OST_BRIDGE__USSD_SECRET": SECRET}
        with serving(manifest.path, node.rpc_url, database, port, env) as url:
            times = run(url, numbers)
    report(times, args.sessions)
    return 0


def run(url: str, numbers: list[str]) -> list[float]:
    steps = ["", "1", f"1*{PIN}", "5", "2", f"2*{numbers[0]}", f"2*{numbers[0]}*1"]

    def session(number: str) -> list[float]:
        taken = []
        with httpx.Client(timeout=30) as http:
            for step in steps:
                form = {
                    "sessionId": f"s-{number}",
                    "serviceCode": "*384#",
                    "phoneNumber": number,
                    "networkCode": "65501",
                    "text": step,
                }
                start = time.perf_counter()
                reply = http.post(f"{url}/v1/ussd?secret={SECRET}", data=form)
                taken.append(time.perf_counter() - start)
                assert reply.status_code == 200 and reply.text[:4] in ("CON ", "END "), reply.text
        return taken

    with ThreadPoolExecutor(len(numbers)) as pool:
        runs = list(pool.map(session, numbers))
    for index, step in enumerate(steps):  # which screen takes the time
        each = sorted(r[index] for r in runs)
        middle, worst = statistics.median(each) * 1000, each[-1] * 1000
        print(f"  screen {step or '(dial)':<22} p50 {middle:6.0f} ms   max {worst:6.0f} ms")
    return [t for times in runs for t in times]


def report(times: list[float], sessions_at_once: int) -> None:
    times.sort()
    p50, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
    print(f"{len(times)} USSD requests, {sessions_at_once} sessions at once, against the sample town (2 cores shared")
    print("by the bridge, anvil and this load generator):")
    print(f"  p50 {p50 * 1000:7.0f} ms")
    print(f"  p95 {p95 * 1000:7.0f} ms")
    print(f"  max {times[-1] * 1000:7.0f} ms")
    print(f"  margin to a {GATEWAY_TIMEOUT:.0f} s gateway timeout at p95: {GATEWAY_TIMEOUT / p95:.1f}x")


if __name__ == "__main__":
    sys.exit(main())

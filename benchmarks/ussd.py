"""The phone menu under load: the time from a USSD request to its reply, with 100 phone members dialling at once
against the sample town (examples/town.yaml, 100 businesses), as a gateway would call the bridge.

Each session walks the menu a member would: the main menu, the balance (with the PIN), the open sales, and a
transfer up to its confirmation screen. Gateways give a reply a few seconds before they end the session: each step's
p50 and p95 are printed with the margin to a 5-second timeout, the PIN step's against its target (p95 at most 2 s).
Then what no busy machine moves: the Argon2id hashes the bridge made (and their parameters), and the JSON-RPC calls
each step costs (one member alone, through a counting proxy).

python benchmarks/ussd.py [--sessions N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.custody import Vault, hash_pin, vault_for
from api.db import PhoneAccount, make_engine, sessions
from api.settings import BridgeSettings
from benchmarks._bridge import free_port, serving
from benchmarks._http import Connection
from benchmarks._proxy import RpcProxy
from ost_chain.chain import LocalChain, dev_accounts
from ost_chain.client import ChainClient
from ost_chain.deploy import deploy_plan
from ost_chain.plan import load_plan
from ost_chain.townclient import Town

ROOT = Path(__file__).resolve().parent.parent
GATEWAY_TIMEOUT = 5.0
PIN_STEP_TARGET = 2.0  # p95 of the step that checks a PIN, at 100 sessions on 2 cores
SECRET = "benchmark-gateway"
PIN = "13579"
# A session's steps: the answers so far (``to``, the next member's number), and how the reply must start.
STEPS = {
    "main menu": ("", "CON "),
    "balance: asks the PIN": ("1", "CON Enter your PIN"),
    "balance with PIN": (f"1*{PIN}", "END INF: "),
    "sales": ("5", "CON "),
    "transfer: asks the number": ("2", "CON "),
    "transfer: asks the amount": ("2*{to}", "CON How much"),
    "transfer confirm": ("2*{to}*1", "CON Send 1 INF"),
}
PIN_STEP = "balance with PIN"
CORES = 2  # the machine the figures are for


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, LocalChain() as node:
        client = ChainClient.connect(node.rpc_url)
        plan, digest = load_plan(ROOT / "examples" / "town.yaml")
        manifest = deploy_plan(client, plan, Path(folder) / "town.json", {a.address: a for a in dev_accounts()}, digest)
        database = f"sqlite:///{Path(folder) / 'bridge.sqlite'}"
        numbers = [f"+2782{n:07d}" for n in range(1, max(2, args.sessions) + 1)]
        vault: Vault = vault_for(BridgeSettings(manifest=manifest.path), client.chain_id)
        make = sessions(make_engine(database))
        hashing, stored = 0.0, ""  # this process's CPU time for the PINs' hashes, and one of them
        with make() as session, session.writing():  # phone members with a PIN set, as after their first dial
            for number in numbers:
                key = Vault.new_account()
                account = PhoneAccount(phone=number, address=key.address, sealed_key=vault.seal(key), name=number)
                account.language, account.pin_failures = "en", 0
                started = time.process_time()
                account.pin_hash = stored = hash_pin(vault.pepper(key.address, PIN))
                hashing += time.process_time() - started
                session.add(account)
        with make() as session:
            addresses = [p.address for p in session.query(PhoneAccount)]
        Town(client, manifest.record()).add_members(dev_accounts()[2], addresses)
        env = {"OST_BRIDGE__USSD_SECRET": SECRET}
        with serving(manifest.path, node.rpc_url, database, free_port(), env) as url:
            times = asyncio.run(dial_all(url, numbers[: args.sessions], numbers))
        said = made(manifest.path.parent / "bridge.log")
        with RpcProxy(node.rpc_url) as proxy, serving(manifest.path, proxy.url, database, free_port(), env) as url:
            calls = asyncio.run(count_calls(url, proxy, numbers))
    report(times, args.sessions, said, hashing / len(numbers), "$".join(stored.split("$")[1:4]), calls)
    return 0


def made(log: Path) -> str:
    """What the bridge says, as it stops, of the Argon2id hashes it made."""
    said = [line.split("phones: ", 1)[1] for line in log.read_text().splitlines() if "Argon2id PIN hashes" in line]
    return said[-1].removesuffix(" since start") if said else ""


async def dial_all(url: str, numbers: list[str], everyone: list[str]) -> dict[str, list[float]]:
    """Every session at once, each on its own connection, as a gateway's would be: the seconds of each step."""
    times: dict[str, list[float]] = {name: [] for name in STEPS}

    async def walk(n: int) -> None:
        connection = await Connection.open(url)
        try:
            for name, taken in (await steps(connection, everyone, n, f"s-{n}")).items():
                times[name].append(taken)
        finally:
            connection.close()

    await asyncio.gather(*(walk(n) for n in range(len(numbers))))
    return times


async def steps(connection: Connection, numbers: list[str], n: int, session_id: str) -> dict[str, float]:
    """Member ``n``'s session, step by step (each reply checked): the seconds each took."""
    taken = {}
    for name, (answers, expected) in STEPS.items():
        started = time.perf_counter()
        status, reply = await ask(connection, numbers, n, session_id, answers)
        taken[name] = time.perf_counter() - started
        assert status == 200 and reply.startswith(expected), f"{name}: {status} {reply}"
    return taken


async def ask(connection: Connection, numbers: list[str], n: int, session_id: str, answers: str) -> tuple[int, str]:
    """One step of member ``n``'s session, as a gateway posts it: ``answers`` so far (``to``: the next member)."""
    form = {
        "sessionId": session_id,
        "serviceCode": "*384#",
        "phoneNumber": numbers[n],
        "networkCode": "65501",
        "text": answers.format(to=numbers[(n + 1) % len(numbers)]),
    }
    status, reply = await connection.post(
        f"/v1/ussd?secret={SECRET}", urlencode(form).encode(), "application/x-www-form-urlencoded"
    )
    return status, reply.decode()


async def count_calls(url: str, proxy: RpcProxy, numbers: list[str]) -> dict[str, int]:
    """The JSON-RPC calls each step costs the bridge (each entry of a batch counted), for one member alone, once the
    bridge has read this block's sales and assets (its first session)."""
    connection = await Connection.open(url)
    try:
        await steps(connection, numbers, 0, "warm")
        calls = {}
        for name, (answers, _) in STEPS.items():  # a session of its own each (a step carries the answers before it)
            proxy.take()
            await ask(connection, numbers, 0, f"count-{name}", answers)
            calls[name] = proxy.take()
        return calls
    finally:
        connection.close()


def report(
    times: dict[str, list[float]], at_once: int, said: str, one_hash: float, stored: str, calls: dict[str, int]
) -> None:
    every = [t for each in times.values() for t in each]
    print(f"{len(every)} USSD requests, {at_once} sessions at once, against the sample town (2 cores shared by the")
    print("bridge, anvil and this load generator):")
    print(f"  {'step':<27} {'p50':>8} {'p95':>8} {'max':>8}   margin to a {GATEWAY_TIMEOUT:.0f} s gateway at p95")
    for name, taken in [*times.items(), ("every request", every)]:
        ordered = sorted(taken)
        p95 = ordered[int(0.95 * (len(ordered) - 1))]
        target = f"   (target: p95 at most {PIN_STEP_TARGET:.0f} s)" if name == PIN_STEP else ""
        line = f"{ms(statistics.median(ordered))} {ms(p95)} {ms(ordered[-1])}   {GATEWAY_TIMEOUT / p95:5.1f}x{target}"
        print(f"  {name:<27} {line}")
    print(f"Argon2id for {at_once} PIN steps: {said or 'not counted by this bridge'}; stored PINs: {stored}")
    hashing = at_once * one_hash
    print(
        f"  a hash takes {one_hash * 1000:.0f} ms of a core here: {at_once} PINs at once are {hashing:.1f} "
        f"core-seconds of hashing, {hashing / CORES:.1f} s of all {CORES} cores before anything else (the PIN step's "
        "floor)"
    )
    print("JSON-RPC calls a step costs the bridge (one member alone, each entry of a batch counted):")
    for name, n in calls.items():
        print(f"  {name:<27} {n:>5}")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:5.0f} ms"


if __name__ == "__main__":
    sys.exit(main())

"""The page's modules under `node --test` (tests/page/page.test.mjs), given what Python says: the amounts as
`ost_chain.units.money` writes them, a sentence's plural forms as the phone says them, and each call as the compiled
ABI encodes it. A page that rounds, groups or picks a plural form differently, or encodes a call differently, fails
here, not in a member's wallet."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from eth_utils import to_checksum_address

from api.i18n import plurals as all_plurals
from api.i18n import say_n
from ost_chain.abi import ERC20_ABI, Function
from ost_chain.artifacts import Artifacts
from ost_chain.compiler import compile_contracts
from ost_chain.settings import get_settings
from ost_chain.units import money

HERE = Path(__file__).resolve().parent
ASSET = to_checksum_address("0xabcdef0123456789abcdef0123456789abcdef01")  # as the bridge serves addresses
AMOUNTS = [
    (1_234_567_890_000_000_000_000, 18),
    (15, 1),
    (1, 18),
    (0, 18),
    (25_000, 5),
    (123_456_785, 5),
    (10**77, 18),
    (999_995, 6),
    (5 * 10**13, 18),
    (15 * 10**13, 18),
]
CALLS = [  # (the page's call, the contract, its signature, the arguments)
    ("buy", "ShareSale", "buy(uint256)", [3]),
    ("buyWithPermit", "ShareSale", "buyWithPermit(uint256,uint256,uint8,bytes32,bytes32)", [2, 1_800_000_000, 28]),
    ("approve", "InfinityToken", "approve(address,uint256)", [ASSET, 10**21]),
    ("finalize", "ShareSale", "finalize()", []),
    ("refund", "ShareSale", "refund()", []),
    ("claim", "ProfitDistributor", "claim(address)", [ASSET]),
    ("claimAsInvestor", "ProfitDistributor", "claimAsInvestor(uint256,address)", [7, ASSET]),
    ("nonces", "InfinityToken", "nonces(address)", [ASSET]),
    ("transfer", "ShareToken", "transfer(address,uint256)", [ASSET, 12]),
    ("name", "InfinityToken", "name()", []),
]
R, S = "11" * 32, "22" * 32  # a permit signature's r and s
PLURAL = ("ar", "{count} town", "{count} towns")  # Arabic: six forms


def cases() -> dict[str, object]:
    artifacts = Artifacts(compile_contracts(get_settings()).build_dir)
    amounts = [[str(v), d, money(v, d, "X").removesuffix(" X")] for v, d in AMOUNTS]
    calls, fragments = [], {}
    for call, contract, signature, args in CALLS:
        fn = Function.of(ERC20_ABI if contract == "ERC20" else artifacts.get(contract)["abi"], signature)
        fragments[call] = dict(fn.abi)
        python_args = [*args, bytes.fromhex(R), bytes.fromhex(S)] if call == "buyWithPermit" else args
        page_args = [*map(str, args), "0x" + R, "0x" + S] if call == "buyWithPermit" else [str(a) for a in args]
        calls.append({"call": call, "args": page_args, "data": "0x" + fn.encode(*python_args).hex()})
    language, one, other = PLURAL
    numbers = (0, 1, 2, 3, 10, 11, 99, 100, 101, 102)
    said = {n: say_n(language, one, other, n, count=n) for n in numbers}
    forms = {say_n(language, one, other, n, count="#") for n in numbers}
    assert len(forms) >= 4, f"the Arabic catalog has this sentence's forms: {forms}"
    plurals = {"language": language, "plurals": all_plurals(language), "one": one, "other": other, "said": said}
    return {"amounts": amounts, "calls": calls, "fragments": fragments, "plurals": plurals, "asset": ASSET}


def test_the_page_s_amounts_and_calls_are_python_s() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (make setup needs it for solc-js)")
    env = {**os.environ, "OST_PAGE_CASES": json.dumps(cases())}
    done = subprocess.run(
        [node, "--test", str(HERE / "page.test.mjs")], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "# pass 6" in done.stdout and "# fail 0" in done.stdout, done.stdout

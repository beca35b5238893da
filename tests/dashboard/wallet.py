"""The test wallet the page finds as `window.ethereum`: the test's account, everything else sent to anvil (whose
development accounts are unlocked, so it signs there)."""

from __future__ import annotations

import json
from typing import Any

import requests


def install(page: Any, rpc_url: str, account: str | None, *, pays_fees: bool = True) -> None:
    """Give ``page`` a wallet for ``account`` (none: a wallet with no account). ``pays_fees`` False: a wallet that
    refuses to send a transaction, as one holding no coin does."""

    def rpc(method: str, params: list[Any]) -> Any:
        answer = requests.post(
            rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, timeout=30
        ).json()
        if "error" in answer:
            raise RuntimeError(answer["error"].get("message", "error"))
        return answer["result"]

    page.expose_function("__ostRpc", rpc)
    refuse = (
        ""
        if pays_fees
        else ("  if (method === 'eth_sendTransaction') throw new Error('test wallet: this wallet cannot pay a fee');")
    )
    page.add_init_script(
        "window.ethereum = { isTestWallet: true, async request({ method, params }) {"
        f"  const account = {json.dumps(account)};"
        "  if (method === 'eth_requestAccounts' || method === 'eth_accounts') return account ? [account] : [];"
        f"{refuse}"
        "  return await window.__ostRpc(method, params || []); } };"
    )

"""The test wallet the page finds as `window.ethereum`: the test's account, everything else sent to anvil (whose
development accounts are unlocked, so it signs there)."""

from __future__ import annotations

import json
from typing import Any

import requests


def install(
    page: Any, rpc_url: str, account: str | None, *, pays_fees: bool = True, on_chain: int | None = None
) -> None:
    """Give ``page`` a wallet for ``account`` (none: a wallet with no account). ``pays_fees`` False: a wallet that
    refuses to send a transaction, as one holding no coin does. ``on_chain``: a wallet that stands on that chain and
    knows no other, as MetaMask answers EIP-3326 and EIP-3085: switching to a chain it does not know is error 4902;
    adding one asks to switch to it. Its switch and add requests are kept in ``window.__walletCalls``."""

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
    chains = (
        ""
        if on_chain is None
        else (
            f"  const w = window.ethereum; w.chain = w.chain || '{hex(on_chain)}'; w.known = w.known || [w.chain];"
            "  window.__walletCalls = window.__walletCalls || [];"
            "  if (method === 'eth_chainId') return w.chain;"
            "  if (method === 'wallet_switchEthereumChain' || method === 'wallet_addEthereumChain') {"
            "    window.__walletCalls.push({ method, params });"
            "    const id = params[0].chainId;"
            "    if (method === 'wallet_addEthereumChain') w.known.push(id);"
            "    if (!w.known.includes(id)) throw Object.assign(new Error('Unrecognized chain ID'), { code: 4902 });"
            "    w.chain = id; return null; }"
        )
    )
    page.add_init_script(
        "window.ethereum = { isTestWallet: true, async request({ method, params }) {"
        f"  const account = {json.dumps(account)};"
        "  if (method === 'eth_requestAccounts' || method === 'eth_accounts') return account ? [account] : [];"
        f"{chains}"
        f"{refuse}"
        "  return await window.__ostRpc(method, params || []); } };"
    )

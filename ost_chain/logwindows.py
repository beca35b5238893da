"""Event logs from a provider that caps the blocks one ``eth_getLogs`` may span.

Hosted providers refuse a log query over too many blocks ("up to a 2K block range", "query returned more than 10000
results", "block range is too wide"). Reads of a town's events go from its first block: on a long-lived chain that is
a wide query. This middleware sends every query as it is; only when the provider refuses one for its width does it
split the range in halves until each part is answered, and keep the width that worked, so the next wide query starts
with it. A provider that caps nothing costs no extra call.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from web3.middleware import Web3Middleware
from web3.types import RPCEndpoint, RPCResponse

# What providers say when a query is too wide (or returns too many logs): its block range is the cure.
TOO_WIDE = re.compile(
    r"range|too many|more than \d+ results|response size|limit(ed)? (exceeded|is)|exceed|too large|too wide", re.I
)
_TAGS = ("latest", "safe", "finalized", "pending")


class LogWindows(Web3Middleware):
    """Split a refused ``eth_getLogs`` into block windows the provider answers (see the module)."""

    window: int | None = None  # the widest query the provider answered after refusing one (web3 keeps this object)

    def wrap_make_request(self, make_request: Callable[[RPCEndpoint, Any], RPCResponse]) -> Any:
        def logs(method: RPCEndpoint, params: Any) -> RPCResponse:
            answer = make_request(method, params)
            if method != "eth_getLogs" or not _too_wide(answer):
                return answer
            query = dict(params[0])
            if "blockHash" in query:
                return answer
            low, high = _block(query.get("fromBlock"), make_request), _block(query.get("toBlock"), make_request)
            window = self.window or max(1, (high - low + 1) // 2)
            found: list[Any] = []
            start = low
            while start <= high:
                end = min(high, start + window - 1)
                part = make_request(method, [{**query, "fromBlock": hex(start), "toBlock": hex(end)}])
                if _too_wide(part) and end > start:
                    window = max(1, (end - start + 1) // 2)  # narrower, and try the same start again
                    continue
                if "error" in part:
                    return part
                found += part["result"]
                start = end + 1
            self.window = window  # the next wide query starts with it
            return _answered(answer, found)

        return logs


def _too_wide(answer: RPCResponse) -> bool:
    error = answer.get("error")
    return bool(error) and bool(TOO_WIDE.search(str(error.get("message", "") if isinstance(error, dict) else error)))


def _answered(refused: RPCResponse, found: list[Any]) -> RPCResponse:
    """The refused answer as the whole range's: its id and version, the logs of every window."""
    answer: dict[str, Any] = {k: v for k, v in refused.items() if k != "error"}
    answer["result"] = found
    return answer  # type: ignore[return-value]


def _block(tag: Any, make_request: Callable[[RPCEndpoint, Any], RPCResponse]) -> int:
    """A block number from a query's ``fromBlock``/``toBlock`` (a number, hex, or a tag)."""
    if tag is None or tag in _TAGS:
        return int(make_request(RPCEndpoint("eth_blockNumber"), [])["result"], 16)
    if tag == "earliest":
        return 0
    return int(tag, 16) if isinstance(tag, str) else int(tag)

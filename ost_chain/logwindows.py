"""Event logs from a provider that caps the blocks one ``eth_getLogs`` may span.

Hosted providers refuse a log query over too many blocks ("up to a 2K block range", "block range is too wide") or
with too many results ("query returned more than 10000 results"). Reads of a town's events go from its first block:
on a long-lived chain that is a wide query. This middleware sends every query as it is; only when the provider
refuses one for its width does it read the range in windows: of the width the provider names when it names one,
else halving until a window is answered and doubling again after each answered one (a busy stretch of blocks does
not make the rest slow). A block-range cap it learns is kept for the next query; a refusal for the number of
results is not (it depends on where the logs are). A rate limit is not a width: it is returned as it came. A
provider that caps nothing costs no extra call, and no query costs more than ``MOST_CALLS``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from web3.middleware import Web3Middleware
from web3.types import RPCEndpoint, RPCResponse

# What providers say when a query spans too many blocks, or returns too many logs.
_RANGE = re.compile(
    r"block range|range (is )?too (large|wide|big)|blocks? (range )?(exceeds|is too)|limited to a [\d,]+ (block )?range"
    r"|max(imum)? (block )?range",
    re.I,
)
_RESULTS = re.compile(r"more than [\d,]+ (results|logs)|response size|too many (results|logs)", re.I)
_NOT_WIDTH = re.compile(r"rate|per second|capacity|quota|credits|invalid|fromblock|greater than", re.I)
# "up to a 2K block range", "a 10,000 block range", "10000 blocks": the width a provider names.
_NAMED = re.compile(r"(\d[\d,]*)\s*(k)?\s*-?block", re.I)
_TAGS = ("latest", "safe", "finalized", "pending")
MOST_CALLS = 5_000


class LogWindows(Web3Middleware):
    """Read a refused ``eth_getLogs`` in block windows the provider answers (see the module)."""

    cap: int | None = None  # the widest window the provider's block-range rule allows, once learned
    _lock = threading.Lock()

    def wrap_make_request(self, make_request: Callable[[RPCEndpoint, Any], RPCResponse]) -> Any:
        def logs(method: RPCEndpoint, params: Any) -> RPCResponse:
            answer = make_request(method, params)
            if method != "eth_getLogs" or _refusal(answer) is None:
                return answer
            query = dict(params[0])
            if "blockHash" in query:
                return answer
            low, high = _block(query.get("fromBlock"), make_request), _block(query.get("toBlock"), make_request)
            if low > high:
                return answer
            return self._in_windows(make_request, method, query, low, high, answer)

        return logs

    def _in_windows(
        self, make_request: Any, method: RPCEndpoint, query: dict[str, Any], low: int, high: int, refused: RPCResponse
    ) -> RPCResponse:
        window = self._narrower(refused, high - low + 1)
        found: list[Any] = []
        start = low
        for _ in range(MOST_CALLS):
            if start > high:
                return _answered(refused, found)
            end = min(high, start + window - 1)
            part = make_request(method, [{**query, "fromBlock": hex(start), "toBlock": hex(end)}])
            if end > start and _refusal(part) is not None:
                window = self._narrower(part, end - start + 1)
                continue
            if "error" in part:
                return part
            found += part["result"]
            start = end + 1
            window = min(window * 2, self.cap or window * 2)  # wider again after a busy stretch
        return refused

    def _narrower(self, refusal: RPCResponse, width: int) -> int:
        """The next window after a query ``width`` blocks wide was refused: the width the provider names, else half;
        a block-range refusal also lowers the cap kept for later queries (a results refusal does not)."""
        kind, named = _refusal(refusal) or ("range", None)
        window = named if named and named < width else max(1, width // 2)
        if kind == "range":  # the widest it allows: what it names, else less than what it refused
            allowed = max(1, named if named and named < width else width - 1)
            with self._lock:
                self.cap = min(self.cap or allowed, allowed)
        return min(window, self.cap) if self.cap else window


def _refusal(answer: RPCResponse) -> tuple[str, int | None] | None:
    """("range" or "results", the width the provider names if it does) when ``answer`` refuses a query for its
    width; else None (no error, or an error a narrower query would not cure: a rate limit, a wrong range)."""
    error = answer.get("error")
    if not error:
        return None
    message = str(error.get("message", "") if isinstance(error, dict) else error)
    if _NOT_WIDTH.search(message):
        return None
    kind = "range" if _RANGE.search(message) else "results" if _RESULTS.search(message) else None
    if kind is None:
        return None
    named = _NAMED.search(message)
    width = int(named.group(1).replace(",", "")) * (1000 if named.group(2) else 1) if named else None
    return kind, width


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

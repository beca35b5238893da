"""Where a transaction's gas goes: a node's opcode trace (``debug_traceTransaction``, the struct logger) summed by
what each step did — each storage slot read and written (by contract and slot), each call's own cost, each log,
hashing, and the rest as computation.

``python benchmarks/gas.py --trace`` prints one breakdown per traced operation. A reader compares two rows: what
the baseline pays and what OST pays, slot by slot.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from web3 import Web3

CALLS = {"CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"}
STORAGE = {"SLOAD", "SSTORE", "TLOAD", "TSTORE"}


@dataclass
class Breakdown:
    """Gas by item: ``("SSTORE", contract, slot)``, ``("CALL", target)``, ``("LOG3", contract)``, ``("compute",)``."""

    used: int
    intrinsic: int
    items: Counter[tuple[str, ...]] = field(default_factory=Counter)

    def lines(self, names: dict[str, str], *, per: int = 1) -> list[str]:
        """One line per kind of work (storage by contract and opcode, with the number of slots), divided by ``per``
        (the rows of a batch)."""

        def named(part: str) -> str:
            return names.get(part.lower(), part[:10] + "…" if part.startswith("0x") and len(part) > 12 else part)

        kinds: Counter[tuple[str, ...]] = Counter()
        slots: dict[tuple[str, ...], set[str]] = {}
        for item, gas in self.items.items():
            kind = item[:2] if item[0] in STORAGE else item
            kinds[kind] += gas
            if item[0] in STORAGE:
                slots.setdefault(kind, set()).add(item[2])
        unit = "" if per == 1 else f" (per row of {per})"
        rows = [f"    {'intrinsic: base and calldata' + unit:<62} {self.intrinsic // per:>8,}"]
        for kind, gas in kinds.most_common():
            label = " ".join(named(p) for p in kind)
            if kind in slots:
                label += f", {len(slots[kind])} slot{'s' if len(slots[kind]) > 1 else ''}"
            rows.append(f"    {label:<62} {gas // per:>8,}")
        rows.append(f"    {'gas used, refunds taken' + unit:<62} {self.used // per:>8,}")
        return rows


def _address(word: str) -> str:
    """A stack word (the node writes it without leading zeros: "0x1") as a 20-byte address."""
    return f"0x{int(word, 16) % 2**160:040x}"


def _slot(word: str) -> str:
    value = int(word, 16)
    return str(value) if value < 2**16 else f"0x{value:064x}"[:10] + "…"


def trace(w3: Web3, tx_hash: Any) -> Breakdown:
    """The breakdown of one mined transaction."""
    receipt = w3.eth.get_transaction_receipt(tx_hash)
    tx = w3.eth.get_transaction(tx_hash)
    raw = w3.provider.make_request(  # type: ignore[arg-type]
        "debug_traceTransaction",
        [Web3.to_hex(tx_hash), {"disableStorage": True, "enableMemory": False, "disableStack": False}],
    )
    logs = raw["result"]["structLogs"]
    data = bytes(tx["input"])
    intrinsic = 21_000 + sum(4 if b == 0 else 16 for b in data)
    out = Breakdown(used=int(receipt["gasUsed"]), intrinsic=intrinsic)
    # The storage context at each depth: a DELEGATECALL keeps its caller's.
    frames: list[str] = [str(tx["to"]).lower()]
    pending: list[tuple[int, tuple[str, ...], int]] = []  # (depth, item, gas before the call)
    callee_spent: list[int] = []
    for i, step in enumerate(logs):
        op, depth, gas = step["op"], step["depth"], step["gas"]
        following = logs[i + 1] if i + 1 < len(logs) else None
        while pending and depth <= pending[-1][0]:
            # Back at the caller's depth: the call's own cost is what it consumed minus its callee's steps.
            call_depth, item, before = pending.pop()
            spent = callee_spent.pop()
            out.items[item] += before - gas - spent
            frames.pop()
            if callee_spent:
                callee_spent[-1] += before - gas
        stack = step.get("stack") or []
        context = frames[-1]
        if op in CALLS and following is not None and following["depth"] == depth + 1:
            target = _address(stack[-2]) if len(stack) >= 2 else "?"
            pending.append((depth, (op, target), gas))
            callee_spent.append(0)
            frames.append(context if op in {"DELEGATECALL", "CALLCODE"} else target)
            continue
        cost = step["gasCost"] if following is None or following["depth"] != depth else gas - following["gas"]
        if callee_spent:
            callee_spent[-1] += cost
        if op in STORAGE and stack:
            out.items[(op, context, _slot(stack[-1]))] += cost
        elif op.startswith("LOG"):
            out.items[(op, context)] += cost
        elif op in CALLS:  # a call to an account without code, or refused before it began
            out.items[(op, _address(stack[-2]) if len(stack) >= 2 else "?")] += cost
        elif op in {"KECCAK256", "SHA3"}:
            out.items[("KECCAK256",)] += cost
        else:
            out.items[("compute", context)] += cost
    return out

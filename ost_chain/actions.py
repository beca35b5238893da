"""What a member may have the town's bridge send for them, gas paid: one registry every channel derives from.

Each action names its contract and its functions by name; their selectors come from the compiled ABI (every
overload of a named function is the action), never from a signature typed here. The relay desk's allowlist, the
page's relayable calls (served in ``/v1/config``), the SMS receipt a relayed action gets, its words in English
and the slug a relayed request is stored under all come from here. A new member action is one entry here, and,
if it has a receipt of a new kind, that receipt in ``api/sms.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .abi import Function

Receipt = Literal["sent", "shares", "basket", "claim"]


@dataclass(frozen=True)
class MemberAction:
    """One action a member may have relayed."""

    slug: str  # how a relayed request records it: stable, never translated
    contract: str  # the compiled contract it calls
    functions: tuple[str, ...]  # its functions, by name: each overload in the ABI is the action
    words: str  # what it does, in English: the relay's answers and logs say it
    receipt: Receipt | None = None  # the SMS a phone member gets when it is confirmed
    page: bool = False  # the town page relays it for a member with no coin for gas

    def entries(self, abi: Sequence[dict[str, Any]]) -> Iterator[Function]:
        """This action's functions in ``abi``, each overload apart; a name the ABI lacks is an error here, at start."""
        found = [e for e in abi if e.get("type") == "function" and e.get("name") in self.functions]
        missing = set(self.functions) - {e["name"] for e in found}
        if missing:
            raise LookupError(f"{self.contract}'s ABI has no {', '.join(sorted(missing))} (member action {self.slug})")
        for entry in found:
            yield Function.entry(entry)  # type: ignore[arg-type]


ACTIONS = (
    MemberAction("send-inf", "InfinityToken", ("transfer",), "send INF", receipt="sent", page=True),
    MemberAction("redeem-basket", "InfinityToken", ("redeem",), "redeem a basket", receipt="basket"),
    MemberAction("permit-inf", "InfinityToken", ("permit",), "permit INF"),
    MemberAction("claim-profit", "ProfitDistributor", ("claim",), "claim profit", receipt="claim", page=True),
    MemberAction(
        "claim-investor-profit",
        "ProfitDistributor",
        ("claimAsInvestor",),
        "claim investor profit",
        receipt="claim",
        page=True,
    ),
    MemberAction("buy-shares", "ShareSale", ("buy", "buyWithPermit"), "buy shares", page=True),
    MemberAction("take-refund", "ShareSale", ("refund",), "take a refund", page=True),
    MemberAction("send-shares", "ShareToken", ("transfer",), "send shares", receipt="shares", page=True),
)
BY_SLUG = {a.slug: a for a in ACTIONS}


Allowlist = dict[str, dict[bytes, tuple[MemberAction, Function]]]


def allowlist(abi_of: Callable[[str], Sequence[dict[str, Any]]]) -> Allowlist:
    """Contract name → selector → (the action, its function): what the relay desk lets through, from the ABIs
    ``abi_of`` gives by contract name."""
    allowed: Allowlist = {}
    for action in ACTIONS:
        for fn in action.entries(abi_of(action.contract)):
            allowed.setdefault(action.contract, {})[fn.selector] = (action, fn)
    return allowed


def on_contract(contract: str) -> list[MemberAction]:
    """The actions a member may have relayed on ``contract``, in the registry's order."""
    return [a for a in ACTIONS if a.contract == contract]


def recorded(value: str) -> MemberAction | None:
    """The action a relayed request was recorded as: by its slug, or by its words as a bridge before slugs recorded
    it (a replica of the previous version may still be writing while another has moved the database on)."""
    return BY_SLUG.get(value) or next((a for a in ACTIONS if a.words == value), None)

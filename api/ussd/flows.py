"""The phone menu's items as declared flows, and the small interpreter that walks a member's answers through one.

A flow is its words in the main menu, the steps it asks (a question whose answer is checked and kept, or the PIN),
and the screen it ends on. The gateway sends every answer of the session each time (``1*0821234567*5*1234``), so a
flow is walked from its first step every time: each answer given is taken by its step, and the first step with no
answer yet is the screen shown. Nothing is kept between requests but the answers themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..i18n import _

if TYPE_CHECKING:
    from .screens import Screens

ASK_PIN = _("Enter your PIN:")
MORE = "00"  # the answer that turns a list's page
Kept = dict[str, Any]  # the answers a flow took so far, by their step's name


class Said(Exception):
    """An answer a step does not take, or a question that cannot be asked: the reply instead (``CON`` to ask again,
    ``END`` to end the session)."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


@dataclass(frozen=True)
class Ask:
    """A question (a ``CON`` screen, worded by ``question``); its answer, once given, is read by ``take`` (which
    raises :class:`Said` for one it does not take) and kept under ``name`` for the steps after it."""

    name: str
    question: Callable[[Screens, Kept], str]
    take: Callable[[Screens, str, Kept], Any]
    paged: bool = False  # a list over several pages: each "00" before the answer turns one (kept as "page")


@dataclass(frozen=True)
class Pin:
    """The member's PIN, checked before any step after it reads or does anything private. ``question`` says what the
    PIN confirms (by default: only "Enter your PIN:")."""

    question: Callable[[Screens, Kept], str] | None = None


@dataclass(frozen=True)
class Flow:
    """One item of the main menu: its words (one catalog entry, short for a phone's page), its steps, and the screen
    it ends on, given what the steps kept and any answers after them (a list's paging)."""

    words: tuple[str, str]
    steps: tuple[Ask | Pin, ...]
    then: Callable[[Screens, Kept, list[str]], str]


def walk(screens: Screens, flow: Flow, given: list[str]) -> str:
    """The reply to ``flow`` after the answers ``given`` to it."""
    kept: Kept = {}
    try:
        for step in flow.steps:
            if isinstance(step, Ask) and step.paged:
                kept["page"] = 0
                while given and given[0] == MORE:
                    kept["page"], given = kept["page"] + 1, given[1:]
            if not given:
                if isinstance(step, Pin):
                    return "CON " + (screens.t(ASK_PIN) if step.question is None else step.question(screens, kept))
                return "CON " + step.question(screens, kept)
            answer, given = given[0], given[1:]
            if isinstance(step, Pin):
                refused = screens.pin_ok(answer)
                if refused is not None:
                    return refused
            else:
                kept[step.name] = step.take(screens, answer, kept)
        return flow.then(screens, kept, given)
    except Said as said:
        return said.reply

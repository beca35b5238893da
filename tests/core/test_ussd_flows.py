"""The phone menu's flow interpreter and page layout, without a chain: a list longer than a page is turned with
"00", the answer after it is read on the page it was given on, and "0" goes back a page."""

from __future__ import annotations

from typing import Any

from api.ussd.flows import Ask, Flow, Said, walk
from api.ussd.layout import answers, fits, paged

LINES = [f"{n} Business number {n} x {n}" for n in range(1, 31)]  # 30 holdings: several pages in any language


class Screens:
    """As much of the menu's screens as a flow without a PIN reads."""

    def t(self, message: str, **values: Any) -> str:
        return message.format(**values)


def choose(s: Screens, kept: dict[str, Any]) -> str:
    return paged("Which?", LINES, "00 More", kept["page"])


def take(s: Screens, answer: str, kept: dict[str, Any]) -> int:
    if not (answer.isdecimal() and 1 <= int(answer) <= len(LINES)):
        raise Said("CON " + choose(s, kept))
    return int(answer)


FLOW = Flow(
    ("phone menu", "Pick"), (Ask("pick", choose, take, paged=True),), lambda s, kept, more: f"END {kept['pick']}"
)


def test_a_long_list_is_paged_and_every_page_fits() -> None:
    pages, page = [], 0
    while True:
        screen = paged("Which?", LINES, "00 More", page)
        assert fits(screen), screen
        pages.append(screen)
        if "00 More" not in screen:
            break
        page += 1
    assert len(pages) > 1
    shown = [line for screen in pages for line in screen.split("\n") if line not in ("Which?", "00 More")]
    assert shown == LINES  # each holding once, in order, across the pages
    assert paged("Which?", LINES, "00 More", 99) == pages[-1]  # past the last page: the last


def test_00_turns_the_page_and_the_answer_after_it_is_taken() -> None:
    first = walk(Screens(), FLOW, [])
    assert first.startswith("CON Which?\n1 Business") and first.endswith("00 More")
    second = walk(Screens(), FLOW, ["00"])
    assert second.startswith("CON Which?\n") and second != first
    later = LINES.index(second.split("\n")[1]) + 1  # the first holding of the second page
    assert walk(Screens(), FLOW, ["00", str(later)]) == f"END {later}"
    assert walk(Screens(), FLOW, ["00", "99"]) == "CON " + second.removeprefix("CON ")  # refused: the same page again
    assert walk(Screens(), FLOW, answers("00*0")) == first  # 0 takes the turn back

"""What fits a phone's page, and reading a member's answers: the session's ``text`` and a typed amount."""

from __future__ import annotations

import re
from typing import Any

from ..i18n import DECIMAL_COMMA, Number, Words, page_room

SALE_NAME = 24  # a sale's name in a list, at most (cut shorter where a page is smaller)


def fits(screen: str) -> bool:
    """Whether ``screen`` fits one USSD page."""
    used, room = page_room(screen)
    return used <= room


def trimmed(reply: str) -> str:
    """``reply`` cut to one page (a long list of shares or a long name), its last line ending in ``...``."""
    kind, screen = reply[:4], reply[4:]
    while not fits(screen) and len(screen) > 3:
        screen = screen[:-4].rstrip() + "..."
    return kind + screen


def paged(header: str, lines: list[str], more: str, page: int) -> str:
    """Page ``page`` (from 0; past the last, the last) of ``lines`` under ``header``, as many as fit a page, with
    ``more`` (the words of "00 More") at its foot when there is a page after it."""
    pages: list[list[str]] = [[]]
    for line in lines:
        if pages[-1] and not fits("\n".join([header, *pages[-1], line, more])):
            pages.append([])
        pages[-1].append(line)
    page = min(page, len(pages) - 1)
    return "\n".join([header, *pages[page], *([more] if page < len(pages) - 1 else [])])


def numbered(sales: list[Any], width: int, start: int = 1) -> list[str]:
    """The sales' lines of a list, numbered on from ``start`` across the pages (the number a member sees is the one
    they answer), each name cut to ``width`` characters."""
    return [f"{n} {s.name[:width].rstrip()}" for n, s in enumerate(sales, start=start)]


def answers(text: str) -> list[str]:
    """The answers so far, ``0`` taking the one before it back."""
    path: list[str] = []
    for part in text.split("*") if text else []:
        if part == "0":
            if path:
                path.pop()
        else:
            path.append(part.strip())
    return path


PLACES = 4  # the decimals a phone shows of an amount (api.i18n.amount_in), and so the most a member types
MOST_INF = 10**12  # whole INF a member may type at most (more than any town holds)
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")  # Arabic-Indic and Persian digits
_GROUPED = re.compile(r"\d{1,3}(?:[.,\u066c]\d{3})+(?:[.,\u066b]\d*)?")


class Unreadable(ValueError):
    """A typed amount the phone does not guess at; its first argument is the sentence that says why (:class:`Words`,
    said in the member's language)."""


def amount(text: str, language: str | None) -> int:
    """A typed amount of INF in its smallest unit, read as the town page reads one (``amountFrom`` in
    api/static/common.js), so that "1,000" is never a thousand on one and one on the other: spaces are ignored and
    Arabic-Indic digits read as 0-9; the decimal sign is the member's language's ("," in Afrikaans and French) or the
    other of "." and "," when not followed by exactly three digits; thousands written apart ("1,000", "1.000") are
    refused, never guessed; at most four decimals, as the balance shows them. Raises :class:`Unreadable`."""
    point = "," if language in DECIMAL_COMMA else "."
    typed = "".join(text.split()).translate(_DIGITS)
    found = re.fullmatch(r"(\d+)(?:([.,\u066b])(\d*))?", typed)
    grouped = Unreadable(
        Words("Write the amount without separating thousands, as 1000 or 1000{point}5. Dial again.", point=point)
    )
    if found is None:
        if _GROUPED.fullmatch(typed):
            raise grouped
        raise Unreadable(Words("Write the amount in figures, as 5 or 2{point}5. Dial again.", point=point))
    whole, sign, fraction = found.group(1), found.group(2), found.group(3) or ""
    if sign and sign not in (point, "\u066b") and len(fraction) == 3:
        raise grouped
    if len(fraction) > PLACES:
        raise Unreadable(Words("Write at most {places} decimals. Dial again.", places=PLACES))
    if int(whole) >= MOST_INF:
        raise Unreadable(Words("Send at most {most} INF. Dial again.", most=Number(MOST_INF)))
    return int(whole) * 10**18 + int(fraction.ljust(18, "0"))

"""What fits a phone's page, and reading a member's answers: the session's ``text`` and a typed amount."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ..i18n import page_room

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


def amount(text: str) -> int | None:
    """A typed amount of INF in its smallest unit: positive, at most two decimals (a comma or a point), at most a
    million million; else None."""
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0 or value > 10**12 or value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 10**18)

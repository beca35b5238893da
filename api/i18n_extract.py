"""Babel extractors for the pages' words (see babel.cfg): the sentences `pybabel extract` writes into
``api/locale/ost.pot``, beside the bridge's own (Babel's Python extractor, by the keywords babel.cfg names).

The page's scripts mark a sentence as ``t('…')``, a literal or literals joined with ``+`` (``N_('…')`` where it is
written apart from where it is said), and one that changes with a number as ``tn('one', 'other', n, …)``; their
HTML marks text with ``data-i18n``, ``data-i18n-label`` and ``data-i18n-placeholder``. Babel's JavaScript lexer
stops at the scripts' regular expressions and template literals; these read exactly what ``t`` and ``tn`` get.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

_LITERAL = r"'(?:[^'\\]|\\.)*'"
_JOINED = _LITERAL + r"(?:\s*\+\s*" + _LITERAL + r")*"
_CALL = re.compile(r"\b(tn|t|N_)\(\s*(" + _JOINED + r")(?:\s*,\s*(" + _JOINED + r"))?")
_ATTRIBUTE = re.compile(r'data-i18n(?:-label|-placeholder)?="([^"]*)"')

Found = tuple[int, str | None, str | tuple[str, str], list[str]]


def _text(joined: str) -> str:
    """The sentence of ``'a' + 'b'``: its literals joined, their escaped quotes unescaped."""
    return "".join(part[1:-1].replace("\\'", "'") for part in re.findall(_LITERAL, joined))


def _line(source: str, offset: int) -> int:
    return source.count("\n", 0, offset) + 1


def page_script(
    fileobj: IO[bytes], keywords: Collection[str], comment_tags: Collection[str], options: Mapping[str, Any]
) -> Iterator[Found]:
    """``t('…')``, ``N_('…')`` and ``tn('one', 'other', …)`` in one of the page's scripts."""
    source = fileobj.read().decode(options.get("encoding", "utf-8"))
    for call in _CALL.finditer(source):
        name, first, second = call.groups()
        if name == "tn" and second is not None:
            yield _line(source, call.start()), "tn", (_text(first), _text(second)), []
        elif name != "tn":
            yield _line(source, call.start()), name, _text(first), []


def page_html(
    fileobj: IO[bytes], keywords: Collection[str], comment_tags: Collection[str], options: Mapping[str, Any]
) -> Iterator[Found]:
    """The text a page's HTML marks with ``data-i18n…`` attributes."""
    source = fileobj.read().decode(options.get("encoding", "utf-8"))
    for mark in _ATTRIBUTE.finditer(source):
        yield _line(source, mark.start()), None, mark.group(1), []

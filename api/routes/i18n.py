"""The page's words in the member's language: the same gettext catalogs as the phone menu and the SMS receipts
(``api/locale/<lang>/LC_MESSAGES/ost.po``, one place per language)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ..i18n import LANGUAGES, RIGHT_TO_LEFT, Words, catalog, plurals
from ..problems import Problem

router = APIRouter(prefix="/v1/i18n", tags=["town"])


@router.get("")
def languages() -> dict[str, Any]:
    """The languages the town speaks, each in its own words, and which read right to left."""
    return {
        "languages": [
            {"code": code, "name": name, "dir": "rtl" if code in RIGHT_TO_LEFT else "ltr"}
            for code, name in LANGUAGES.items()
        ],
        "default": "en",
    }


@router.get("/{language}")
def messages(language: str) -> dict[str, Any]:
    """Every translated message of ``language`` (English text → translation; English itself: none), and those that
    change with a number (English singular → CLDR plural category → form, for ``Intl.PluralRules``). Placeholders
    are ``{name}``. What is worded apart for another place (the phone menu's items, in their context) is not the
    page's."""
    if language not in LANGUAGES:
        raise Problem(
            404,
            Words(
                "This town does not speak '{code}': choose one of {languages}.",
                code=language,
                languages=", ".join(LANGUAGES),
            ),
        )
    return {
        "code": language,
        "dir": "rtl" if language in RIGHT_TO_LEFT else "ltr",
        "messages": {english: said for english, said in catalog(language).items() if "\x04" not in english},
        "plurals": plurals(language),
    }

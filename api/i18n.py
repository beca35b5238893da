"""Messages in the member's language: gettext catalogs (``api/locale/<lang>/LC_MESSAGES/ost.po``), read with Babel.

English is the source (the ``msgid``); a town adds a language by adding a catalog (``pybabel init -D ost -l xh``).
Placeholders are ``{name}``, filled with :meth:`str.format`. The USSD menus and the SMS receipts use these
catalogs; the dashboard can read the same ones.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parent / "locale"
LANGUAGES = {"en": "English", "af": "Afrikaans", "ar": "العربية", "fr": "Français"}  # in each one's own words
RIGHT_TO_LEFT = {"ar"}


@cache
def catalog(language: str) -> dict[str, str]:
    """The translations of ``language`` (msgid → msgstr); English and an unknown language: none."""
    path = LOCALE / language / "LC_MESSAGES" / "ost.po"
    if language == "en" or not path.is_file():
        return {}
    with path.open("rb") as source:
        messages = read_po(source, locale=language, domain="ost")
    return {str(m.id): str(m.string) for m in messages if m.id and m.string and not m.fuzzy}


def say(language: str | None, message: str, **values: object) -> str:
    """``message`` in ``language`` (English when it has no translation), its placeholders filled."""
    text = catalog(language or "en").get(message, message)
    return text.format(**values) if values else text


# GSM 03.38: what one septet carries (and the extension table's, which take two).
_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€")
USSD_SEPTETS = 182  # one USSD page in the GSM 7-bit alphabet
USSD_UCS2 = 80  # one page when any character needs UCS-2 (Arabic, ê, ç): 160 octets, 2 a character


def page_room(screen: str) -> tuple[int, int]:
    """(what ``screen`` takes of one USSD page, what the page holds), in the encoding the network will use."""
    if all(c in _GSM7 or c in _GSM7_EXTENDED for c in screen):
        return sum(2 if c in _GSM7_EXTENDED else 1 for c in screen), USSD_SEPTETS
    return len(screen.encode("utf-16-le")) // 2, USSD_UCS2

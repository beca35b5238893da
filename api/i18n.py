"""Messages in the member's language: gettext catalogs (``api/locale/<lang>/LC_MESSAGES/ost.po``), read with Babel.

English is the source (the ``msgid``); a town adds a language by adding a catalog, made from the template
``locale/ost.pot`` that ``make catalogs`` extracts (``pybabel init -i api/locale/ost.pot -d api/locale -D ost -l xh``).
Placeholders are ``{name}``, filled with :meth:`str.format`. The USSD menus and the SMS receipts use these
catalogs; the dashboard can read the same ones.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from gettext import c2py
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.pofile import read_po

from ost_chain.units import format_amount

LOCALE = Path(__file__).resolve().parent / "locale"
LANGUAGES = {"en": "English", "af": "Afrikaans", "ar": "العربية", "fr": "Français"}  # in each one's own words
RIGHT_TO_LEFT = {"ar"}


def begun() -> list[str]:
    """The languages whose catalog was started (``pybabel init``) but which the town does not offer yet: a language
    is offered (:data:`LANGUAGES`) once every sentence has its translation (tests/core/test_catalogs.py)."""
    return sorted(
        p.name for p in LOCALE.iterdir() if (p / "LC_MESSAGES" / "ost.po").is_file() and p.name not in LANGUAGES
    )


def progress(language: str) -> str:
    """How far ``language``'s catalog is: "xh: 12 of 339 sentences translated"."""
    with (LOCALE / language / "LC_MESSAGES" / "ost.po").open("rb") as source:
        entries = [m for m in read_po(source, locale=language, domain="ost") if m.id]
    done = sum(
        1 for m in entries if (all(m.string) if isinstance(m.string, tuple | list) else m.string) and not m.fuzzy
    )
    return f"{language}: {done} of {len(entries)} sentences translated"


@cache
def catalog(language: str) -> dict[str, str]:
    """The translations of ``language`` (msgid → msgstr; one said in a context, as ``context\x04msgid``, gettext's
    own key); English and an unknown language: none."""
    path = LOCALE / language / "LC_MESSAGES" / "ost.po"
    if language == "en" or not path.is_file():
        return {}
    with path.open("rb") as source:
        messages = read_po(source, locale=language, domain="ost")
    return {
        f"{m.context}\x04{m.id}" if m.context else m.id: m.string
        for m in messages
        if isinstance(m.id, str) and isinstance(m.string, str) and m.string and not m.fuzzy
    }


@cache
def plurals(language: str) -> dict[str, dict[str, str]]:
    """The translations of ``language`` that change with a number (``msgid_plural``): the English singular → each
    CLDR plural category the language has (``one``, ``two``, ``few``, ``many``, ``other``…) → its form, as a page
    picks them with ``Intl.PluralRules``. English and an unknown language: none."""
    path = LOCALE / language / "LC_MESSAGES" / "ost.po"
    if language == "en" or not path.is_file():
        return {}
    with path.open("rb") as source:
        messages = read_po(source, locale=language, domain="ost")
    which = c2py(messages.plural_expr)  # the catalog's own rule: a number → the index of its form
    rules = Locale.parse(language)
    category = {rules.plural_form(n): which(n) for n in range(1_000)}  # CLDR's category → the catalog's form
    out: dict[str, dict[str, str]] = {}
    for m in messages:
        forms = m.string
        if isinstance(m.id, tuple) and isinstance(forms, tuple | list) and all(forms) and not m.fuzzy:
            out[m.id[0]] = {name: forms[index] for name, index in category.items()}
    return out


def _(sentence: str) -> str:
    """Marks ``sentence`` for the catalogs where it is written apart from where it is said (a table of refusals, a
    constant): `pybabel extract` finds it by this name (babel.cfg); it is translated where it is said."""
    return sentence


def say_n(language: str | None, one: str, other: str, n: int, /, **values: object) -> str:
    """The sentence for the number ``n`` in ``language``: the catalog's form for ``n``'s plural category (Arabic has
    six), else English's ``one`` or ``other``; its placeholders filled."""
    forms = plurals(language or "en").get(one)
    text = one if n == 1 else other
    if forms:
        text = forms.get(Locale.parse(language or "en").plural_form(n)) or forms.get("other") or text
    return text.format(**values)


def in_context(context: str, message: str) -> tuple[str, str]:
    """Marks ``message`` for the catalogs as said in ``context`` (where the same English is worded apart, as the
    phone menu's short items are from the page's buttons): ``say_in`` says it."""
    return context, message


def say_in(language: str | None, marked: tuple[str, str], /, **values: object) -> str:
    """A message marked :func:`in_context`, in ``language`` (English when it has no translation in that context)."""
    context, message = marked
    text = catalog(language or "en").get(f"{context}\x04{message}", message)
    return text.format(**values) if values else text


def say(language: str | None, message: str, /, **values: object) -> str:
    """``message`` in ``language`` (English when it has no translation), its placeholders filled."""
    text = catalog(language or "en").get(message, message)
    return text.format(**values) if values else text


class Words(str):
    """A sentence for a person that keeps its English template and values, so it can be said again in their language
    (:func:`in_language`). As a ``str`` it is the English sentence: logs and programs read that."""

    template: str
    values: dict[str, object]

    def __new__(cls, template: str, /, **values: object) -> Words:
        made = super().__new__(cls, template.format(**values) if values else template)
        made.template, made.values = template, values
        return made


def sentence_of(exc: BaseException) -> str:
    """What a refusal says: its sentence as :class:`Words` when it was made so (said in the reader's language),
    else its text."""
    first = exc.args[0] if exc.args else None
    return first if isinstance(first, Words) else str(exc)


class When(str):
    """A moment in a sentence (a :class:`Words` value): a date and time in the town's zone, written as the reader's
    language writes them (:func:`moment`), never a unix time. As a ``str`` it is the English."""

    timestamp: int
    zone: str

    def __new__(cls, timestamp: int, zone: str) -> When:
        made = super().__new__(cls, moment(timestamp, zone, None))
        made.timestamp, made.zone = timestamp, zone
        return made

    def said_in(self, language: str | None) -> str:
        return moment(self.timestamp, self.zone, language)


DECIMAL_COMMA = {"af", "fr"}  # the languages that write 1 234,5 (the town page's Intl.NumberFormat writes them so)


def amount_in(language: str | None, units: int, decimals: int, symbol: str) -> str:
    """An amount as a member's language writes it, on a phone or in an SMS: whole units, at most four decimals, its
    currency. Afrikaans and French write a decimal comma and a space between thousands (``1 234,5 INF``: a plain
    space, which the phone's 7-bit alphabet has, where the page writes a narrower one); English and Arabic a decimal
    point (``1,234.5 INF``, with the digits the phone's keys type)."""
    text = format_amount(units, decimals, places=4)
    if language in DECIMAL_COMMA:
        text = text.replace(",", " ").replace(".", ",")
    return f"{text} {symbol}"


class Number(str):
    """A whole number in a sentence (a :class:`Words` value), written as the reader's language groups its thousands
    (``1,500,000``; ``1 500 000`` in Afrikaans and French). As a ``str`` it is the English."""

    value: int

    def __new__(cls, value: int) -> Number:
        made = super().__new__(cls, f"{value:,}")
        made.value = value
        return made

    def said_in(self, language: str | None) -> str:
        return f"{self.value:,}".replace(",", " ") if language in DECIMAL_COMMA else f"{self.value:,}"


def count_in(language: str | None, n: int) -> str:
    """A count (shares, members) as ``language`` groups its thousands, on a phone or in an SMS: ``5,000``, or
    ``5 000`` in Afrikaans and French (a plain space, as :func:`amount_in` writes)."""
    return Number(n).said_in(language)


def in_language(text: str, language: str | None) -> str:
    """``text`` in ``language``: a :class:`Words` from its template (values that are words themselves translated
    too), any other sentence when the catalog has it whole; else as it is (English). A translation that cannot be
    filled (a catalog's mistake) gives the English: a sentence is never lost to it."""
    if not language or language == "en":
        return str(text)
    try:
        if isinstance(text, Words):
            values = {k: _value_in(v, language) for k, v in text.values.items()}
            return say(language, text.template, **values)
        return catalog(language).get(str(text), str(text))
    except (KeyError, IndexError, ValueError, AttributeError):
        return str(text)


def _value_in(value: object, language: str) -> object:
    """A value of a sentence as ``language`` says it: words and moments in it too."""
    if isinstance(value, Words):
        return in_language(value, language)
    return value.said_in(language) if isinstance(value, (When, Number)) else value


_Q = re.compile(r"(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)")


def chosen_language(accept_language: str | None) -> str:
    """The language of an ``Accept-Language`` header (RFC 9110) the town speaks with the highest weight (the first
    given among equals); English when it names none, or refuses all it names (``q=0``)."""
    offered: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, *params = (piece.strip() for piece in part.split(";"))
        code = tag.split("-")[0].lower()
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                weight = float(value.strip()) if _Q.fullmatch(value.strip()) else 0.0  # a weight unread: refused
        if code in LANGUAGES and weight > 0:
            offered.append((-weight, position, code))
    return min(offered)[2] if offered else "en"


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


def moment(timestamp: int, zone: str, language: str | None) -> str:
    """A unix time as a date and time in ``zone``, written as ``language`` writes them: ``3 March 2026 14:00 SAST``,
    ``3 Maart 2026 14:00 SAST``."""
    at = datetime.fromtimestamp(timestamp, ZoneInfo(zone))
    locale = language or "en"
    return f"{format_date(at, 'long', locale=locale)} {format_time(at, 'HH:mm', locale=locale)} {at.tzname()}"

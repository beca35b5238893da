"""The message catalogs: every translation fills the same placeholders as its English, or a screen would fail."""

from __future__ import annotations

import ast
import re
import string
from functools import cache

import pytest
from babel import Locale
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from api.custody import e164
from api.i18n import (
    LANGUAGES,
    LOCALE,
    Words,
    begun,
    catalog,
    chosen_language,
    in_language,
    plurals,
    progress,
    say_n,
    sentence_of,
)
from ost_chain.enums import LABEL_WORDS, Phase, Tier
from ost_chain.exceptions import ConfigError

FIELDS = re.compile(r"{(\w*)}")


def fields(text: str) -> list[tuple[str, str, str]]:
    """Each replacement field of ``text``: name, format spec, conversion (raises on a stray brace)."""
    return sorted(
        (name, spec or "", conversion or "")
        for _, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    )


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_translation_has_the_placeholders_of_its_english(language: str) -> None:
    assert (LOCALE / language / "LC_MESSAGES" / "ost.po").is_file()
    messages = catalog(language)
    assert messages, f"no translations read for {language}"
    for english, translated in messages.items():
        assert sorted(FIELDS.findall(english)) == sorted(FIELDS.findall(translated)), (language, english)
        assert fields(translated) == fields(english), (language, english)  # no {x!r}, {x:,} or {x.y} of its own


ROOT = LOCALE.parents[1]


@cache
def extracted() -> dict[str, str | None]:
    """Every sentence marked for translation, as `make catalogs` extracts it into api/locale/ost.pot (babel.cfg): its
    English → the English of its plural (None when it has none)."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str, str | None] = {}
    for _, _, message, _, context in extract_from_dir(ROOT, method_map, options_map, keywords={"_": None}):
        if isinstance(message, tuple):
            found[message[0]] = message[1]
        else:  # one said in a context is kept as gettext keys it (and as api.i18n.catalog reads it)
            found.setdefault(f"{context}\x04{message}" if context else message, None)
    return found


def test_the_template_holds_every_marked_sentence_of_the_bridge_the_phone_and_the_pages() -> None:
    """Issue 28: api/locale/ost.pot is what `pybabel init` starts a new language from, and what each catalog is
    updated from: it holds every marked sentence (run `make catalogs` after marking one). The scan reaches each way a
    sentence is marked — the phone's screens and SMS receipts too, which fell back to English unnoticed before."""
    with (LOCALE / "ost.pot").open("rb") as source:
        template = {
            (f"{m.context}\x04" if m.context else "") + (m.id if isinstance(m.id, str) else m.id[0]): m.id
            for m in read_po(source)
            if m.id
        }
    found = extracted()
    assert sorted(set(found) - set(template)) == [], "marked but not in ost.pot: run `make catalogs`"
    assert sorted(set(template) - set(found)) == [], "in ost.pot but marked nowhere now: run `make catalogs`"
    for sentence in (
        "Enter your PIN:",  # a phone screen: self.t("…")
        "You sent {amount} to {name}.",  # an SMS receipt: say(language, "…")
        "Wrong PIN. {left} try left.",  # say_n(language, "one", "other", n)
        "The chain cannot be reached just now; what you sent is safe. Retry in a few seconds.",  # _("…")
        "Find a business",  # a page's HTML: data-i18n
        "Business plan",  # a page's table: N_('…')
        "the town's members",  # who may buy in a phase (ost_chain/enums.py)
        "phone menu\x04Claim profit",  # the phone menu's item, worded apart from the page's button
    ):
        assert sentence in found, sentence
    assert found["Wrong PIN. {left} try left."] == "Wrong PIN. {left} tries left."
    assert {*Phase.labels(), *Tier.labels()} <= set(LABEL_WORDS) <= set(found)  # the page says t(b.phase)


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_sentence_the_page_and_the_bridge_say_has_a_translation(language: str) -> None:
    wanted = extracted()
    assert len(wanted) > 300  # the scan still finds them
    have = set(catalog(language)) | set(plurals(language))
    missing = sorted(set(wanted) - have)
    assert not missing, f"{language} lacks {len(missing)}: {missing[:5]}"


@pytest.mark.parametrize("language", begun())
def test_a_language_begun_holds_every_sentence_to_translate_and_its_own_plural_rule(language: str) -> None:
    """A language under way (isiXhosa: docs/extending.md) is not offered until the test above passes for it; until
    then its catalog holds every sentence there is to translate (`make catalogs` adds the new ones and says how far
    it is), with the plural rule of its language."""
    path = LOCALE / language / "LC_MESSAGES" / "ost.po"
    with path.open("rb") as source:
        messages = read_po(source, locale=language, domain="ost")
    held = {(f"{m.context}\x04" if m.context else "") + (m.id if isinstance(m.id, str) else m.id[0]) for m in messages}
    missing = sorted(set(extracted()) - held)
    assert not missing, f"{language}'s catalog lacks {len(missing)} sentences: run `make catalogs` ({missing[:3]})"
    assert messages.plural_forms == get_plural(language).plural_forms  # as `pybabel init` writes it
    assert "of" in progress(language) and language not in LANGUAGES


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_sentence_that_changes_with_a_number_has_each_form_the_language_has(language: str) -> None:
    """The page picks a form by the number's CLDR category (Intl.PluralRules): each category of the language has
    one, and a form fills no field its English does not have (Arabic says "ساعتان", two hours, with no number)."""
    wanted = {one: other for one, other in extracted().items() if other is not None}
    forms = plurals(language)
    assert len(wanted) >= 12
    categories = set(Locale.parse(language).plural_form.rules) | {"other"}
    for one, other in wanted.items():
        assert one in forms, f"{language} lacks the forms of {one!r}"
        assert "other" in forms[one] and set(forms[one]) <= categories, (language, one)  # a rare one: "other"
        for form in forms[one].values():
            assert {f[0] for f in fields(form)} <= {f[0] for f in fields(other)}, (language, one, form)
        assert fields(forms[one]["other"]) == fields(other), (language, one)  # the general form says the number


def test_arabic_says_each_number_with_its_own_form() -> None:
    """Arabic's six forms, pinned: a catalog tool that rewrote the Plural-Forms header in another order would swap
    them (GNU's formula puts 11 to 99 before 100 to 102; Babel's, used here, after)."""
    shares = plurals("ar")["{shares} share of {name} ({symbol}), worth {value} at the sale price ({phase})"]
    said = {n: shares[Locale.parse("ar").plural_form(n)].split(" في ")[0] for n in (0, 1, 2, 3, 11, 100)}
    assert said == {
        0: "{shares} سهم",
        1: "سهم واحد",
        2: "سهمان",
        3: "{shares} أسهم",
        11: "{shares} سهمًا",
        100: "{shares} سهم",
    }


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("af-ZA,af;q=0.9,en;q=0.8", "af"),
        ("en;q=0.5, ar", "ar"),  # by weight, not order
        ("fr;Q=0, af;q=0.1", "af"),  # a refused language is never chosen, however its q is written
        ("fr;level=1;q=0, en;q=0.2", "en"),
        ("fr;q=abc, ar;q=0.3", "ar"),  # a weight that does not parse: refused
        ("fr;q=2", "en"),  # out of range: refused
        ("xh, de;q=0.5", "en"),  # none the town speaks
        ("", "en"),
        (None, "en"),
        ("*", "en"),
    ],
)
def test_the_language_asked_for_is_the_town_s_with_the_highest_weight(header: str | None, chosen: str) -> None:
    assert chosen_language(header) == chosen


def test_a_sentence_whose_translation_cannot_be_filled_stays_english(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = {"No business #{id} in this town.": "Geen besigheid #{nommer} nie."}  # a catalog's typo
    monkeypatch.setattr("api.i18n.catalog", lambda language: broken)
    assert in_language(Words("No business #{id} in this town.", id=7), "af") == "No business #7 in this town."
    assert in_language(Words("{a}", a="{id}"), "fr") == "{id}"  # a value's braces are text, never fields


@pytest.mark.parametrize(
    ("language", "n", "said"),
    [
        ("en", 1, "Wrong PIN. 1 try left."),
        ("af", 1, "Verkeerde PIN. Nog 1 kans."),
        ("fr", 1, "PIN faux. Encore 1 essai."),
        ("ar", 1, "رقم سري خاطئ. بقيت محاولة واحدة."),
        ("ar", 2, "رقم سري خاطئ. بقيت محاولتان."),
        ("en", 2, "Wrong PIN. 2 tries left."),
    ],
)
def test_the_phone_says_the_tries_left_with_the_number_s_own_form(language: str, n: int, said: str) -> None:
    """Issue 27 #10: the phone said "Wrong PIN. 1 tries left.", "Nog 1 kanse." and "بقيت 1 محاولات" (Arabic's singular
    and dual missing)."""
    from api.i18n import say_n

    assert say_n(language, "Wrong PIN. {left} try left.", "Wrong PIN. {left} tries left.", n, left=n) == said


def test_arabic_counts_take_the_form_arabic_grammar_gives_them() -> None:
    """Found by review: the phone's "shares left" had Arabic's two forms for 11-99 and for 100-102 swapped (the
    catalog's index 4 is CLDR's "other", 100-102; index 5 its "many", 11-99)."""
    said = {
        n: say_n("ar", "{who}: {left} share left", "{who}: {left} shares left", n, who="الأعضاء", left=n)
        for n in (0, 1, 2, 3, 11, 99, 100, 102)
    }
    assert said[1] == "الأعضاء: بقي سهم واحد" and said[2] == "الأعضاء: بقي سهمان"
    assert said[3] == "الأعضاء: بقيت 3 أسهم"
    assert said[11].endswith("11 سهمًا") and said[99].endswith("99 سهمًا")
    assert said[100].endswith("100 سهم") and said[102].endswith("102 سهم")


def test_every_refusal_the_bridge_writes_is_marked_to_be_said_in_the_reader_s_language() -> None:
    """Issue 28 #6: a Problem's detail written in the bridge as plain English (an f-string, or a literal no catalog
    holds) reached an Afrikaans, Arabic or French reader in English (49 of them). Each is Words("…", value=…) now,
    or a sentence marked _("…"): the scan finds none left. (It reads what is written, not what is made at run time:
    a refusal passed on from an error is said through `sentence_of(exc)`, and what is left of those is in the notes.)"""
    marked = set(extracted())
    plain: dict[str, int] = {}
    for path in sorted((ROOT / "api").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            name = getattr(node, "func", None)
            if not isinstance(node, ast.Call) or getattr(name, "id", getattr(name, "attr", None)) not in REFUSING:
                continue
            for arg in node.args:
                english = isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value not in marked
                if english or isinstance(arg, ast.JoinedStr):
                    where = str(path.relative_to(ROOT))
                    plain[where] = plain.get(where, 0) + 1
    assert plain == {}, "a refusal in plain English: mark it Words(…) and translate it (docs/extending.md)"


REFUSING = {"Problem", "_unauthorized", "respond"}  # what answers a request with a sentence


def test_a_number_that_is_no_phone_number_is_said_in_the_reader_s_language() -> None:
    """The review after issue 28 #6: a refusal made from an error's text (`str(exc)`) stayed English."""
    with pytest.raises(ConfigError) as refused:
        e164("+2782abc", "ZA")
    assert in_language(sentence_of(refused.value), "fr") == (
        "'+2782abc' n'est pas un numéro de téléphone : écrivez-le comme +27 82 123 4567, ou tel qu'on le compose en ZA."
    )
    assert str(refused.value).startswith("'+2782abc' is not a phone number")  # the command and the logs: English


@pytest.mark.parametrize(
    ("language", "said"),
    [("en", "1,234.5 INF"), ("ar", "1,234.5 INF"), ("af", "1 234,5 INF"), ("fr", "1 234,5 INF"), (None, "1,234.5 INF")],
)
def test_an_amount_on_the_phone_is_written_as_the_member_s_language_writes_it(language: str | None, said: str) -> None:
    """Found by a new user's trial: the phone and the SMS wrote "0.5 INF" to an Afrikaans member, whose town page
    writes "0,5 INF". Afrikaans and French write a decimal comma and a space between thousands (a plain one: the
    phone's 7-bit alphabet has no narrower space), and stay on one GSM-7 page."""
    from api.i18n import amount_in, page_room

    assert amount_in(language, 1_234_500_000_000_000_000_000, 18, "INF") == said
    assert amount_in(language, 5 * 10**17, 18, "INF") == ("0,5 INF" if language in ("af", "fr") else "0.5 INF")
    used, room = page_room(said)
    assert room == 182  # GSM-7: not a character that would halve the page


@pytest.mark.parametrize(
    ("language", "said"), [("en", "12,000"), ("ar", "12,000"), ("af", "12 000"), ("fr", "12 000"), (None, "12,000")]
)
def test_a_count_of_shares_on_the_phone_is_grouped_as_the_page_groups_it(language: str | None, said: str) -> None:
    """Seen last session and left: the phone wrote "12000 shares" where the member's page writes 12,000 (12 000 in
    Afrikaans and French). A count is grouped as an amount is, on the phone and in the SMS."""
    from api.i18n import count_in

    assert count_in(language, 12_000) == said
    assert count_in(language, 999) == "999"


def test_none_agrees_with_its_noun_where_the_language_says_so() -> None:
    """Found by a new user's trial: the French balance screen said "Parts : aucun" (une part: aucune)."""
    from api.i18n import say, say_in
    from api.ussd.items import NO_SHARES

    assert (say("fr", "none"), say_in("fr", NO_SHARES)) == ("aucun", "aucune")
    assert say_in("en", NO_SHARES) == "none" and say_in("af", NO_SHARES) == "geen"

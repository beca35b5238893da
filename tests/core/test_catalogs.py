"""The message catalogs: every translation fills the same placeholders as its English, or a screen would fail."""

from __future__ import annotations

import re
import string

import pytest

from api.i18n import LANGUAGES, LOCALE, catalog

FIELDS = re.compile(r"{(\w*)}")


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_translation_has_the_placeholders_of_its_english(language: str) -> None:
    assert (LOCALE / language / "LC_MESSAGES" / "ost.po").is_file()
    messages = catalog(language)
    assert messages, f"no translations read for {language}"
    for english, translated in messages.items():
        assert sorted(FIELDS.findall(english)) == sorted(FIELDS.findall(translated)), (language, english)
        list(string.Formatter().parse(translated))  # well formed: no stray brace

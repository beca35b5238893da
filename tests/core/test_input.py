"""Bad input refused with one sentence before anything is sent (issue 27 #2, #3): amounts of any size, in plain digits,
and phone numbers that are numbers."""

from __future__ import annotations

import pytest

from api.custody import e164
from ost_chain.exceptions import ConfigError
from ost_chain.units import UINT96_MAX, format_amount, parse_amount


@pytest.mark.parametrize("typed", ["99999999999999999999999999999", "1e30", "1e40", "123456789012345678901234567890.5"])
def test_an_amount_of_any_size_is_read_or_refused_and_said_in_plain_digits(typed: str) -> None:
    """Before, `ost inf send … 1e30` ended in decimal.InvalidOperation (a Decimal holds 28 digits), and a deposit of
    1e40 ETH was said as 'the 1e+40 ETH'."""
    units = parse_amount(typed, 18, "INF amount")
    said = format_amount(units, 18, 4)
    assert "e+" not in said.lower() and said.replace(",", "").split(".")[0].isdigit()
    with pytest.raises(ConfigError) as refused:
        parse_amount(typed, 18, "daily cap", most=UINT96_MAX)
    assert "more than can be held here (79,228,162,514 at most)" in str(refused.value)
    assert "e+" not in str(refused.value).lower()


def test_every_uint256_is_said_exactly() -> None:
    assert format_amount(2**256 - 1, 18).endswith(".584007913129639935")
    assert format_amount(10**48, 18, 4) == "1,000,000,000,000,000,000,000,000,000,000"


@pytest.mark.parametrize("typed", ["1e999", "nan", "inf", "-1", "0"])
def test_what_no_one_could_hold_is_one_sentence(typed: str) -> None:
    with pytest.raises(ConfigError):
        parse_amount(typed, 18)


@pytest.mark.parametrize("typed", ["+2782abc", "+2782222", "082-CALL-NOW", "+27 82 123", ""])
def test_a_phone_number_with_letters_or_too_few_digits_is_refused(typed: str) -> None:
    """Before, +2782abc signed up +2782222: phonenumbers reads letters as keypad digits, and calls the five-digit
    number valid."""
    with pytest.raises(ConfigError, match="is not a phone number"):
        e164(typed, "ZA")


@pytest.mark.parametrize(
    ("typed", "region", "number"),
    [
        ("082 123 4567", "ZA", "+27821234567"),
        ("+27 (21) 123-4567", "ZA", "+27211234567"),
        ("03 123 456", "LB", "+9613123456"),
        ("+961 71 123 456", "ZA", "+96171123456"),
    ],
)
def test_a_phone_number_as_people_write_it_is_read(typed: str, region: str, number: str) -> None:
    assert e164(typed, region) == number

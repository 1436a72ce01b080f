"""Reading and printing numbers the Vietnamese way."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.numbers import (
    MAX_DIGITS,
    NUMBER,
    format_decimal,
    format_percent,
    parse_decimal,
    parse_integer,
)


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("65", "65"),
        ("65,5", "65.5"),
        ("65.5", "65.5"),
        ("80,37", "80.37"),
        ("0", "0"),
        ("00", "0"),
        ("007", "7"),
        ("100", "100"),
        (" 65 ", "65"),
        ("1.234.567", "1234567"),
        ("1,234,567", "1234567"),
        ("1 234", "1234"),
        ("1 234 567", "1234567"),
        ("１２", "12"),
        ("0,65", "0.65"),
    ],
)
def test_parse_decimal(token, expected):
    assert parse_decimal(token) == Decimal(expected)


@pytest.mark.parametrize(
    "token",
    ["", "   ", "abc", "1..2", "1.2.3", "1.23.456", "1.234,5", "1,234.5", "12 34", "6 5", "65%"],
)
def test_parse_decimal_rejects(token):
    assert parse_decimal(token) is None


def test_one_separator_is_a_decimal_mark():
    # "1.234" alone reads as one and a bit; several groups read as thousands.
    assert parse_decimal("1.234") == Decimal("1.234")
    assert parse_decimal("1,5") == Decimal("1.5")


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("13", 13),
        ("0", 0),
        ("1234", 1234),
        ("1.234", 1234),
        ("1,234", 1234),
        ("1 234", 1234),
        ("1.234.567", 1234567),
        ("1 234 567", 1234567),
        (" 42 ", 42),
        ("１３", 13),
    ],
)
def test_parse_integer(token, expected):
    assert parse_integer(token) == expected


@pytest.mark.parametrize(
    "token", ["", "12,5", "12.5", "1.23", "1.2345", "1.234,5", "12 34", "-5", "abc", "1.234,567"]
)
def test_parse_integer_rejects(token):
    assert parse_integer(token) is None


def test_too_many_digits_is_not_a_figure():
    assert parse_integer("9" * MAX_DIGITS) == int("9" * MAX_DIGITS)
    assert parse_integer("9" * (MAX_DIGITS + 1)) is None
    assert parse_integer("9" * 5000) is None
    assert parse_decimal("9" * 5000) is None
    assert parse_decimal("1" + "0" * 40) is None


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("65,5%", ["65,5"]),
        ("175/300", ["175", "300"]),
        ("1.234.567 hộ", ["1.234.567"]),
        ("1 234 hộ", ["1 234"]),
        ("6 5", ["6", "5"]),
        ("65-70", ["65", "70"]),
        ("không có", []),
    ],
)
def test_number_pattern(text, found):
    assert NUMBER.findall(text) == found


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        ("80.370", 2, "80,37"),
        ("80.37", 2, "80,37"),
        ("65.50", 2, "65,5"),
        ("0", 2, "0"),
        ("100", 2, "100"),
        ("1E+2", 2, "100"),
        ("1234567.891", 2, "1.234.567,89"),
        ("1234567.891", 0, "1.234.568"),
        ("1000", 2, "1.000"),
        ("-5.5", 2, "-5,5"),
        ("-0.001", 2, "0"),
        ("0.001", 2, "0"),
        ("58.333333", 2, "58,33"),
        ("58.333333", 1, "58,3"),
        ("2.5", 0, "2"),
    ],
)
def test_format_decimal(value, places, expected):
    assert format_decimal(Decimal(value), places=places) == expected


def test_format_percent():
    assert format_percent(Decimal("80.37")) == "80,37%"
    assert format_percent(Decimal("100")) == "100%"
    assert format_percent(Decimal("58.3333"), places=1) == "58,3%"


@given(st.decimals(min_value=-999, max_value=999, places=2))
def test_format_then_parse_decimal_round_trip(value):
    text = format_decimal(value)
    assert parse_decimal(text.removeprefix("-")) == abs(value)


@given(st.integers(min_value=0, max_value=10**MAX_DIGITS - 1))
def test_integer_grouping_round_trip(number):
    text = format_decimal(Decimal(number))
    assert parse_integer(text) == number
    assert NUMBER.fullmatch(text)

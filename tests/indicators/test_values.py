"""Report values and their exact JSON form."""

import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.values import (
    CountValue,
    PartsValue,
    PercentValue,
    RatioValue,
    Status,
    StatusValue,
    YesNoValue,
    value_from_data,
    value_to_data,
)

percents = st.decimals(allow_nan=False, allow_infinity=False, min_value=-1000, max_value=10**6).map(
    PercentValue
)
ratios = st.builds(
    RatioValue,
    st.integers(min_value=0, max_value=10**12),
    st.integers(min_value=1, max_value=10**12),
)
counts = st.builds(CountValue, st.integers(min_value=0, max_value=10**15))
yesnos = st.builds(YesNoValue, st.booleans())
statuses = st.builds(StatusValue, st.sampled_from(list(Status)))
parts = st.builds(PartsValue, st.lists(percents | ratios, max_size=4).map(tuple))
any_value = percents | ratios | counts | yesnos | statuses | parts


@given(any_value)
def test_round_trip(value):
    data = value_to_data(value)
    assert value_from_data(data) == value
    # JSON-safe, and still exact after going through JSON text.
    assert value_from_data(json.loads(json.dumps(data))) == value


@given(percents)
def test_percent_keeps_its_digits(value):
    back = value_from_data(json.loads(json.dumps(value_to_data(value))))
    assert str(back.percent) == str(value.percent)


@pytest.mark.parametrize(
    ("value", "data"),
    [
        (PercentValue(Decimal("65.5")), {"kind": "percent", "percent": "65.5"}),
        (RatioValue(175, 300), {"kind": "ratio", "numerator": 175, "denominator": 300}),
        (CountValue(13), {"kind": "count", "count": 13}),
        (YesNoValue(True), {"kind": "yesno", "yes": True}),
        (StatusValue(Status.UNIVERSAL), {"kind": "status", "status": "universal"}),
        (
            PartsValue((PercentValue(Decimal(90)), RatioValue(8, 10))),
            {
                "kind": "parts",
                "parts": [
                    {"kind": "percent", "percent": "90"},
                    {"kind": "ratio", "numerator": 8, "denominator": 10},
                ],
            },
        ),
    ],
)
def test_data_form(value, data):
    assert value_to_data(value) == data
    assert value_from_data(data) == value


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"kind": "money"},
        {"kind": None},
        {"kind": "percent"},
        {"kind": "percent", "percent": "abc"},
        {"kind": "percent", "percent": None},
        {"kind": "percent", "percent": "NaN"},
        {"kind": "percent", "percent": "Infinity"},
        {"kind": "ratio", "numerator": 1},
        {"kind": "ratio", "numerator": 1, "denominator": 0},
        {"kind": "ratio", "numerator": -1, "denominator": 3},
        {"kind": "ratio", "numerator": "1", "denominator": 3},
        {"kind": "ratio", "numerator": 1.5, "denominator": 3},
        {"kind": "ratio", "numerator": True, "denominator": 3},
        {"kind": "count"},
        {"kind": "count", "count": "13"},
        {"kind": "count", "count": 13.0},
        {"kind": "count", "count": False},
        {"kind": "yesno"},
        {"kind": "yesno", "yes": "false"},
        {"kind": "yesno", "yes": 1},
        {"kind": "status", "status": "good"},
        {"kind": "status"},
        {"kind": "parts"},
        {"kind": "parts", "parts": "90;80"},
        {"kind": "parts", "parts": [{"kind": "count", "count": 3}]},
        {"kind": "parts", "parts": [{"kind": "yesno", "yes": True}]},
        {"kind": "parts", "parts": [5]},
        {"kind": "parts", "parts": [{"kind": "parts", "parts": []}]},
        [],
        "percent",
        None,
    ],
)
def test_bad_data_raises_value_error(data):
    with pytest.raises(ValueError):
        value_from_data(data)


def test_ratio_value_checks_itself():
    with pytest.raises(ValueError):
        RatioValue(1, 0)
    with pytest.raises(ValueError):
        RatioValue(-1, 5)
    assert RatioValue(0, 5).as_fraction() == 0


@pytest.mark.parametrize(
    ("numerator", "denominator", "percent"),
    [
        (175, 300, "58.33"),
        (2, 3, "66.67"),
        (1, 3, "33.33"),
        (240, 300, "80.00"),
        (1, 800, "0.13"),  # 0.125: half-up, as documented
        (3, 800, "0.38"),  # 0.375
        (0, 7, "0.00"),
        (301, 300, "100.33"),
    ],
)
def test_ratio_percent_for_display(numerator, denominator, percent):
    assert RatioValue(numerator, denominator).percent == Decimal(percent)


def test_as_fraction_is_exact():
    assert PercentValue(Decimal("65.5")).as_fraction() == Fraction(131, 200)
    assert RatioValue(175, 300).as_fraction() == Fraction(7, 12)

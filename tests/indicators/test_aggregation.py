"""Aggregating villages into their commune: sums, never means of percentages."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.aggregation import aggregate
from indicators.evaluation import Verdict, evaluate
from indicators.targets import parse_target
from indicators.values import (
    CountValue,
    Measure,
    PartsValue,
    PercentValue,
    RatioValue,
    Status,
    StatusValue,
    YesNoValue,
)


def pct(text: str) -> PercentValue:
    return PercentValue(Decimal(text))


def test_ratios_sum_numerators_and_denominators():
    result = aggregate(
        Measure.PERCENT, [RatioValue(90, 100), RatioValue(10, 100), RatioValue(5, 10)]
    )
    assert result.value == RatioValue(105, 210)
    assert (result.reported, result.total, result.complete) == (3, 3, True)


def test_ratio_sum_is_not_the_mean_of_percentages():
    # A big village at 90% and a small one at 10%: the mean of percentages says 50%,
    # the commune really has 901/1010 ≈ 89.2%.
    villages = [RatioValue(900, 1000), RatioValue(1, 10)]
    result = aggregate(Measure.PERCENT, villages)
    assert result.value == RatioValue(901, 1010)
    mean_of_percentages = sum(v.as_fraction() for v in villages) / len(villages)
    assert mean_of_percentages == Fraction(1, 2)
    assert result.value.as_fraction() != mean_of_percentages
    # And it changes the verdict: ">=80%" is met by the commune.
    assert evaluate(parse_target(">=80%"), result.value).verdict is Verdict.MET


def test_ratio_with_missing_children():
    result = aggregate(Measure.PERCENT, [RatioValue(175, 300), None, RatioValue(25, 100), None])
    assert result.value == RatioValue(200, 400)
    assert (result.reported, result.total, result.complete) == (2, 4, False)


def test_counts_sum():
    result = aggregate(Measure.COUNT, [CountValue(3), CountValue(0), None, CountValue(10)])
    assert result.value == CountValue(13)
    assert (result.reported, result.total) == (3, 4)
    assert not result.complete


@pytest.mark.parametrize(
    ("values", "yes", "combined"),
    [
        ([YesNoValue(True)] * 4 + [YesNoValue(False)] * 2, 4, YesNoValue(False)),
        ([YesNoValue(True)] * 6, 6, YesNoValue(True)),
        ([YesNoValue(False)] * 3, 0, YesNoValue(False)),
        ([YesNoValue(True), YesNoValue(True), None], 2, None),
        ([YesNoValue(True), None, YesNoValue(False)], 1, None),
    ],
)
def test_yes_no_k_of_n(values, yes, combined):
    result = aggregate(Measure.YESNO, values)
    assert result.yes == yes
    assert result.total == len(values)
    assert result.reported == sum(v is not None for v in values)
    assert result.value == combined


def test_nothing_reported():
    result = aggregate(Measure.PERCENT, [None, None, None])
    assert result.value is None
    assert (result.reported, result.total, result.complete) == (0, 3, False)
    assert result.yes is None


def test_no_children():
    result = aggregate(Measure.COUNT, [])
    assert result.value is None
    assert (result.reported, result.total) == (0, 0)


@pytest.mark.parametrize(
    "values",
    [
        [pct("80"), pct("60")],
        [pct("80"), RatioValue(3, 5)],
        [RatioValue(3, 5), CountValue(3)],
        [StatusValue(Status.MET), StatusValue(Status.MET)],
        [pct("80"), None],
    ],
)
def test_values_that_cannot_be_combined_exactly(values):
    result = aggregate(Measure.PERCENT, values)
    assert result.value is None
    assert result.reported == sum(v is not None for v in values)
    assert result.total == len(values)


def test_yes_no_values_under_another_measure_do_not_combine():
    result = aggregate(Measure.PERCENT, [YesNoValue(True), YesNoValue(False)])
    assert result.value is None
    assert result.yes is None


def test_parts_sum_column_by_column():
    values = [
        PartsValue((RatioValue(9, 10), RatioValue(8, 10), RatioValue(1, 10))),
        PartsValue((RatioValue(90, 100), RatioValue(50, 100), RatioValue(80, 100))),
        None,
    ]
    result = aggregate(Measure.PERCENT, values)
    assert result.value == PartsValue(
        (RatioValue(99, 110), RatioValue(58, 110), RatioValue(81, 110))
    )
    assert (result.reported, result.total) == (2, 3)


@pytest.mark.parametrize(
    "values",
    [
        [
            PartsValue((pct("90"), RatioValue(8, 10))),
            PartsValue((RatioValue(9, 10), RatioValue(8, 10))),
        ],
        [PartsValue((RatioValue(9, 10),)), PartsValue((RatioValue(9, 10), RatioValue(8, 10)))],
        [PartsValue((RatioValue(9, 10), RatioValue(8, 10))), RatioValue(9, 10)],
    ],
)
def test_parts_that_cannot_be_combined(values):
    assert aggregate(Measure.PERCENT, values).value is None


@given(
    st.lists(
        st.one_of(
            st.none(),
            st.builds(
                RatioValue,
                st.integers(min_value=0, max_value=10**6),
                st.integers(min_value=1, max_value=10**6),
            ),
        ),
        max_size=30,
    )
)
def test_ratio_aggregate_is_the_pooled_share(values):
    present = [v for v in values if v is not None]
    result = aggregate(Measure.PERCENT, values)
    assert result.total == len(values)
    assert result.reported == len(present)
    if not present:
        assert result.value is None
        return
    assert result.value.numerator == sum(v.numerator for v in present)
    assert result.value.denominator == sum(v.denominator for v in present)


@given(st.lists(st.one_of(st.none(), st.booleans().map(YesNoValue)), min_size=1, max_size=30))
def test_yes_no_counts(values):
    result = aggregate(Measure.YESNO, values)
    present = [v for v in values if v is not None]
    if not present:
        assert result.value is None
        return
    assert result.yes == sum(v.yes for v in present)
    if len(present) == len(values):
        assert result.value == YesNoValue(all(v.yes for v in present))
    else:
        assert result.value is None

"""Figures that ask the reporter to confirm before they are kept."""

from decimal import Decimal

from indicators.plausibility import count_bound, is_beyond_unit
from indicators.values import CountValue, PercentValue, RatioValue


def test_a_numerator_far_above_the_units_last_total_is_beyond_it():
    last = RatioValue(164, 242)
    assert is_beyond_unit(RatioValue(1_111_111_111, 242), "thôn", last)
    assert is_beyond_unit(RatioValue(1_111_111_111, 1_111_111_112), "thôn", last)
    assert not is_beyond_unit(RatioValue(175, 300), "thôn", last)
    assert not is_beyond_unit(RatioValue(300, 330), "thôn", last)  # growth is not a slip


def test_without_history_the_level_bounds_it():
    assert is_beyond_unit(RatioValue(30_000, 30_001), "thôn")
    assert not is_beyond_unit(RatioValue(30_000, 30_001), "xã")
    assert is_beyond_unit(CountValue(10**9), "tỉnh")
    assert not is_beyond_unit(
        PercentValue(Decimal(99)), "thôn"
    )  # percentages are checked elsewhere


def test_a_mistyped_last_total_does_not_lift_the_level_bound():
    assert count_bound("thôn", 10**9) == count_bound("thôn")

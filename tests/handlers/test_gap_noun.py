"""The gap is said in what the numerator counts: more smartphone users, not more mobile users."""

from __future__ import annotations

from handlers.wording.values import format_gap, format_value
from indicators.evaluation import evaluate
from indicators.plans import load_bundled
from indicators.values import RatioValue

PLAN = load_bundled("dong-lac-2025")


def test_gap_counts_the_numerators_noun() -> None:
    smartphones = PLAN.indicator("3.2")  # người dùng smartphone / người dùng điện thoại di động
    value = RatioValue(82, 100)  # target 85%: 3 more smartphone users
    assert format_gap(evaluate(smartphones.target, value), smartphones) == (
        "cần thêm 3 người dùng smartphone"
    )
    # The ratio itself still reads in the denominator's noun: 82 of 100 mobile users.
    assert format_value(value, smartphones) == "82% (82/100 người dùng điện thoại di động)"


def test_one_noun_serves_both_where_the_plan_gives_one() -> None:
    fibre = PLAN.indicator("3.1")  # households over households
    assert fibre.formula is not None and fibre.formula.numerator_noun is None
    gap = format_gap(evaluate(fibre.target, RatioValue(70, 100)), fibre)
    assert gap == "cần thêm 6 hộ gia đình"

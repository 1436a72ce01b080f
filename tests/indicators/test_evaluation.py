"""Judging values against targets, and how far off they are: exact arithmetic."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.answers import AnswerKind, parse_answer
from indicators.evaluation import Unassessable, Verdict, evaluate
from indicators.plans import load_bundled
from indicators.targets import Comparator, Target, Threshold, parse_target
from indicators.values import (
    CountValue,
    PartsValue,
    PercentValue,
    RatioValue,
    Status,
    StatusValue,
    YesNoValue,
)


def pct(text: str) -> PercentValue:
    return PercentValue(Decimal(text))


def only_gap(evaluation):
    [part] = evaluation.parts
    return part.gap


@pytest.mark.parametrize(
    ("target", "value", "met"),
    [
        ("> 60%", pct("60"), False),
        ("> 60%", pct("60.01"), True),
        (">60%", pct("59.99"), False),
        (">=60%", pct("60"), True),
        ("tối thiểu 90%", pct("90"), True),
        ("đạt trên 75%", pct("75"), False),
        ("đạt trên 75%", pct("75.5"), True),
        ("100%", pct("100"), True),
        ("100%", pct("99.99"), False),
        ("=100%", pct("100"), True),
        ("=100%", pct("99.9"), False),
        ("≤ 5%", pct("5"), True),
        ("≤ 5%", pct("5.01"), False),
        ("dưới 5%", pct("5"), False),
        ("dưới 5%", pct("4.99"), True),
        ("không quá 5%", pct("0"), True),
    ],
)
def test_strict_and_inclusive_comparators(target, value, met):
    evaluation = evaluate(parse_target(target), value)
    assert evaluation.verdict is (Verdict.MET if met else Verdict.NOT_MET)
    assert [p.met for p in evaluation.parts] == [met]


def test_equal_to_a_strict_bound_is_not_met_with_zero_points():
    gap = only_gap(evaluate(parse_target("> 60%"), pct("60")))
    assert gap.points == 0
    assert gap.count is None
    assert not gap.fewer


def test_issue_example_175_of_300_against_more_than_65():
    evaluation = evaluate(parse_target(">65%"), RatioValue(175, 300))
    assert evaluation.verdict is Verdict.NOT_MET
    gap = only_gap(evaluation)
    assert gap.count == 21
    assert gap.points == Fraction(65) - Fraction(175 * 100, 300)
    assert gap.points == Fraction(20, 3)
    assert not gap.fewer
    assert gap.reachable
    assert evaluation.largest_gap_points == Fraction(20, 3)


@pytest.mark.parametrize(
    ("numerator", "met", "count"), [(196, True, None), (195, False, 1), (175, False, 21)]
)
def test_around_the_strict_bound(numerator, met, count):
    evaluation = evaluate(parse_target(">65%"), RatioValue(numerator, 300))
    assert evaluation.verdict is (Verdict.MET if met else Verdict.NOT_MET)
    gap = only_gap(evaluation)
    assert (gap.count if gap else None) == count


def test_exact_boundary_meets_at_least():
    evaluation = evaluate(parse_target(">=80%"), RatioValue(240, 300))
    assert evaluation.verdict is Verdict.MET
    assert evaluation.parts[0].gap is None
    assert evaluation.largest_gap_points == 0
    gap = only_gap(evaluate(parse_target(">=80%"), RatioValue(239, 300)))
    assert gap.count == 1


@pytest.mark.parametrize(
    ("target", "numerator", "denominator", "count"),
    [
        (">=80%", 5, 7, 1),  # 80% of 7 is 5.6: need 6
        (">=80%", 0, 7, 6),
        (">80%", 5, 7, 1),
        (">=50%", 0, 7, 4),  # 3.5 → 4
        (">50%", 3, 6, 1),  # 3 is exactly 50%: need 4
        (">=50%", 2, 6, 1),
        (">=33,33%", 0, 3, 1),
        ("100%", 299, 300, 1),
        ("76%", 0, 1, 1),
    ],
)
def test_count_gap_rounds_up_to_whole_units(target, numerator, denominator, count):
    gap = only_gap(evaluate(parse_target(target), RatioValue(numerator, denominator)))
    assert gap.count == count
    assert gap.reachable


@pytest.mark.parametrize(
    ("target", "numerator", "count", "points"),
    [
        ("≤ 5%", 8, 3, 3),
        ("không quá 5%", 8, 3, 3),
        ("dưới 5%", 8, 4, 3),
        ("dưới 5%", 5, 1, 0),
        ("<=5%", 6, 1, 1),
    ],
)
def test_lower_is_better(target, numerator, count, points):
    gap = only_gap(evaluate(parse_target(target), RatioValue(numerator, 100)))
    assert gap.fewer
    assert gap.count == count
    assert gap.points == points
    assert gap.reachable


def test_lower_is_better_met():
    assert evaluate(parse_target("≤ 5%"), RatioValue(5, 100)).verdict is Verdict.MET
    assert evaluate(parse_target("dưới 5%"), RatioValue(4, 100)).verdict is Verdict.MET


def test_lower_is_better_percent_without_denominator():
    gap = only_gap(evaluate(parse_target("≤ 5%"), pct("8")))
    assert gap.fewer
    assert gap.points == 3
    assert gap.count is None


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (Status.MET, Verdict.MET),
        (Status.UNIVERSAL, Verdict.MET),
        (Status.NOT_MET, Verdict.NOT_MET),
        (Status.IN_PROGRESS, Verdict.NOT_MET),
    ],
)
@pytest.mark.parametrize("target", [">=80%", "Có", "-", "90%; 80%; 75%"])
def test_status_values_are_the_reporters_judgement(status, verdict, target):
    evaluation = evaluate(parse_target(target), StatusValue(status))
    assert evaluation.verdict is verdict
    assert evaluation.status is status


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("Đạt", Verdict.MET),
        ("Phổ cập", Verdict.MET),
        ("Chưa đạt", Verdict.NOT_MET),
        ("Đang triển khai", Verdict.NOT_MET),
    ],
)
def test_status_words_as_typed(text, verdict):
    answer = parse_answer(text, AnswerKind.STATUS)
    assert evaluate(parse_target("100%"), answer.value).verdict is verdict


@pytest.mark.parametrize(
    ("target", "yes", "verdict"),
    [
        ("Có", True, Verdict.MET),
        ("Có", False, Verdict.NOT_MET),
        ("Không", False, Verdict.MET),
        ("Không", True, Verdict.NOT_MET),
    ],
)
def test_yes_no(target, yes, verdict):
    evaluation = evaluate(parse_target(target), YesNoValue(yes))
    assert evaluation.verdict is verdict
    assert evaluation.parts[0].gap is None


@pytest.mark.parametrize(
    ("target", "value"),
    [
        ("70%", YesNoValue(True)),
        ("Có", pct("70")),
        ("Có", RatioValue(1, 2)),
        ("Có", CountValue(1)),
        (">10", pct("11")),
        (">10", RatioValue(11, 20)),
        (">10%", CountValue(11)),
        (">10", YesNoValue(True)),
    ],
)
def test_unit_mismatch_is_not_assessable(target, value):
    evaluation = evaluate(parse_target(target), value)
    assert evaluation.verdict is Verdict.NOT_ASSESSABLE
    assert evaluation.unassessable is Unassessable.UNIT_MISMATCH


@pytest.mark.parametrize(
    "target", ["-", "Chưa có hướng dẫn", "Căn cứ hướng dẫn xác định GRDP để thực hiện", ""]
)
@pytest.mark.parametrize("value", [pct("70"), RatioValue(1, 2), CountValue(3), YesNoValue(True)])
def test_non_measurable_target_is_not_assessable(target, value):
    evaluation = evaluate(parse_target(target), value)
    assert evaluation.verdict is Verdict.NOT_ASSESSABLE
    assert evaluation.unassessable is Unassessable.NO_MEASURABLE_TARGET


@pytest.mark.parametrize("target", [">65%", "-", "Có", "90%; 80%; 75%"])
def test_nothing_reported(target):
    evaluation = evaluate(parse_target(target), None)
    assert evaluation.verdict is Verdict.NOT_REPORTED
    assert evaluation.parts == ()
    assert evaluation.largest_gap_points == 0


THREE_PARTS = parse_target("90%; 80%; 75%", labels=["tạo lập", "xử lý", "lưu trữ"])


def test_multipart_all_met():
    value = PartsValue((pct("90"), RatioValue(80, 100), pct("99")))
    evaluation = evaluate(THREE_PARTS, value)
    assert evaluation.verdict is Verdict.MET
    assert [p.met for p in evaluation.parts] == [True, True, True]


def test_multipart_one_part_failing():
    value = PartsValue((pct("95"), RatioValue(70, 100), pct("75")))
    evaluation = evaluate(THREE_PARTS, value)
    assert evaluation.verdict is Verdict.NOT_MET
    assert [p.met for p in evaluation.parts] == [True, False, True]
    failing = evaluation.parts[1]
    assert failing.part.label == "xử lý"
    assert failing.gap.count == 10
    assert failing.gap.points == 10
    assert evaluation.parts[0].gap is None and evaluation.parts[2].gap is None
    assert evaluation.largest_gap_points == 10


def test_multipart_largest_gap():
    value = PartsValue((pct("85"), pct("79"), pct("60")))
    evaluation = evaluate(THREE_PARTS, value)
    assert [p.gap.points for p in evaluation.parts] == [5, 1, 15]
    assert evaluation.largest_gap_points == 15


@pytest.mark.parametrize(
    "value",
    [
        PartsValue((pct("90"), pct("80"))),
        PartsValue((pct("90"), pct("80"), pct("75"), pct("70"))),
        pct("90"),
        RatioValue(9, 10),
    ],
)
def test_part_count_mismatch(value):
    evaluation = evaluate(THREE_PARTS, value)
    assert evaluation.verdict is Verdict.NOT_ASSESSABLE
    assert evaluation.unassessable is Unassessable.PART_COUNT_MISMATCH


def test_single_part_value_against_single_target():
    assert evaluate(parse_target(">=80%"), PartsValue((pct("90"),))).verdict is Verdict.MET


def test_multipart_with_a_mismatched_part():
    target = parse_target("Có; 80%")
    evaluation = evaluate(target, PartsValue((pct("90"), pct("90"))))
    assert evaluation.unassessable is Unassessable.UNIT_MISMATCH


@pytest.mark.parametrize(
    ("target", "count", "met", "more"),
    [
        (">10", 10, False, 1),
        (">10", 11, True, None),
        (">10", 0, False, 11),
        ("ít nhất 3", 3, True, None),
        ("ít nhất 3", 1, False, 2),
    ],
)
def test_count_targets(target, count, met, more):
    evaluation = evaluate(parse_target(target), CountValue(count))
    assert evaluation.verdict is (Verdict.MET if met else Verdict.NOT_MET)
    gap = evaluation.parts[0].gap
    if met:
        assert gap is None
    else:
        assert gap.count == more
        assert not gap.fewer
        assert gap.reachable


def test_count_target_lower_is_better():
    gap = only_gap(evaluate(parse_target("tối đa 2"), CountValue(5)))
    assert gap.fewer
    assert gap.count == 3
    assert gap.points == 3


@pytest.mark.parametrize(
    ("target", "value"),
    [
        (">100%", RatioValue(300, 300)),
        (">100%", RatioValue(0, 300)),
        ("dưới 0%", RatioValue(1, 100)),
        ("=50%", RatioValue(2, 7)),  # 3.5 of 7 cannot be counted
    ],
)
def test_unreachable(target, value):
    evaluation = evaluate(parse_target(target), value)
    assert evaluation.verdict is Verdict.NOT_MET
    assert only_gap(evaluation).reachable is False


def test_exact_target_overshot_needs_fewer():
    gap = only_gap(evaluate(parse_target("=100%"), RatioValue(301, 300)))
    assert gap.fewer
    assert gap.count == 1
    assert gap.points == Fraction(1, 3)
    gap = only_gap(evaluate(parse_target("=5"), CountValue(7)))
    assert gap.fewer
    assert gap.count == 2


def test_exact_target_below_needs_more():
    gap = only_gap(evaluate(parse_target("=100%"), RatioValue(299, 300)))
    assert not gap.fewer
    assert gap.count == 1
    assert gap.reachable


def test_hand_built_target():
    target = Target(">=7", ">=7", (Threshold(None, Comparator.GE, Decimal(7), False),))
    assert only_gap(evaluate(target, CountValue(4))).count == 3


# Bundled plans: the targets as transcribed from the documents.


@pytest.fixture(scope="module")
def dong_lac_fibre():
    indicator = load_bundled("dong-lac-2025").indicator("3.1")
    assert indicator.target.printed == "76%"
    assert indicator.formula is not None
    assert indicator.formula.noun == "hộ gia đình"
    return indicator


@pytest.mark.parametrize(
    ("numerator", "denominator", "met", "count"),
    [
        (228, 300, True, None),
        (227, 300, False, 1),
        (175, 300, False, 53),
        (76, 100, True, None),
        (0, 412, False, 314),  # 76% of 412 = 313.12 → 314
    ],
)
def test_dong_lac_fibre_coverage(dong_lac_fibre, numerator, denominator, met, count):
    evaluation = evaluate(dong_lac_fibre.target, RatioValue(numerator, denominator))
    assert evaluation.verdict is (Verdict.MET if met else Verdict.NOT_MET)
    gap = evaluation.parts[0].gap
    assert (gap.count if gap else None) == count


def test_dong_lac_fibre_typed_answer(dong_lac_fibre):
    answer = parse_answer("175 / 300 hộ gia đình", AnswerKind.PERCENT)
    evaluation = evaluate(dong_lac_fibre.target, answer.value)
    assert evaluation.verdict is Verdict.NOT_MET
    assert evaluation.parts[0].gap.count == 53


def test_bien_gioi_fibre_issue_example():
    indicator = load_bundled("bien-gioi-2024").indicator("V.15")
    assert indicator.target.printed == ">65%"
    evaluation = evaluate(indicator.target, RatioValue(175, 300))
    assert evaluation.verdict is Verdict.NOT_MET
    assert evaluation.parts[0].gap.count == 21
    assert evaluate(indicator.target, RatioValue(196, 300)).verdict is Verdict.MET
    assert evaluate(indicator.target, pct("65")).verdict is Verdict.NOT_MET


def test_song_ma_three_part_target():
    indicator = load_bundled("song-ma-2024").indicator("I.4")
    assert len(indicator.target.parts) == 3
    value = PartsValue((pct("92"), RatioValue(150, 200), pct("80")))
    evaluation = evaluate(indicator.target, value)
    assert evaluation.verdict is Verdict.NOT_MET
    assert [p.met for p in evaluation.parts] == [True, False, True]
    assert evaluation.parts[1].gap.count == 10  # 80% of 200 = 160


# The gap is the smallest whole number that meets the target.

thresholds = st.one_of(
    st.integers(min_value=0, max_value=100).map(Decimal),
    st.decimals(min_value=0, max_value=100, places=2),
)


@given(
    data=st.data(),
    denominator=st.integers(min_value=1, max_value=10_000),
    amount=thresholds,
    comparator=st.sampled_from([Comparator.GE, Comparator.GT]),
)
def test_gap_is_the_smallest(data, denominator, amount, comparator):
    numerator = data.draw(st.integers(min_value=0, max_value=denominator))
    target = Target("t", "t", (Threshold(None, comparator, amount, True),))
    evaluation = evaluate(target, RatioValue(numerator, denominator))
    bound = Fraction(amount)

    def meets(count: int) -> bool:
        return bool(comparator.holds(Fraction(count * 100, denominator), bound))

    if meets(numerator):
        assert evaluation.verdict is Verdict.MET
        return
    assert evaluation.verdict is Verdict.NOT_MET
    gap = only_gap(evaluation)
    assert gap.count is not None and gap.count >= 1
    assert not gap.fewer
    assert meets(numerator + gap.count)
    assert not meets(numerator + gap.count - 1)
    assert gap.points == bound - Fraction(numerator * 100, denominator)
    assert gap.reachable == (numerator + gap.count <= denominator)


@given(
    data=st.data(),
    denominator=st.integers(min_value=1, max_value=10_000),
    amount=thresholds,
    comparator=st.sampled_from([Comparator.LE, Comparator.LT]),
)
def test_lower_is_better_gap_is_the_smallest(data, denominator, amount, comparator):
    numerator = data.draw(st.integers(min_value=0, max_value=denominator))
    target = Target("t", "t", (Threshold(None, comparator, amount, True),))
    evaluation = evaluate(target, RatioValue(numerator, denominator))

    def meets(count: int) -> bool:
        return bool(comparator.holds(Fraction(count * 100, denominator), Fraction(amount)))

    if meets(numerator):
        assert evaluation.verdict is Verdict.MET
        return
    gap = only_gap(evaluation)
    assert gap.fewer
    assert gap.count >= 1
    if gap.reachable:
        assert meets(numerator - gap.count)
        assert not meets(numerator - gap.count + 1)
    else:
        assert not any(meets(n) for n in range(denominator + 1))

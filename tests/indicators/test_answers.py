"""Reading what reporters type: the shared corpus, cases beyond it, and properties."""

import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.answers import (
    Accepted,
    AnswerKind,
    Concern,
    Decision,
    NeedsConfirmation,
    Problem,
    Rejected,
    decision_of,
    looks_like_figure,
    means_no_comment,
    parse_answer,
    parse_whole_number,
    status_of,
)
from indicators.numbers import format_decimal, format_percent
from indicators.text import folded_words
from indicators.values import (
    CountValue,
    PartsValue,
    PercentValue,
    RatioValue,
    Status,
    StatusValue,
    YesNoValue,
)
from tests.data import ANSWERS

CORPUS = ANSWERS


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def _single(text: str) -> PercentValue | RatioValue:
    if "/" in text:
        numerator, denominator = text.split("/")
        return RatioValue(int(numerator), int(denominator))
    return PercentValue(Decimal(text))


def expected_value(expected: str):
    """The value an `expected` cell of the corpus stands for."""
    head, _, rest = expected.partition(":")
    match head:
        case "percent":
            return PercentValue(Decimal(rest))
        case "count":
            return CountValue(int(rest))
        case "ratio":
            return _single(rest)
        case "yes":
            return YesNoValue(True)
        case "no":
            return YesNoValue(False)
        case "status":
            return StatusValue(Status(rest))
        case "parts":
            return PartsValue(tuple(_single(p) for p in rest.split(",")))
    raise AssertionError(f"unknown expectation {expected!r}")


def check(answer, expected: str) -> None:
    if expected == "reject":
        assert isinstance(answer, Rejected), answer
    elif expected == "confirm":
        assert isinstance(answer, NeedsConfirmation), answer
    else:
        assert answer == Accepted(expected_value(expected))


def corpus_rows():
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    assert header == ["measure", "input", "expected"], header
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        measure, text, expected = line.split("\t")
        rows.append(pytest.param(measure, text, expected, id=f"line{number}-{measure}"))
    return rows


@pytest.mark.parametrize(("measure", "text", "expected"), corpus_rows())
def test_corpus(measure, text, expected):
    if measure == "confirmation":  # the answer to "keep this unusual figure?"
        decision = decision_of(text)
        assert (decision.value if decision else "none") == expected, decision
    elif measure == "comment":  # what is typed where a comment is invited
        kind = (
            "none" if means_no_comment(text) else "figure" if looks_like_figure(text) else "comment"
        )
        assert kind == expected
    else:
        check(parse_answer(text, AnswerKind(measure)), expected)


@given(st.text(max_size=30))
def test_a_confirmation_is_never_both_yes_and_no(text):
    decision = decision_of(text)
    assert decision in (None, Decision.YES, Decision.NO)
    if decision is Decision.YES:
        assert "khong" not in folded_words(text).split()


def test_zero_total_is_said_as_such_wherever_a_ratio_is_typed():
    for kind in (AnswerKind.PERCENT, AnswerKind.RATIO):
        for text in ("0/0", "210/0", "210 trên 0"):
            assert parse_answer(text, kind) == Rejected(Problem.ZERO_DENOMINATOR), (kind, text)


P, R, C, Y, S, M = (
    AnswerKind.PERCENT,
    AnswerKind.RATIO,
    AnswerKind.COUNT,
    AnswerKind.YESNO,
    AnswerKind.STATUS,
    AnswerKind.PARTS,
)

OWN_CASES = [
    # percent: fillers, case, decomposed, fullwidth, a ratio where a percent is asked
    (P, "dạ 65% ạ", "percent:65"),
    (P, "khoang 70", "percent:70"),
    (P, "ĐẠT 80%", "percent:80"),
    (P, nfd("đạt 80%"), "percent:80"),
    (P, nfd("65,5 phần trăm"), "percent:65.5"),
    (P, "８０，５％", "percent:80.5"),
    (P, "65.50%", "percent:65.5"),
    (P, "100,00%", "percent:100"),
    (P, "0,5%", "percent:0.5"),
    (P, "175 / 300 hộ gia đình", "ratio:175/300"),
    (P, "1/2", "ratio:1/2"),
    (P, "65-70%", "reject"),
    (P, "khong biet", "reject"),
    # counts: thousands groups, fillers, fullwidth
    (C, "1.234.567", "count:1234567"),
    (C, "1,234,567", "count:1234567"),
    (C, "1 234 567", "count:1234567"),
    (C, "1.234.567 tài khoản", "count:1234567"),
    (C, "dạ 13 ạ", "count:13"),
    (C, "13 SẢN PHẨM", "count:13"),
    (C, "１３", "count:13"),
    (C, "0", "count:0"),
    (C, "13/20", "reject"),
    (C, "1.23", "reject"),
    (C, "-5 sản phẩm", "reject"),
    (C, "không có", "reject"),
    # ratios: nouns after either number, words for "over", fullwidth, thousands
    (R, "175 / 300 hộ gia đình", "ratio:175/300"),
    (R, "175 hộ/300 hộ", "ratio:175/300"),
    (R, "175 hộ trên 300 hộ", "ratio:175/300"),
    (R, "có 175 hộ trên tổng số 300 hộ", "ratio:175/300"),
    (R, nfd("175 trên 300 hộ"), "ratio:175/300"),
    (R, "175 TRÊN 300", "ratio:175/300"),
    (R, "dạ 175/300 ạ", "ratio:175/300"),
    (R, "１７５／３００", "ratio:175/300"),
    (R, "1.234/2.000", "ratio:1234/2000"),
    (R, "1.234 hộ/2.000 hộ", "ratio:1234/2000"),
    (R, "0/300", "ratio:0/300"),
    (R, "300/300", "ratio:300/300"),
    (R, "175,5/300", "reject"),
    (R, "-175/300", "reject"),
    (R, "175/300/400", "reject"),
    (R, "0/0", "reject"),
    (R, "abc", "reject"),
    # yes / no
    (Y, "k có", "no"),
    (Y, "dạ không ạ", "no"),
    (Y, "DẠ KHÔNG Ạ", "no"),
    (Y, "KHÔNG", "no"),
    (Y, "KHONG", "no"),
    (Y, nfd("không"), "no"),
    (Y, "ko co", "no"),
    (Y, "chưa ạ", "no"),
    (Y, "dạ chưa có ạ", "no"),
    (Y, "dạ không có ạ", "no"),
    (Y, "Dạ có ạ", "yes"),
    (Y, "CÓ Ạ", "yes"),
    (Y, nfd("có"), "yes"),
    (Y, "vâng", "yes"),
    (Y, "ok", "yes"),
    (Y, "co nhe", "yes"),
    (Y, "ừ", "yes"),
    (Y, "đã có", "yes"),
    (Y, "có không", "reject"),
    (Y, "dạ", "reject"),
    (Y, "65", "reject"),
    (Y, "không biết", "reject"),
    # status words
    (S, "Đạt", "status:met"),
    (S, "chưa đạt", "status:not_met"),
    (S, "CHƯA ĐẠT", "status:not_met"),
    (S, "không đạt", "status:not_met"),
    (S, "chua hoan thanh", "status:not_met"),
    (S, "Phổ cập", "status:universal"),
    (S, "PHO CAP", "status:universal"),
    (S, "Đang thực hiện", "status:in_progress"),
    (S, "ĐANG THỰC HIỆN", "status:in_progress"),
    (S, nfd("đang thực hiện"), "status:in_progress"),
    (S, "đang xây dựng", "status:in_progress"),
    (S, "dạ đạt ạ", "status:met"),
    (S, "hoàn thành", "status:met"),
    (S, "đã hoàn thành rồi", "status:met"),
    (S, "65%", "reject"),
    (S, "tốt", "reject"),
    (S, "có", "reject"),
]


@pytest.mark.parametrize(("kind", "text", "expected"), OWN_CASES)
def test_own_cases(kind, text, expected):
    check(parse_answer(text, kind), expected)


@pytest.mark.parametrize(
    ("text", "parts", "expected"),
    [
        ("90; 80; 75", 3, "parts:90,80,75"),
        ("90%;80%;75%", 3, "parts:90,80,75"),
        ("90% ; 80% ; 75%", 3, "parts:90,80,75"),
        ("90 80 75", 3, "parts:90,80,75"),
        ("90, 80, 75", 3, "parts:90,80,75"),
        ("90\n80\n75", 3, "parts:90,80,75"),
        ("９０；８０；７５", 3, "parts:90,80,75"),
        ("90,5; 80,5; 75,5", 3, "parts:90.5,80.5,75.5"),
        ("9/10; 8/10; 75", 3, "parts:9/10,8/10,75"),
        ("95%; 80%", 2, "parts:95,80"),
        ("65%", 1, "parts:65"),
        ("90; 80", 3, "reject"),
        ("90;80;75;70", 3, "reject"),
        ("90; 80; 75", 2, "reject"),
        ("90; abc; 75", 3, "reject"),
        ("90; -80; 75", 3, "reject"),
        ("không có", 3, "reject"),
        ("90; 120; 75", 3, "confirm"),
    ],
)
def test_parts(text, parts, expected):
    check(parse_answer(text, AnswerKind.PARTS, parts=parts), expected)


@pytest.mark.parametrize(
    ("kind", "text", "parts", "problem"),
    [
        (P, "", 1, Problem.EMPTY),
        (C, "   ", 1, Problem.EMPTY),
        (Y, "", 1, Problem.EMPTY),
        (P, "abc", 1, Problem.NO_NUMBER),
        (P, "65-70", 1, Problem.SEVERAL_NUMBERS),
        (P, "-3", 1, Problem.NEGATIVE),
        (P, "−3%", 1, Problem.NEGATIVE),
        (C, "12,5", 1, Problem.NOT_WHOLE),
        (C, "13/20", 1, Problem.SEVERAL_NUMBERS),
        (C, "-5", 1, Problem.NEGATIVE),
        (C, "mười ba", 1, Problem.NO_NUMBER),
        (R, "175", 1, Problem.NEED_RATIO),
        (R, "175 hộ", 1, Problem.NEED_RATIO),
        (R, "175/0", 1, Problem.ZERO_DENOMINATOR),
        (R, "abc", 1, Problem.NO_NUMBER),
        (R, "175,5/300", 1, Problem.NOT_WHOLE),
        (R, "-175/300", 1, Problem.NEGATIVE),
        (Y, "có lẽ", 1, Problem.NOT_YES_NO),
        (S, "tốt", 1, Problem.NOT_STATUS),
        (M, "90; 80", 3, Problem.WRONG_PART_COUNT),
        (M, "90; -80; 75", 3, Problem.NEGATIVE),
    ],
)
def test_rejection_reasons(kind, text, parts, problem):
    assert parse_answer(text, kind, parts=parts) == Rejected(problem)


@pytest.mark.parametrize(
    ("kind", "text", "parts", "value", "concern"),
    [
        (P, "120", 1, PercentValue(Decimal(120)), Concern.PERCENT_OVER_100),
        (P, "100,5%", 1, PercentValue(Decimal("100.5")), Concern.PERCENT_OVER_100),
        (P, "0,65", 1, PercentValue(Decimal("0.65")), Concern.LOOKS_LIKE_FRACTION),
        (P, "0.9", 1, PercentValue(Decimal("0.9")), Concern.LOOKS_LIKE_FRACTION),
        (R, "300/175", 1, RatioValue(300, 175), Concern.NUMERATOR_OVER_DENOMINATOR),
        (P, "300/175", 1, RatioValue(300, 175), Concern.NUMERATOR_OVER_DENOMINATOR),
        (
            M,
            "90; 120; 75",
            3,
            PartsValue(
                (PercentValue(Decimal(90)), PercentValue(Decimal(120)), PercentValue(Decimal(75)))
            ),
            Concern.PERCENT_OVER_100,
        ),
        (
            M,
            "0,9; 80; 75",
            3,
            PartsValue(
                (PercentValue(Decimal("0.9")), PercentValue(Decimal(80)), PercentValue(Decimal(75)))
            ),
            Concern.LOOKS_LIKE_FRACTION,
        ),
    ],
)
def test_confirmations(kind, text, parts, value, concern):
    assert parse_answer(text, kind, parts=parts) == NeedsConfirmation(value, concern)


def test_small_percent_with_sign_needs_no_confirmation():
    assert parse_answer("0,65%", P) == Accepted(PercentValue(Decimal("0.65")))
    assert parse_answer("0", P) == Accepted(PercentValue(Decimal(0)))


def test_percent_value_is_tidy():
    answer = parse_answer("100,00", P)
    assert isinstance(answer, Accepted)
    assert str(answer.value.percent) == "100"
    answer = parse_answer("65,50", P)
    assert str(answer.value.percent) == "65.5"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("300", Accepted(CountValue(300))),
        ("300 hộ", Accepted(CountValue(300))),
        ("1.234", Accepted(CountValue(1234))),
        ("dạ 1 234 hộ ạ", Accepted(CountValue(1234))),
        (nfd("２０ hộ"), Accepted(CountValue(20))),
        ("-3", Rejected(Problem.NEGATIVE)),
        ("12,5", Rejected(Problem.NOT_WHOLE)),
        ("", Rejected(Problem.NO_NUMBER)),
    ],
)
def test_parse_whole_number(text, expected):
    assert parse_whole_number(text) == expected


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Đạt", Status.MET),
        ("đã đạt", Status.MET),
        ("chưa đạt", Status.NOT_MET),
        ("Phổ cập", Status.UNIVERSAL),
        ("Đang triển khai", Status.IN_PROGRESS),
        ("Đang thực hiện", Status.IN_PROGRESS),
        ("65%", None),
        ("", None),
        ("đạt 80%", None),
    ],
)
def test_status_of(text, status):
    assert status_of(text) == status


@pytest.mark.parametrize("kind", list(AnswerKind))
@pytest.mark.parametrize(
    "text", ["9" * 5000, "1" + "0" * 40, "1" + "0" * 30 + ",5", "9" * 40 + "/1"]
)
def test_very_long_numbers_are_rejected_not_raised(kind, text):
    assert isinstance(parse_answer(text, kind, parts=1), Rejected | NeedsConfirmation | Accepted)
    if kind in (C, P, R):
        assert isinstance(parse_answer(text, kind), Rejected)


@pytest.mark.parametrize("kind", list(AnswerKind))
@given(text=st.text(), parts=st.integers(min_value=1, max_value=4))
def test_never_raises(kind, text, parts):
    answer = parse_answer(text, kind, parts=parts)
    assert isinstance(answer, Accepted | NeedsConfirmation | Rejected)


NUMBERISH = "0123456789０１２.,/ %-−–;:()\n\ttrenTRÊNhộcóđạtkhông"


@pytest.mark.parametrize("kind", list(AnswerKind))
@given(text=st.text(alphabet=NUMBERISH, max_size=30), parts=st.integers(min_value=1, max_value=4))
def test_never_raises_on_numberish_text(kind, text, parts):
    answer = parse_answer(text, kind, parts=parts)
    assert isinstance(answer, Accepted | NeedsConfirmation | Rejected)
    assert isinstance(parse_whole_number(text), Accepted | NeedsConfirmation | Rejected)


@given(st.decimals(min_value=0, max_value=100, places=2))
def test_formatted_percent_parses_back(value):
    answer = parse_answer(format_decimal(value), AnswerKind.PERCENT)
    assert isinstance(answer, Accepted | NeedsConfirmation)
    assert answer.value == PercentValue(value)
    assert parse_answer(format_percent(value), AnswerKind.PERCENT) == Accepted(PercentValue(value))


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=10**9))
def test_formatted_ratio_parses_back(numerator, denominator):
    for kind in (AnswerKind.RATIO, AnswerKind.PERCENT):
        answer = parse_answer(f"{numerator}/{denominator}", kind)
        assert isinstance(answer, Accepted | NeedsConfirmation)
        assert answer.value == RatioValue(numerator, denominator)
        assert isinstance(answer, NeedsConfirmation) == (numerator > denominator)


@given(st.integers(min_value=0, max_value=10**12))
def test_formatted_count_parses_back(count):
    assert parse_answer(format_decimal(Decimal(count)), AnswerKind.COUNT) == Accepted(
        CountValue(count)
    )


@pytest.mark.parametrize("text", ["âm 5", "am 5%", "Âm 3"])
def test_spoken_minus_is_negative(text: str) -> None:
    assert parse_answer(text, AnswerKind.PERCENT) == Rejected(Problem.NEGATIVE)


def test_dot_before_three_digits_in_a_percent_is_confirmed() -> None:
    answer = parse_answer("1.234", AnswerKind.PERCENT)
    assert isinstance(answer, NeedsConfirmation)
    assert answer.concern is Concern.LOOKS_LIKE_THOUSANDS
    assert parse_answer("65.5", AnswerKind.PERCENT) == Accepted(PercentValue(Decimal("65.5")))

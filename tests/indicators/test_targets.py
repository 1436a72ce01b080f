"""Targets as printed in the plans, read into thresholds."""

import unicodedata
from decimal import Decimal
from fractions import Fraction

import pytest

from indicators.targets import (
    Comparator,
    Expectation,
    Target,
    TargetError,
    Threshold,
    parse_target,
)

GE, GT, LE, LT, EQ = Comparator.GE, Comparator.GT, Comparator.LE, Comparator.LT, Comparator.EQ


@pytest.mark.parametrize(
    ("printed", "comparator", "amount", "is_percent", "described"),
    [
        ("100%", GE, "100", True, "≥100%"),
        ("đạt 100%", GE, "100", True, "≥100%"),
        (">=80%", GE, "80", True, "≥80%"),
        ("≥15%", GE, "15", True, "≥15%"),
        ("=>5%", GE, "5", True, "≥5%"),
        (">5%", GT, "5", True, ">5%"),
        ("> 60%", GT, "60", True, ">60%"),
        (">20 %", GT, "20", True, ">20%"),
        ("đạt trên 75%", GT, "75", True, ">75%"),
        ("Trên 30%", GT, "30", True, ">30%"),
        ("dat tren 50%", GT, "50", True, ">50%"),
        ("tối thiểu 90%", GE, "90", True, "≥90%"),
        ("đạt tối thiểu 15%", GE, "15", True, "≥15%"),
        ("ít nhất 3", GE, "3", False, "≥3"),
        ("80% trở lên", GE, "80", True, "≥80%"),
        ("không dưới 50%", GE, "50", True, "≥50%"),
        ("≤ 5%", LE, "5", True, "≤5%"),
        ("<=5%", LE, "5", True, "≤5%"),
        ("=<5%", LE, "5", True, "≤5%"),
        ("không quá 5%", LE, "5", True, "≤5%"),
        ("tối đa 10%", LE, "10", True, "≤10%"),
        ("dưới 5%", LT, "5", True, "<5%"),
        ("<5%", LT, "5", True, "<5%"),
        (">10", GT, "10", False, ">10"),
        ("=100%", EQ, "100", True, "=100%"),
        ("99,7%", GE, "99.7", True, "≥99,7%"),
        ("2,64%", GE, "2.64", True, "≥2,64%"),
        ("100 phần trăm", GE, "100", True, "≥100%"),
    ],
)
def test_single_threshold(printed, comparator, amount, is_percent, described):
    target = parse_target(printed)
    assert target.assessable
    assert not target.is_multipart
    assert target.parts == (Threshold(None, comparator, Decimal(amount), is_percent),)
    assert target.describe() == described
    assert target.printed == printed


@pytest.mark.parametrize(
    "printed", ["> 60%", "đạt trên 75%", "không quá 5%", "tối thiểu 90%", "Có", "90%; 80%; 75%"]
)
def test_decomposed_and_uppercase_read_the_same(printed):
    expected = parse_target(printed).parts
    assert parse_target(unicodedata.normalize("NFD", printed)).parts == expected
    assert parse_target(printed.upper()).parts == expected


def test_printed_text_is_kept_normalised():
    target = parse_target(unicodedata.normalize("NFD", "  đạt  trên 75% "))
    assert target.printed == "đạt trên 75%"
    assert unicodedata.is_normalized("NFC", target.printed)


@pytest.mark.parametrize(
    ("printed", "yes", "described"),
    [("Có", True, "Có"), ("có", True, "Có"), ("CO", True, "Có"), ("Không", False, "Không")],
)
def test_yes_no_target(printed, yes, described):
    target = parse_target(printed)
    assert target.parts == (Expectation(None, yes),)
    assert target.describe() == described


@pytest.mark.parametrize(
    "printed",
    [
        "-",
        "*",
        "",
        "Chưa có hướng dẫn",
        "Căn cứ hướng dẫn xác định GRDP để thực hiện",
        "Sản phẩm",
        "Đạt",
        "đạt 95% đối với các phòng, ban và tương đương thuộc UBND cấp thị xã và 80% đối với UBND cấp xã, phường",
        "65-70%",
    ],
)
def test_not_measurable(printed):
    target = parse_target(printed)
    assert not target.assessable
    assert target.parts == ()
    assert target.describe() == target.printed


def test_multipart_with_labels():
    labels = ["tạo lập", "xử lý", "lưu trữ và chia sẻ dữ liệu"]
    target = parse_target("90%; 80%; 75%", labels=labels)
    assert target.is_multipart
    assert target.parts == (
        Threshold("tạo lập", GE, Decimal(90), True),
        Threshold("xử lý", GE, Decimal(80), True),
        Threshold("lưu trữ và chia sẻ dữ liệu", GE, Decimal(75), True),
    )
    assert target.describe() == "tạo lập: ≥90%; xử lý: ≥80%; lưu trữ và chia sẻ dữ liệu: ≥75%"


def test_multipart_without_labels():
    target = parse_target("90%; 80%; 75%")
    assert [p.label for p in target.parts] == [None, None, None]
    assert target.describe() == "≥90%; ≥80%; ≥75%"


def test_single_part_label_is_not_shown():
    target = parse_target(">65%", labels=["hộ gia đình"])
    assert target.parts[0].label == "hộ gia đình"
    assert target.describe() == ">65%"


def test_normalized_overrides_printed():
    printed = "đạt 95% đối với các phòng, ban và tương đương thuộc UBND cấp thị xã và 80% đối với UBND cấp xã, phường"
    target = parse_target(
        printed,
        normalized=">=95%; >=80%",
        labels=["Phòng, ban", "UBND cấp xã, phường"],
        note="hai mức",
    )
    assert target.printed == printed
    assert target.normalized == ">=95%; >=80%"
    assert target.note == "hai mức"
    assert [(p.comparator, p.amount) for p in target.parts] == [
        (GE, Decimal(95)),
        (GE, Decimal(80)),
    ]
    assert target.describe() == "Phòng, ban: ≥95%; UBND cấp xã, phường: ≥80%"


@pytest.mark.parametrize(
    ("printed", "labels"),
    [
        ("90%; 80%; 75%", ["a", "b"]),
        ("90%; 80%; 75%", ["a", "b", "c", "d"]),
        (">65%", ["a", "b"]),
        ("Chưa có hướng dẫn", ["a"]),
        ("-", ["a", "b"]),
    ],
)
def test_labels_that_do_not_fit_raise(printed, labels):
    with pytest.raises(TargetError):
        parse_target(printed, labels=labels)


def test_target_error_is_a_value_error():
    assert issubclass(TargetError, ValueError)


def test_one_unreadable_part_makes_the_whole_target_unmeasurable():
    assert parse_target("90%; Chưa có hướng dẫn").parts == ()


def test_target_without_parts_describes_as_printed():
    target = Target(printed="Chưa có hướng dẫn", normalized="Chưa có hướng dẫn", parts=())
    assert target.describe() == "Chưa có hướng dẫn"


@pytest.mark.parametrize(
    ("comparator", "actual", "amount", "holds"),
    [
        (GE, 80, 80, True),
        (GE, 79, 80, False),
        (GT, 80, 80, False),
        (GT, Fraction(8001, 100), 80, True),
        (LE, 5, 5, True),
        (LE, Fraction(501, 100), 5, False),
        (LT, 5, 5, False),
        (LT, Fraction(499, 100), 5, True),
        (EQ, 100, 100, True),
        (EQ, Fraction(299, 3), 100, False),
    ],
)
def test_comparator_holds(comparator, actual, amount, holds):
    assert comparator.holds(Fraction(actual), Fraction(amount)) is holds


def test_lower_is_better():
    assert LE.lower_is_better and LT.lower_is_better
    assert not (GE.lower_is_better or GT.lower_is_better or EQ.lower_is_better)


def test_threshold_and_expectation_describe():
    assert Threshold(None, GE, Decimal("80.5"), True).describe() == "≥80,5%"
    assert Threshold(None, LT, Decimal("1000"), False).describe() == "<1.000"
    assert Expectation(None, True).describe() == "Có"
    assert Expectation(None, False).describe() == "Không"

"""Reading one cell: targets in every printed form, formulas, schedules, levels."""

from __future__ import annotations

import pytest

from indicators.plan import Frequency, Tier
from indicators.plan_import.cells import (
    TargetForm,
    counted_noun,
    read_formula,
    read_schedule,
    read_target,
    read_tier,
    target_in_name,
)
from indicators.plan_import.header import Role, classify
from indicators.plan_import.template import TEMPLATE_COLUMNS
from indicators.targets import Comparator, Expectation, Threshold


@pytest.mark.parametrize(
    ("printed", "comparator", "amount", "percent"),
    [
        ("≥80%", Comparator.GE, "80", True),
        (">=80%", Comparator.GE, "80", True),
        ("> 60%", Comparator.GT, "60", True),
        ("đạt trên 75%", Comparator.GT, "75", True),
        ("tối thiểu 90%", Comparator.GE, "90", True),
        ("Tối thiểu 90 %", Comparator.GE, "90", True),
        ("100%", Comparator.GE, "100", True),
        ("80% trở lên", Comparator.GE, "80", True),
        ("không quá 5%", Comparator.LE, "5", True),
        ("99,7%", Comparator.GE, "99.7", True),
        ("02 cuộc", Comparator.GE, "2", False),
        ("ít nhất 13 sản phẩm", Comparator.GE, "13", False),
    ],
)
def test_printed_targets_read_as_thresholds(printed, comparator, amount, percent) -> None:
    reading = read_target(printed)
    assert reading.form is (TargetForm.PERCENT if percent else TargetForm.NUMBER)
    (part,) = reading.target().parts
    assert isinstance(part, Threshold)
    assert (part.comparator, str(part.amount), part.is_percent) == (comparator, amount, percent)
    assert reading.printed == printed  # the printed text is kept as printed


def test_counts_say_what_they_count() -> None:
    assert read_target("02 cuộc").noun == "cuộc"
    assert read_target("13 Sản phẩm").noun == "Sản phẩm"


def test_yes_no_and_status_words() -> None:
    yes = read_target("Có")
    assert yes.form is TargetForm.YESNO and yes.target().parts == (Expectation(None, yes=True),)
    assert read_target("Hoàn thành").form is TargetForm.STATUS
    assert read_target("Đáp ứng").form is TargetForm.STATUS
    assert read_target("Triển khai sử dụng").form is TargetForm.STATUS


@pytest.mark.parametrize(
    "printed",
    [
        "Căn cứ hướng dẫn xác định GRDP để thực hiện",
        "Căn cứ hướng dẫn năm 2024",  # a number in prose is not a target
        "*1",
        "Sản phẩm",
        "(phụ thuộc vào điều kiện KT-XH của các đơn vị để đầu tư)",
        "50% doanh nghiệp",
        "đạt 95% đối với các phòng, ban và 80% đối với UBND cấp xã",
    ],
)
def test_prose_is_unreadable_not_guessed(printed: str) -> None:
    assert read_target(printed).form is TargetForm.UNREADABLE


def test_empty_marks_and_several_levels() -> None:
    assert read_target("").form is TargetForm.EMPTY
    assert read_target("-").form is TargetForm.EMPTY
    assert read_target("*").form is TargetForm.EMPTY
    parts = read_target("90%; 80%; 75%")
    assert parts.form is TargetForm.PARTS and len(parts.target().parts) == 3
    assert read_target(">100%").over_100 and not read_target("100%").over_100


def test_targets_at_the_end_or_start_of_a_name() -> None:
    assert target_in_name("Tỷ lệ hồ sơ trực tuyến đạt 70%") == "đạt 70%"
    assert target_in_name("Mức độ hài lòng đạt tối thiểu 90%") == "đạt tối thiểu 90%"
    assert (
        target_in_name("Tỷ lệ thuê bao di động sử dụng điện thoại thông minh trên 80%")
        == "trên 80%"
    )
    assert target_in_name("100% CSDL tạo nền tảng phát triển chính quyền điện tử") == "100%"
    assert target_in_name("Trên 30% hoạt động kiểm tra được thực hiện trực tuyến") == "Trên 30%"
    assert target_in_name("Tỷ lệ xử lý văn bản đạt 95% đối với phòng ban và 80% đối với xã") is None


def test_formulas_from_notes() -> None:
    formula = read_formula("Tỷ lệ = số hộ có cáp quang / tổng số hộ")
    assert formula is not None
    assert (formula.numerator, formula.denominator, formula.noun) == (
        "số hộ có cáp quang",
        "tổng số hộ",
        "hộ",
    )
    formula = read_formula(
        "Số lượng hồ sơ phát sinh trực tuyến toàn trình/Tổng số hồ sơ phát sinh"
        " (trực tuyến + trực tiếp) của các DVCTT"
    )
    assert formula is not None and formula.noun == "hồ sơ"
    assert read_formula("Số DVCTT toàn trình / Tổng số DVCTT x 100%").denominator == "Tổng số DVCTT"


def test_dates_and_document_numbers_are_not_formulas() -> None:
    assert read_formula("Theo Quyết định số 528/QĐ-UBND ngày 27/10/2023 của UBND tỉnh") is None
    assert read_formula("Số hồ sơ được số hoá trên hệ thống") is None
    assert read_formula("A/B/C") is None


def test_counted_nouns() -> None:
    assert counted_noun("Tổng số hộ gia đình trên địa bàn") == "hộ gia đình"
    assert counted_noun("Tổng số DVCTT") == "DVCTT"
    assert counted_noun("người dùng điện thoại di động") == "người dùng điện thoại di động"


def test_schedules() -> None:
    quarter = read_schedule("Hằng quý, trước ngày 25 của tháng cuối quý")
    assert quarter is not None
    assert (quarter.frequency, quarter.due_day, quarter.due_month) == (
        Frequency.QUARTER,
        25,
        "last",
    )
    half = read_schedule("6 tháng một lần, trước ngày 15 của tháng sau")
    assert half is not None and (half.frequency, half.due_month) == (Frequency.HALF, "next")
    assert read_schedule("hằng quý") is None  # no day: not a rule
    assert read_schedule("trước ngày 30 tháng cuối quý") is None  # beyond the 28th


def test_levels_that_report() -> None:
    assert read_tier("thôn") is Tier.VILLAGE
    assert read_tier("Cấp xã") is Tier.COMMUNE
    assert read_tier("Tổ dân phố") is Tier.VILLAGE
    assert read_tier("ban ngành") is None


@pytest.mark.parametrize(
    ("header", "role", "year"),
    [
        ("STT", Role.CODE, None),
        ("Số TT", Role.CODE, None),
        ("Các mục tiêu/chỉ tiêu", Role.NAME, None),
        ("Nội dung", Role.NAME, None),
        ("Thực hiện\nnăm 2022", Role.ACTUAL, 2022),
        ("Chỉ tiêu\nnăm 2024", Role.TARGET, 2024),
        ("Mục tiêu năm 2024", Role.TARGET, 2024),
        ("Chỉ tiêu giao", Role.TARGET, None),
        ("Chủ trì\ntheo dõi, đánh giá", Role.MONITORING, None),
        ("Chủ trì thực hiện", Role.LEAD, None),
        ("Tổ chức thực hiện Bộ phận chủ trì", Role.LEAD, None),
        ("Bộ phận tổng hợp, theo dõi, kiểm tra", Role.MONITORING, None),
        ("Phối hợp", Role.COORDINATING, None),
        ("ĐVT", Role.UNIT, None),
        ("Ghi chú", Role.NOTE, None),
        ("Kết quả đạt được", Role.IGNORED, None),
        ("Nhóm/Chỉ tiêu", Role.NAME, None),
    ],
)
def test_header_words(header: str, role: Role, year: int | None) -> None:
    assert classify(header) == (role, year)


def test_every_template_header_reads_as_its_column() -> None:
    for column in TEMPLATE_COLUMNS:
        assert classify(column.header) == (column.role, None), column.header

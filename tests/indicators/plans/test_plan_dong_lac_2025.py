"""dong-lac-2025 against source document 001_5925669e95529bd1.txt, Phụ lục 01 (lines 564-794)."""

from decimal import Decimal

import pytest

from tests.indicators.plans.transcription import plan_fixture

PLAN_ID = "dong-lac-2025"


plan = plan_fixture(PLAN_ID)


def test_plan_header(plan):
    assert plan.id == PLAN_ID
    assert plan.kind == "plan"
    assert plan.year == 2025
    assert plan.appendix == "Phụ lục 01"
    assert plan.issued_on.isoformat() == "2025-01-14"
    assert plan.issuer == "Đồng Lạc"
    assert plan.source_lines == "564-794"


def test_units_have_no_named_villages(plan):
    province = plan.units
    assert (province.name, province.level) == ("Bắc Kạn", "tỉnh")
    district = province.children[0]
    assert (district.name, district.level) == ("Chợ Đồn", "huyện")
    commune = district.children[0]
    assert (commune.name, commune.level) == ("Đồng Lạc", "xã")
    # "06/06 thôn" (line 539), but no village is named in the document.
    assert commune.children == []


def test_schedule_is_the_documented_default(plan):
    assert plan.schedule.frequency.value == "quarter"
    assert plan.schedule.due_day == 25
    assert plan.schedule.due_month == "last"
    assert plan.schedule.printed is None
    assert plan.schedule.source_line is None
    assert "default" in plan.schedule.note.lower()


def test_number_of_groups(plan):
    assert [g.code for g in plan.groups] == ["1", "2", "3", "4"]
    assert [g.name for g in plan.groups] == [
        "Chính quyền số",
        "Kinh tế số",
        "Xã hội số",
        "Đảm bảo An toàn thông tin mạng",
    ]
    assert len(plan.indicators) == 18


@pytest.mark.parametrize(
    "group_code, count",
    [("1", 10), ("2", 2), ("3", 4), ("4", 2)],
)
def test_indicators_per_group(plan, group_code, count):
    group = next(g for g in plan.groups if g.code == group_code)
    assert len(group.indicators) == count


def test_codes_in_order(plan):
    assert [i.code for i in plan.indicators] == [
        "1.1",
        "1.2",
        "1.3",
        "1.3b",
        "1.4",
        "1.5",
        "1.6",
        "1.7",
        "1.8",
        "1.9",
        "2.1",
        "2.2",
        "3.1",
        "3.2",
        "3.3",
        "3.4",
        "4.1",
        "4.2",
    ]


def test_unnumbered_row_after_1_3(plan):
    row = plan.indicator("1.3b")
    assert row.printed_code == ""
    assert plan.indicator("1.3").printed_code is None


def test_no_history_and_no_responsibility_columns(plan):
    # The appendix has only STT, name, target and Ghi chú columns.
    for indicator in plan.indicators:
        assert indicator.history == []
        assert indicator.lead == []
        assert indicator.coordinating == []
        assert indicator.monitoring == []
        assert indicator.measure.value == "percent"
        assert indicator.unit == "%"


# code, name, printed target, comparator, amount, (numerator, denominator, noun) or None, reported_by
CASES = [
    (
        "1.1",
        "Tỷ lệ cung cấp DVCTT được cung cấp thành DVCTT toàn trình",
        ">=80%",
        ">=",
        Decimal("80"),
        ("Số lượng DVCTT toàn trình", "Tổng số DVCTT", "DVCTT"),
        "commune",
    ),
    (
        "1.2",
        "Tỷ lệ dịch vụ công trực tuyến phát sinh hồ sơ trực tuyến trên tổng số dịch vụ "
        "công trực tuyến có phát sinh hồ sơ",
        "90%",
        ">=",
        Decimal("90"),
        ("Số lượng DVCTT phát sinh hồ sơ trực tuyến", "Tổng số DVCTT phát sinh hồ sơ", "DVCTT"),
        "commune",
    ),
    (
        "1.3",
        "Tỷ lệ hồ sơ phát sinh trực tuyến toàn trình trên tổng số hồ sơ phát sinh của các DVCTT",
        "100%",
        ">=",
        Decimal("100"),
        (
            "Số lượng hồ sơ phát sinh trực tuyến toàn trình",
            "Tổng số hồ sơ phát sinh (trực tuyến + trực tiếp) của các DVCTT",
            "hồ sơ",
        ),
        "commune",
    ),
    (
        "1.3b",
        "Tỷ lệ hồ sơ phát sinh trực tuyến một phần trên tổng số hồ sơ phát sinh của các DVCTT",
        "80%",
        ">=",
        Decimal("80"),
        (
            "Số lượng hồ sơ phát sinh trực tuyến một phần",
            "Tổng số hồ sơ phát sinh (trực tuyến + trực tiếp) của các DVCTT",
            "hồ sơ",
        ),
        "commune",
    ),
    (
        "1.5",
        "Tỷ lệ số hoá hồ sơ, kết quả giải quyết TTHC",
        "100%",
        ">=",
        Decimal("100"),
        None,
        "commune",
    ),
    (
        "1.6",
        "Tỷ lệ văn bản trao đổi giữa các cơ quan nhà nước được thực hiện dưới dạng điện tử, "
        "được ký số bởi chữ ký số chuyên dùng, trừ văn bản mật theo quy định của pháp luật "
        "(cấp tỉnh, xã, xã)",
        "100%",
        ">=",
        Decimal("100"),
        (
            "Số lượng văn bản gửi đi được thực hiện dưới dạng điện tử, được ký số bởi chữ ký số "
            "chuyên dùng",
            "Tổng số văn bản đi của đơn vị (trừ văn bản mật)",
            "văn bản",
        ),
        "commune",
    ),
    (
        "1.8",
        "Tỷ lệ cán bộ, công chức được tập huấn, bồi dưỡng, phổ cập kỹ năng số cơ bản",
        "80%",
        ">=",
        Decimal("80"),
        (
            "Số lượng cán bộ, công chức được tập huấn, bồi dưỡng, phổ cập kỹ năng số cơ bản",
            "Tổng số cán bộ, công chức, UBND xã",
            "cán bộ, công chức",
        ),
        "commune",
    ),
    (
        "1.9",
        "Tỷ lệ cuộc họp của cấp ủy, chính quyền, đoàn thể (trừ các cuộc họp mật) được tổ chức "
        "trực tuyến",
        "80%",
        ">=",
        Decimal("80"),
        None,
        "commune",
    ),
    (
        "2.1",
        "Tỷ trọng kinh tế số trên GRDP",
        "11%",
        ">=",
        Decimal("11"),
        None,
        "commune",
    ),
    (
        "2.2",
        "Tỷ trọng thương mại điện tử trong tổng mức bán lẻ",
        "5%",
        ">=",
        Decimal("5"),
        None,
        "commune",
    ),
    (
        "3.1",
        "Tỷ lệ phủ của hạ tầng mạng băng rộng cáp quang tại các hộ gia đình",
        "76%",
        ">=",
        Decimal("76"),
        (
            "Số hộ gia đình sử dụng mạng băng rộng cáp quang",
            "Tổng số hộ gia đình trên địa bàn",
            "hộ gia đình",
        ),
        "village",
    ),
    (
        "3.2",
        "Tỷ lệ thuê bao di động sử dụng điện thoại thông minh",
        "85%",
        ">=",
        Decimal("85"),
        ("người dùng smartphone", "người dùng điện thoại di động", "người dùng điện thoại di động"),
        "village",
    ),
    (
        "3.3",
        "Tỷ lệ người dân có tài khoản định danh điện tử",
        "60%",
        ">=",
        Decimal("60"),
        None,
        "village",
    ),
    (
        "3.4",
        "Tỷ lệ người dân có hồ sơ số về sức khỏe cá nhân",
        "98%",
        ">=",
        Decimal("98"),
        None,
        "village",
    ),
    (
        "4.2",
        "Tỷ lệ hệ thống thông tin của cơ quan hoàn thành phê duyệt cấp độ an toàn hệ thống "
        "thông tin",
        "100%",
        ">=",
        Decimal("100"),
        None,
        "commune",
    ),
]


@pytest.mark.parametrize(
    "code, name, printed, comparator, amount, formula, reported_by",
    CASES,
    ids=[case[0] for case in CASES],
)
def test_indicator(plan, code, name, printed, comparator, amount, formula, reported_by):
    indicator = plan.indicator(code)
    assert indicator.name == name
    assert indicator.target.printed == printed
    assert indicator.target.assessable
    assert len(indicator.target.parts) == 1
    part = indicator.target.parts[0]
    assert part.comparator.value == comparator
    assert part.amount == amount
    assert part.is_percent
    assert indicator.reported_by == reported_by
    if formula is None:
        assert indicator.formula is None
    else:
        numerator, denominator, noun = formula
        assert indicator.formula.numerator == numerator
        assert indicator.formula.denominator == denominator
        assert indicator.formula.noun == noun


def test_1_5_ghi_chu_kept_in_notes(plan):
    # Ghi chú gives only a numerator (lines 659-663): not a formula.
    notes = plan.indicator("1.5").notes
    assert "Một cửa điện tử" in notes


def test_3_1_formula_printed_across_page_break(plan):
    assert plan.indicator("3.1").formula.printed == (
        "Số hộ gia đình sử dụng mạng băng rộng cáp quang/Tổng số hộ gia đình trên địa bàn"
    )

"""Transcription of Phụ lục 1 (district level) of the H1-2023 report of huyện Vĩnh Lộc.

Source: source document 003_5b9a1b528270f769.txt, lines 504-642.
"""

from decimal import Decimal

import pytest

from tests.indicators.plans.transcription import plan_fixture, single_threshold

PLAN_ID = "vinh-loc-2023-huyen"


plan = plan_fixture(PLAN_ID)


def test_header(plan):
    assert plan.kind == "report"
    assert plan.year == 2023
    assert plan.appendix == "Phụ lục 1"
    assert plan.title == (
        "Kết quả chuyển đổi số cấp huyện theo Công văn số 891/STTTT-CNTT ngày 03/5/2022"
    )
    assert plan.issued_on is None
    assert plan.source == "003_5b9a1b528270f769.txt"
    assert plan.issuer == "huyện Vĩnh Lộc"
    assert plan.issuer_unit.level == "huyện"
    assert plan.units.name == "Thanh Hóa"
    assert plan.units.level == "tỉnh"
    district = plan.units.children[0]
    assert (district.name, district.level) == ("Vĩnh Lộc", "huyện")
    assert [(c.name, c.level) for c in district.children] == [
        ("Minh Tân", "xã"),
        ("Vĩnh Hùng", "xã"),
        ("Vĩnh Thịnh", "xã"),
        ("Vĩnh Lộc", "thị trấn"),
        ("Ninh Khang", "xã"),
        ("Vĩnh Tiến", "xã"),
    ]


def test_schedule(plan):
    assert plan.schedule.frequency.value == "half"
    assert plan.schedule.due_day == 15
    assert plan.schedule.due_month == "next"
    assert plan.schedule.source_line == 21
    assert plan.schedule.note


def test_number_of_groups(plan):
    assert [g.code for g in plan.groups] == ["1", "2", "3", "4"]
    assert [g.name for g in plan.groups] == [
        "Yên cầu chung",  # sic, line 516
        "Chính quyền số",
        "Kinh tế số",
        "Xã hội số",
    ]


@pytest.mark.parametrize(
    ("group_code", "count"),
    [("1", 1), ("2", 7), ("3", 3), ("4", 3)],
)
def test_indicators_per_group(plan, group_code, count):
    group = next(g for g in plan.groups if g.code == group_code)
    assert len(group.indicators) == count


def test_indicator_codes_in_order(plan):
    assert [i.code for i in plan.indicators] == [
        "1.1",
        "2.1",
        "2.2",
        "2.3",
        "2.4",
        "2.5",
        "2.6",
        "2.7",
        "3.1",
        "3.2",
        "3.3",
        "4.1",
        "4.2",
        "4.3",
    ]


# Every row's H1-2023 result, exactly as printed in "Kết quả đạt được".
RESULTS = [
    ("1.1", "0%"),
    ("2.1", "Có"),
    ("2.2", "Đạt"),
    ("2.3", "Chưa đạt"),
    ("2.4", "100%"),
    ("2.5", "100%"),
    ("2.6", "100%"),
    ("2.7", "Đang triển khai"),
    ("3.1", "Chưa đạt"),
    ("3.2", "100%"),
    ("3.3", "13"),
    ("4.1", "Phổ cập"),
    ("4.2", "Chưa đạt"),
    ("4.3", "Đang thực hiện"),
]


@pytest.mark.parametrize(("code", "printed"), RESULTS)
def test_result_h1_2023(plan, code, printed):
    indicator = plan.indicator(code)
    assert len(indicator.history) == 1
    entry = indicator.history[0]
    assert entry.period == "2023-H1"
    assert entry.kind == "actual"
    assert entry.printed == printed
    # The "Khó khăn; đề xuất" column is blank on every row of Phụ lục 1.
    assert entry.note is None


def test_every_row_reported_by_district_without_responsibilities_or_formula(plan):
    for indicator in plan.indicators:
        assert indicator.reported_by.value == "district"
        assert indicator.lead == []
        assert indicator.coordinating == []
        assert indicator.monitoring == []
        assert indicator.formula is None


def test_1_1(plan):
    i = plan.indicator("1.1")
    assert i.name == "Tỷ lệ số xã, phường, thị trấn hoàn thành chuyển đổi số"
    assert i.measure.value == "percent"
    assert i.unit == "%"
    assert i.target.printed == "100%"
    part = single_threshold(i)
    assert part.comparator.value == ">="
    assert part.amount == Decimal("100")
    assert part.is_percent


def test_2_1_yes_no(plan):
    i = plan.indicator("2.1")
    assert i.name == "Triển khai hệ thống thông tin CSDL tổng hợp cấp huyện, cấp xã"
    assert i.measure.value == "yesno"
    assert i.target.printed == "Có"
    assert i.target.assessable
    assert len(i.target.parts) == 1


def test_2_3(plan):
    i = plan.indicator("2.3")
    assert i.name == (
        "Tỷ lệ các cuộc kiểm tra của cơ quan quản lý nhà nước được thực hiện thông qua "
        "môi trường mạng và hệ thống thông tin của cơ quan quản lý"
    )
    assert i.measure.value == "percent"
    assert i.target.printed == "50%"
    part = single_threshold(i)
    assert part.comparator.value == ">="
    assert part.amount == Decimal("50")
    assert part.is_percent


def test_2_5(plan):
    i = plan.indicator("2.5")
    assert i.name == (
        "Tỷ lệ người dân, doanh nghiệp trở lên hài lòng với giải quyết thủ tục hành chính"
    )
    assert i.target.printed == "90%"
    part = single_threshold(i)
    assert part.comparator.value == ">="
    assert part.amount == Decimal("90")


def test_2_7_conditional_target(plan):
    i = plan.indicator("2.7")
    assert i.name == (
        "Có Trung tâm điều hành thông minh phù hợp với cấp huyện. "
        "(phụ thuộc vào điều kiện KT-XH của các đơn vị để đầu tư)"
    )
    assert i.measure.value == "yesno"
    assert i.target.printed == "(phụ thuộc vào điều kiện KT-XH của các đơn vị để đầu tư)"
    assert not i.target.assessable
    assert i.target.note


def test_3_1(plan):
    i = plan.indicator("3.1")
    assert i.name == "Tỷ lệ doanh nghiệp chuyển đổi số"
    assert i.target.printed == "50%"
    part = single_threshold(i)
    assert part.comparator.value == ">="
    assert part.amount == Decimal("50")
    assert part.is_percent


def test_3_2(plan):
    i = plan.indicator("3.2")
    assert i.name == (
        "Tỷ lệ doanh nghiệp, hợp tác xã, trang trại, làng nghề, hộ kinh doanh được tiếp cận "
        "chương trình hỗ trợ chuyển đổi số"
    )
    assert i.target.printed == "100%"
    part = single_threshold(i)
    assert part.amount == Decimal("100")


def test_3_3_count_of_products(plan):
    i = plan.indicator("3.3")
    assert i.name == (
        "Các sản phẩm nông nghiệp chủ lực, các sản phẩm OCOP đưa lên sàn thương mại điện tử "
        "và được gắn mã QR truy xuất nguồn gốc"
    )
    assert i.measure.value == "count"
    assert i.unit == "Sản phẩm"
    assert i.target.printed == "Sản phẩm"
    assert not i.target.assessable
    assert i.target.note


def test_4_1_status(plan):
    i = plan.indicator("4.1")
    assert i.name == ("Phổ cập dịch vụ Internet băng rộng cáp quang; phổ cập dịch vụ di động 4G/5G")
    assert i.measure.value == "status"
    assert i.target.printed == ""
    assert not i.target.assessable


def test_4_2(plan):
    i = plan.indicator("4.2")
    assert i.name == "Tỷ lệ dân số từ 18 tuổi trở lên có tài khoản thanh toán điện tử"
    assert i.measure.value == "percent"
    assert i.target.printed == "80%"
    part = single_threshold(i)
    assert part.comparator.value == ">="
    assert part.amount == Decimal("80")
    assert part.is_percent


def test_4_3_status(plan):
    i = plan.indicator("4.3")
    assert i.name == "Thúc đẩy chuyển đổi số trong các lĩnh vực trên địa bàn"
    assert i.measure.value == "status"
    assert i.target.printed == ""
    assert not i.target.assessable

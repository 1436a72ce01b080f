"""Transcription of Phụ lục 2 (commune level) of the H1-2023 report of huyện Vĩnh Lộc.

Source: source document 003_5b9a1b528270f769.txt, lines 643-1096.
"""

from decimal import Decimal

import pytest

from tests.indicators.plans.transcription import plan_fixture

PLAN_ID = "vinh-loc-2023-xa"


plan = plan_fixture(PLAN_ID)


def test_header(plan):
    assert plan.kind == "report"
    assert plan.year == 2023
    assert plan.appendix == "Phụ lục 2"
    assert plan.title.startswith(
        "Kết quả chuyển đổi số tại đơn vị cấp xã theo Quyết định số 1829/QĐ-UBND, ngày 30/5/2023"
    )
    assert plan.issued_on is None
    assert plan.source == "003_5b9a1b528270f769.txt"
    assert plan.issuer == "huyện Vĩnh Lộc"
    assert plan.issuer_unit.level == "huyện"
    assert (plan.units.name, plan.units.level) == ("Thanh Hóa", "tỉnh")
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
    assert plan.schedule.note  # no due date in the document: default explained


def test_groups(plan):
    assert [(g.code, g.name) for g in plan.groups] == [
        ("1", "Chính quyền số"),
        ("2", "Kinh tế số"),
        ("3", "Xã hội số"),
        ("4", "Hạ tầng số"),
    ]


@pytest.mark.parametrize(
    "code, count",
    [("1", 11), ("2", 6), ("3", 12), ("4", 8)],  # as announced in the body, lines 439-445
)
def test_indicators_per_group(plan, code, count):
    group = next(g for g in plan.groups if g.code == code)
    assert len(group.indicators) == count


def test_total_and_order(plan):
    assert [i.code for i in plan.indicators] == (
        [f"1.{n}" for n in range(1, 12)]
        + [f"2.{n}" for n in range(1, 7)]
        + [f"3.{n}" for n in range(1, 13)]
        + [f"4.{n}" for n in range(1, 9)]
    )


# code, measure, unit (Đơn vị tính), target as printed (Chỉ tiêu cụ thể năm 2023),
# H1-2023 result as printed (Kết quả đạt được)
ROWS = [
    ("1.1", "percent", "Văn bản", "100%", "Đạt"),
    ("1.2", "percent", "%", "100%", "Chưa đạt"),
    ("1.3", "percent", "%", "100%", "Đạt"),
    ("1.4", "percent", "%", "100%", "Đạt"),
    ("1.5", "percent", "%", "100%", "Đạt"),
    ("1.6", "percent", "%", "70%", "Có"),
    ("1.7", "yesno", "Kênh giao tiếp", "Có", "Có"),
    ("1.8", "status", "Hệ thống", "Triển khai sử dụng", "Triển khai"),
    (
        "1.9",
        "status",
        "Có trang",
        "Cung cấp đầy đủ thông tin theo quy định",
        "Chưa cung cấp đầy đủ thông tin",
    ),
    ("1.10", "percent", "%", "100%", "100%"),
    ("1.11", "count", "Nền tảng", "*1", "*1"),
    ("2.1", "percent", "%", "100%", "100%"),
    ("2.2", "percent", "%", "100%", "100%"),
    ("2.3", "percent", "%", "100%", "Đạt"),
    ("2.4", "percent", "%", "60%", "Chưa đạt"),
    ("2.5", "percent", "%", "50%", "Chưa đạt"),
    ("2.6", "percent", "%", "50%", "Chưa đạt"),
    ("3.1", "percent", "%", "60%", "60%"),
    ("3.2", "percent", "%", "60%", "Đạt"),
    ("3.3", "percent", "%", "*", "*"),
    ("3.4", "percent", "%", "65%", "Đạt"),
    ("3.5", "percent", "%", "95%", "Chưa đạt"),
    ("3.6", "percent", "%", "10%", "Đạt"),
    ("3.7", "percent", "%", "100%", "100%"),
    ("3.8", "percent", "%", "50%", "50%"),
    ("3.9", "percent", "%", "50%", "50%"),
    ("3.10", "percent", "%", "30%", "Chưa đạt"),
    ("3.11", "percent", "%", "20%", "Đạt"),
    ("3.12", "percent", "%", "60%", "Đạt"),
    ("4.1", "percent", "%", "100%", "Đạt"),
    ("4.2", "status", "Hệ thống", "Đáp ứng", "Đáp ứng"),
    ("4.3", "percent", "%", "100%", "Đạt"),
    ("4.4", "yesno", "Hệ thống", "Có", "Có"),
    ("4.5", "yesno", "Điểm phát", "Có", "Có"),
    ("4.6", "yesno", "Hệ thống", "Có", "Có"),
    ("4.7", "yesno", "Đài", "Có", "Chưa đạt"),
    ("4.8", "count", "Điểm", "*", "Đạt"),
]


def test_rows_table_is_complete(plan):
    assert [row[0] for row in ROWS] == [i.code for i in plan.indicators]


@pytest.mark.parametrize("code, measure, unit, target, result", ROWS)
def test_row(plan, code, measure, unit, target, result):
    ind = plan.indicator(code)
    assert ind.measure.value == measure
    assert ind.unit == unit
    assert ind.target.printed == target
    assert ind.reported_by == "commune"
    assert [(h.period, h.kind, h.printed) for h in ind.history] == [("2023-H1", "actual", result)]


def test_difficulty_column_is_empty(plan):
    # "Khó khăn, vướng mắc" is blank in every row of Phụ lục 2.
    assert all(h.note is None for i in plan.indicators for h in i.history)


def test_no_responsibility_columns_or_formulas(plan):
    for ind in plan.indicators:
        assert ind.lead == []
        assert ind.coordinating == []
        assert ind.monitoring == []
        assert ind.formula is None


NAMES = [
    (
        "1.1",
        "Xây dựng và tổ chức triển khai thực hiện các chỉ tiêu về chuyển đổi số "
        "theo giai đoạn và hàng năm.",
    ),
    (
        "1.7",
        "Ứng dụng nền tảng số hỗ trợ chính quyền cấp xã giao tiếp, tương tác và tiếp "
        "nhận các ý kiến, phản ánh, kiến nghị của người dân (Kênh zalo, Trang Thông tin "
        "điện tử, ...)",
    ),
    (
        "1.9",
        "Trang thông tin điện tử hoạt động tuân theo quy định Nghị định số "
        "42/2022/NĐ-CP quy định về việc cung cấp thông tin và dịch vụ công trực tuyến "
        "của cơ quan nhà nước trên môi trường mạng",
    ),
    (
        "1.11",
        "Triển khai các nền tảng công nghệ, ứng dụng phòng, chống dịch theo các hướng "
        "dẫn của Bộ Y tế và Bộ Thông tin và Truyền thông.",
    ),
    (
        "2.1",
        "Tuyên truyền, nâng cao nhận thức cho doanh nghiệp, hộ kinh doanh, sản xuất và "
        "người dân về chuyển đổi số, phát triển kinh tế, mua bán, phân phối hàng hóa "
        "dựa trên môi trường mạng.",
    ),
    ("2.5", "Tỷ lệ doanh nghiệp sử dụng hợp đồng điện tử"),
    (
        "3.2",
        "Tỷ lệ dân số từ 15 tuổi trở lên có tài khoản giao dịch thanh toán tại ngân "
        "hàng hoặc tổ chức được phép khác",
    ),
    ("3.9", "Số lượng người dân có tài khoản định danh điện tử"),
    ("3.10", "Tỷ lệ dân số ở độ tuổi trưởng thành có chữ ký số hoặc chữ ký điện tử cá nhân"),
    ("4.3", "100% CBCC có máy tính phục vụ công việc"),
    (
        "4.6",
        "Có hệ thống Camara an ninh được kết nối đến UBND xã hoặc công an xã để quản "
        "lý và giám sát",
    ),
    (
        "4.8",
        "Điểm cung cấp dịch vụ bưu chính, viễn thông tại xã (nếu có) trở thành điểm "
        "tư vấn, hỗ trợ, triển khai các dịch vụ chuyển đổi số",
    ),
]


@pytest.mark.parametrize("code, name", NAMES)
def test_name(plan, code, name):
    assert plan.indicator(code).name == name


def test_printed_code_with_trailing_period(plan):
    assert plan.indicator("3.1").printed_code == "3.1."


@pytest.mark.parametrize(
    "code, amount, is_percent",
    [
        ("1.2", Decimal("100"), True),
        ("1.6", Decimal("70"), True),
        ("2.4", Decimal("60"), True),
        ("3.4", Decimal("65"), True),
        ("3.6", Decimal("10"), True),
        ("3.11", Decimal("20"), True),
        ("4.1", Decimal("100"), True),
        ("1.11", Decimal("1"), False),  # printed "*1", normalised ">=1"
    ],
)
def test_numeric_targets(plan, code, amount, is_percent):
    target = plan.indicator(code).target
    assert target.assessable
    (part,) = target.parts
    assert part.comparator.value == ">="
    assert part.amount == amount
    assert part.is_percent is is_percent


def test_star_target_normalised(plan):
    ind = plan.indicator("1.11")
    assert ind.target.normalized == ">=1"
    assert ind.target.note


@pytest.mark.parametrize("code", ["3.3", "4.8"])
def test_bare_star_targets_not_assessable(plan, code):
    target = plan.indicator(code).target
    assert target.printed == "*"
    assert target.normalized == "-"
    assert not target.assessable
    assert target.note


@pytest.mark.parametrize("code", ["1.8", "1.9", "4.2"])
def test_status_targets_not_assessable(plan, code):
    assert not plan.indicator(code).target.assessable


@pytest.mark.parametrize("code", ["1.7", "4.4", "4.5", "4.6", "4.7"])
def test_yes_targets(plan, code):
    ind = plan.indicator(code)
    assert ind.target.printed == "Có"
    assert ind.target.assessable

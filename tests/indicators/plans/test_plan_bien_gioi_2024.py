"""Transcription of Phụ lục 2 (targets for 2024) of a border district's plan.

Source: source document 002_9bcb7f7b6358a3b7.txt, lines 3-49. The district is not named.
The document has no history columns, so every indicator's history is empty.
"""

from decimal import Decimal

import pytest

from tests.indicators.plans.transcription import plan_fixture

PLAN_ID = "bien-gioi-2024"
UNNAMED = "Huyện biên giới (tên không có trong văn bản)"


plan = plan_fixture(PLAN_ID)


def test_header(plan):
    assert plan.kind == "plan"
    assert plan.year == 2024
    assert plan.appendix == "Phụ lục 2"
    assert plan.title == "Các chỉ tiêu thực hiện năm 2024 và phân công thực hiện"
    assert plan.issued_on is None
    assert plan.source == "002_9bcb7f7b6358a3b7.txt"
    assert plan.issuer == UNNAMED
    assert (plan.units.name, plan.units.level) == (UNNAMED, "huyện")
    assert plan.units.children == []


def test_schedule_is_a_default(plan):
    assert plan.schedule.frequency.value == "half"
    assert plan.schedule.due_day == 15
    assert plan.schedule.due_month == "next"
    assert plan.schedule.printed is None
    assert plan.schedule.source_line is None
    assert plan.schedule.note


def test_number_of_groups(plan):
    assert [g.code for g in plan.groups] == ["I", "II", "III", "IV", "V", "VI"]
    assert [g.name for g in plan.groups] == [
        "Hạ tầng số",
        "Dữ liệu số",
        "Chính quyền số",
        "Kinh tế số",
        "Xã hội số",
        "An toàn, an ninh mạng",
    ]


@pytest.mark.parametrize(
    ("group_code", "count"),
    [("I", 2), ("II", 2), ("III", 6), ("IV", 7), ("V", 11), ("VI", 2)],
)
def test_indicators_per_group(plan, group_code, count):
    group = next(g for g in plan.groups if g.code == group_code)
    assert len(group.indicators) == count


def test_total_indicators(plan):
    assert len(plan.indicators) == 30


def test_codes_are_group_plus_printed_number(plan):
    # Printed numbers: I 1-2, II 1-2, III 1-6, IV 7-13, V 14-24, VI 25-26.
    expected = (
        [("I", n) for n in range(1, 3)]
        + [("II", n) for n in range(1, 3)]
        + [("III", n) for n in range(1, 7)]
        + [("IV", n) for n in range(7, 14)]
        + [("V", n) for n in range(14, 25)]
        + [("VI", n) for n in range(25, 27)]
    )
    assert [(i.code, i.printed_code) for i in plan.indicators] == [
        (f"{g}.{n}", str(n)) for g, n in expected
    ]


# Every target exactly as printed, and the comparator/amount the careful official reads.
TARGETS = [
    ("I.1", "20%", ">=", "20"),
    ("I.2", "99,7%", ">=", "99.7"),
    ("II.1", "100%", ">=", "100"),
    ("II.2", "100%", ">=", "100"),
    ("III.1", "60%", ">=", "60"),
    ("III.2", "30%", ">=", "30"),
    ("III.3", "100%", ">=", "100"),
    ("III.4", "50%", ">=", "50"),
    ("III.5", "70%", ">=", "70"),
    ("III.6", "50%", ">=", "50"),
    ("IV.7", ">5%", ">", "5"),
    ("IV.8", "3%", ">=", "3"),
    ("IV.9", ">3%", ">", "3"),
    ("IV.10", "≥15%", ">=", "15"),
    ("IV.11", ">3%", ">", "3"),
    ("IV.12", ">2%", ">", "2"),
    ("IV.13", "> 60%", ">", "60"),
    ("V.14", ">80%", ">", "80"),
    ("V.15", ">65%", ">", "65"),
    ("V.16", ">80%", ">", "80"),
    ("V.17", ">5%", ">", "5"),
    ("V.18", ">75%", ">", "75"),
    ("V.19", ">60%", ">", "60"),
    ("V.20", ">85%", ">", "85"),
    ("V.21", "70%", ">=", "70"),
    ("V.22", ">60%", ">", "60"),
    ("V.23", ">10", ">", "10"),
    ("V.24", ">20 %", ">", "20"),
    ("VI.25", ">100%", "=", "100"),
    ("VI.26", ">50%", ">", "50"),
]


@pytest.mark.parametrize(("code", "printed", "comparator", "amount"), TARGETS)
def test_targets(plan, code, printed, comparator, amount):
    indicator = plan.indicator(code)
    assert indicator.measure.value == "percent"
    assert indicator.unit == "%"
    assert indicator.target.printed == printed
    assert indicator.target.assessable
    (part,) = indicator.target.parts
    assert part.comparator.value == comparator
    assert part.amount == Decimal(amount)
    assert part.is_percent
    assert indicator.history == []


def test_normalised_targets(plan):
    assert plan.indicator("IV.13").target.normalized == ">60%"
    assert plan.indicator("V.23").target.normalized == ">10%"
    assert plan.indicator("V.24").target.normalized == ">20%"
    assert plan.indicator("VI.25").target.normalized == "=100%"
    for code in ("IV.13", "V.23", "V.24", "VI.25"):
        assert plan.indicator(code).target.note


def test_i_1_border_villages_speed_test(plan):
    i = plan.indicator("I.1")
    assert i.name == (
        "Tỷ lệ các thôn, làng xã Biên giới của huyện được thực hiện đo kiểm tốc độ "
        "mạng viễn thông di động ( đảm bảo đạt 40 Mbps )"
    )
    assert i.formula is None  # the italic part is a condition, not a formula
    assert i.reported_by == "district"
    assert i.lead == ["Phòng Văn hoá và Thông tin"]
    assert i.coordinating == ["Các Doanh nghiệp viễn thông"]
    assert i.monitoring == []


def test_i_2_mobile_coverage(plan):
    i = plan.indicator("I.2")
    assert i.name == "Tỷ lệ số thôn được phủ sóng băng rộng di động"
    assert i.target.parts[0].amount == Decimal("99.7")
    assert i.lead == ["Phòng Văn hoá và Thông tin"]
    assert i.coordinating == ["Các Doanh nghiệp viễn thông", "UBND cấp xã, thị trấn"]


def test_ii_1_shared_data(plan):
    i = plan.indicator("II.1")
    assert i.name == (
        "Cập nhật, chia sẻ dữ liệu lên Kho cơ sở dữ liệu dùng chung của tỉnh theo "
        "Quyết định số 528/QĐ-UBND ngày 27/10/2023 của UBND tỉnh"
    )
    assert i.target.printed == "100%"
    assert i.lead == ["UBND huyện"]
    assert i.coordinating == ["Đề nghị Sở Thông tin và Truyền thông phối hợp"]
    assert i.reported_by == "district"


def test_iii_2_online_payment_formula_from_name(plan):
    i = plan.indicator("III.2")
    assert i.name == (
        "Thanh toán trực tuyến trên Cổng Dịch vụ công quốc gia trên tổng số "
        "giao dịch thanh toán của dịch vụ công"
    )
    assert i.target.printed == "30%"
    assert i.formula.numerator == "Thanh toán trực tuyến trên Cổng Dịch vụ công quốc gia"
    assert i.formula.denominator == "tổng số giao dịch thanh toán của dịch vụ công"
    assert i.formula.noun == "giao dịch thanh toán"
    # "UBND cấp" is cut off at a line end in the extract; kept as printed.
    assert i.lead == ["Các cơ quan, đơn vị UBND cấp huyện", "UBND cấp"]
    assert i.coordinating == ["Văn phòng UBND huyện"]
    assert "UBND cấp xã" in i.notes


def test_iii_5_periodic_reports(plan):
    i = plan.indicator("III.5")
    assert i.name == (
        "Các báo cáo định kỳ (không bao gồm nội dung mật) của các cơ quan hành chính nhà nước "
        "được thực hiện trên Hệ thống thông tin báo cáo của tỉnh, được tích hợp, kết nối, "
        "chia sẻ dữ liệu với các hệ thống dùng chung của tỉnh và Hệ thống thông tin báo cáo "
        "Chính phủ"
    )
    assert i.target.printed == "70%"
    assert i.lead == ["Văn phòng UBND huyện"]
    assert i.coordinating == ["Các cơ quan, đơn vị, địa phương"]


def test_iv_9_ecommerce_formula(plan):
    i = plan.indicator("IV.9")
    assert i.name == (
        "Tỷ trọng thương mại điện tử trong tổng mức bán lẻ ( Giao dịch thương mại điện tử "
        "bán lẻ/ tổng mức bán lẻ hàng hóa và doanh thu dịch vụ tiêu dùng )"
    )
    assert i.target.printed == ">3%"
    assert i.formula.printed == (
        "Giao dịch thương mại điện tử bán lẻ/ tổng mức bán lẻ hàng hóa "
        "và doanh thu dịch vụ tiêu dùng"
    )
    assert i.formula.numerator == "Giao dịch thương mại điện tử bán lẻ"
    assert i.formula.denominator == "tổng mức bán lẻ hàng hóa và doanh thu dịch vụ tiêu dùng"
    assert i.lead == ["Phòng Tài chính- Kế hoạch"]
    assert i.coordinating == ["Các cơ quan, đơn vị UBND cấp huyện", "UBND cấp xã"]


def test_iv_10_hospital_fees_formula(plan):
    i = plan.indicator("IV.10")
    assert i.name == (
        "Tỷ trọng thanh toán viện phí không dùng tiền mặt ( Tỷ lệ thanh toán viện phí không "
        "dùng tiền mặt tại các cơ sở khám bệnh, chữa bệnh/tổng lượt thanh toán viện phí tại "
        "các cơ sở khám bệnh, chữa bệnh )"
    )
    assert i.target.printed == "≥15%"
    assert i.formula.numerator == (
        "Tỷ lệ thanh toán viện phí không dùng tiền mặt tại các cơ sở khám bệnh, chữa bệnh"
    )
    assert i.formula.denominator == (
        "tổng lượt thanh toán viện phí tại các cơ sở khám bệnh, chữa bệnh"
    )
    assert i.formula.noun == "lượt thanh toán viện phí"
    assert i.lead == ["Phòng Y Tế"]
    assert i.coordinating == ["Các cơ sở Y tế trên địa bàn huyện"]


def test_iv_13_e_invoices(plan):
    i = plan.indicator("IV.13")
    assert i.name == "Tỷ lệ doanh nghiệp sử dụng hóa đơn điện tử"
    assert i.target.printed == "> 60%"
    assert i.lead == ["Cục thuế huyện"]
    assert i.coordinating == ["UBND cấp xã, thị trấn"]


def test_v_17_name_joined_across_page_break(plan):
    i = plan.indicator("V.17")
    assert i.name == (
        "Tỷ lệ dân số trưởng thành (14 tuổi) có chữ ký số hoặc chữ ký điện tử cá nhân"
    )
    assert i.target.printed == ">5%"
    assert i.lead == ["Phòng Văn hoá và Thông tin"]
    assert i.coordinating == ["Các doanh nghiệp viễn thông"]


def test_v_23_percent_sign_missing(plan):
    i = plan.indicator("V.23")
    assert i.name == (
        "Tỷ lệ các cơ sở khám chữa bệnh (công lập) có kết nối với cơ sở tuyến trên để "
        "hội chẩn trực tuyến, khám chữa bệnh từ xa"
    )
    assert i.target.printed == ">10"
    assert i.target.normalized == ">10%"
    assert i.lead == ["Phòng Y tế"]
    assert i.coordinating == ["Các cơ sở khám chữa bệnh"]


def test_v_24_digital_addresses_reported_by_communes(plan):
    i = plan.indicator("V.24")
    assert i.name == "Tỷ lệ hộ gia đình có địa chỉ số đáp ứng các trường thông tin cơ bản"
    assert i.target.printed == ">20 %"
    assert i.reported_by == "commune"
    assert i.lead == ["UBND cấp xã, thị trấn"]
    assert i.coordinating == ["Phòng Văn hoá và Thông tin", "Bưu điện huyện"]


def test_vi_25_more_than_100_percent_read_as_all(plan):
    i = plan.indicator("VI.25")
    assert i.name == (
        "Hệ thống thông tin của cơ quan nhà nước được phê duyệt cấp độ an toàn hệ thống thông tin"
    )
    assert i.target.printed == ">100%"
    assert i.target.normalized == "=100%"
    assert i.lead == ["Các cơ quan, đơn vị", "UBND cấp xã, thị trấn"]
    assert i.coordinating == ["Phòng Văn hoá và Thông tin"]


def test_vi_26_name_joined_across_page_break(plan):
    i = plan.indicator("VI.26")
    assert i.name == (
        "Hệ thống thông tin của cơ quan nhà nước đáp ứng yêu cầu bảo đảm an toàn "
        "hệ thống thông tin theo cấp độ"
    )
    assert i.target.printed == ">50%"
    assert i.lead == ["Các cơ quan, đơn vị", "UBND cấp xã, thị trấn"]


def test_only_v_24_is_reported_by_communes(plan):
    assert [i.code for i in plan.indicators if i.reported_by != "district"] == ["V.24"]


def test_formulas_only_where_printed(plan):
    assert [i.code for i in plan.indicators if i.formula is not None] == [
        "III.2",
        "IV.9",
        "IV.10",
    ]

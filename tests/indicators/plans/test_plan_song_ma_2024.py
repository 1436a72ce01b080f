"""Transcription checks for song-ma-2024 against source document 000_2b9268ad2d7853bb.txt (Phụ lục I)."""

from decimal import Decimal

import pytest

from tests.indicators.plans.transcription import history, only_part, plan_fixture

PLAN_ID = "song-ma-2024"


plan = plan_fixture(PLAN_ID)


def test_plan_header(plan):
    assert plan.id == PLAN_ID
    assert plan.kind == "plan"
    assert plan.year == 2024
    assert plan.appendix == "Phụ lục I"
    assert plan.issuer == "thị trấn Sông Mã"
    assert (plan.issuer_unit.level, plan.issuer_unit.name) == ("thị trấn", "Sông Mã")


def test_schedule_is_the_default(plan):
    # The document states no reporting rule: six-monthly, before the 15th of the next month.
    assert plan.schedule.frequency.value == "half"
    assert plan.schedule.due_day == 15
    assert plan.schedule.due_month == "next"
    assert plan.schedule.printed is None


def test_number_of_groups(plan):
    assert [g.code for g in plan.groups] == ["I", "II", "III"]


@pytest.mark.parametrize("group_code, count", [("I", 8), ("II", 2), ("III", 5)])
def test_indicators_per_group(plan, group_code, count):
    group = next(g for g in plan.groups if g.code == group_code)
    assert len(group.indicators) == count


def test_i1_full_service_tthc(plan):
    ind = plan.indicator("I.1")
    assert ind.name == (
        "TTHC đủ điều kiện theo quy định của pháp luật được cung cấp dưới hình thức DVCTT "
        "toàn trình và được cung cấp trên nhiều phương tiện truy cập khác nhau, bao gồm cả "
        "thiết bị di động; duy trì kết nối, chia sẻ thông tin giữa Cổng dịch vụ công tỉnh "
        "với Cổng dịch vụ công quốc gia."
    )
    assert ind.measure.value == "percent"
    assert ind.target.printed == "100%"
    part = only_part(ind)
    assert part.comparator.value == ">="
    assert part.amount == Decimal("100")
    assert part.is_percent
    assert ind.formula is None
    assert ind.lead == ["Bộ phận một cửa", "Các ngành UBND thị trấn có liên quan"]
    assert ind.coordinating == []
    assert ind.monitoring == ["Văn phòng HĐND&UBND thị trấn"]
    assert history(ind) == [
        ("2022", "actual", "-"),
        ("2023", "target", "100%"),
        ("2023", "actual", "100%"),
    ]


def test_i3_identified_users(plan):
    ind = plan.indicator("I.3")
    assert ind.name == (
        "Người dân và doanh nghiệp sử dụng DVCTT được định danh và xác thực thông suốt, "
        "hợp nhất trên tất cả các hệ thống của các cấp chính quyền"
    )
    assert ind.target.printed == "100%"
    part = only_part(ind)
    assert part.comparator.value == ">="
    assert part.amount == Decimal("100")
    assert ind.lead == ["Bộ phận một cửa", "Các ngành UBND thị trấn có liên quan"]
    assert ind.monitoring == ["Văn phòng HĐND&UBND thị trấn"]
    assert history(ind) == [
        ("2022", "actual", "-"),
        ("2023", "target", "50%"),
        ("2023", "actual", "72%"),
    ]


def test_i4_three_part_target(plan):
    ind = plan.indicator("I.4")
    assert ind.name == (
        "Hồ sơ công việc tại cấp xã được tạo lập, xử lý, lưu trữ và chia sẻ dữ liệu hoàn toàn "
        "dưới dạng điện tử trên môi trường mạng (trừ những hồ sơ công việc thuộc phạm vi bí "
        "mật nhà nước)"
    )
    assert ind.target.printed == "90%; 80%; 75%"
    assert ind.target.normalized == ">=90%; >=80%; >=75%"
    assert ind.target.assessable
    parts = ind.target.parts
    assert [p.label for p in parts] == ["tạo lập", "xử lý", "lưu trữ và chia sẻ dữ liệu"]
    assert [p.comparator.value for p in parts] == [">=", ">=", ">="]
    assert [p.amount for p in parts] == [Decimal("90"), Decimal("80"), Decimal("75")]
    assert all(p.is_percent for p in parts)
    assert ind.lead == ["Các ngành UBND thị trấn có liên quan"]
    assert ind.monitoring == ["Văn phòng HĐND&UBND thị trấn"]
    assert history(ind) == [
        ("2022", "actual", "-"),
        ("2023", "target", "70%; 60%; 25%"),
        ("2023", "actual", "70%; 60%; 25%"),
    ]


def test_i5_reports_on_shared_system(plan):
    ind = plan.indicator("I.5")
    assert ind.name == (
        "Tỷ lệ báo cáo, chỉ tiêu tổng hợp báo cáo định kỳ và báo cáo thống kê phục vụ sự "
        "lãnh đạo, chỉ đạo, điều hành của cấp ủy, chính quyền các cấp được kết nối, tích hợp, "
        "chia sẻ dữ liệu số trên hệ thống dùng chung"
    )
    assert ind.target.printed == "70%"
    part = only_part(ind)
    assert part.comparator.value == ">="
    assert part.amount == Decimal("70")
    assert history(ind) == [
        ("2022", "actual", "10%"),
        ("2023", "target", "50%"),
        ("2023", "actual", "50%"),
    ]


def test_i7_basic_digital_skills(plan):
    ind = plan.indicator("I.7")
    assert ind.name == (
        "Cán bộ, công chức, viên chức được tập huấn, bồi dưỡng, phổ cập kỹ năng số cơ bản"
    )
    assert ind.target.printed == "100%"
    part = only_part(ind)
    assert part.comparator.value == ">="
    assert part.amount == Decimal("100")
    assert ind.lead == ["Các ngành UBND thị trấn"]
    assert ind.monitoring == ["Công chức VH-XH thị trấn"]
    assert history(ind) == [
        ("2022", "actual", "2,64%"),
        ("2023", "target", "80%"),
        ("2023", "actual", "80,37%"),
    ]


def test_i8_data_skills(plan):
    ind = plan.indicator("I.8")
    assert ind.name == (
        "Cán bộ, công chức, viên chức được tập huấn, bồi dưỡng kỹ năng phân tích, khai thác "
        "dữ liệu và công nghệ số"
    )
    assert ind.target.printed == "50%"
    assert only_part(ind).amount == Decimal("50")
    assert history(ind) == [
        ("2022", "actual", "2,64%"),
        ("2023", "target", "30%"),
        ("2023", "actual", "30,42%"),
    ]


@pytest.mark.parametrize(
    "code, name",
    [
        ("II.1", "Tỷ trọng kinh tế số trong GRDP"),
        ("II.2", "Tỷ trọng kinh tế số trong từng ngành, lĩnh vực"),
    ],
)
def test_group_ii_merged_cells(plan, code, name):
    # Rows II.1 and II.2 share merged cells: both carry the same printed values.
    ind = plan.indicator(code)
    assert ind.name == name
    assert ind.measure.value == "percent"
    assert ind.target.printed == "Căn cứ hướng dẫn xác định GRDP để thực hiện"
    assert not ind.target.assessable
    assert ind.lead == ["Các ngành UBND thị trấn có liên quan"]
    assert ind.monitoring == ["Công chức Tài chính - Kế toán"]
    assert history(ind) == [
        ("2022", "actual", "Chưa xác định được trong năm 2022"),
        ("2023", "target", "Chưa có hướng dẫn"),
        ("2023", "actual", "Chưa xác định được trong năm 2023"),
    ]


def test_iii1_fibre_coverage(plan):
    ind = plan.indicator("III.1")
    assert ind.name == "Tỷ lệ phủ mạng băng rộng cố định (cáp quang)"
    assert ind.target.printed == "99%"
    part = only_part(ind)
    assert part.comparator.value == ">="
    assert part.amount == Decimal("99")
    assert ind.reported_by.value == "village"
    assert ind.lead == ["UBND thị trấn", "các doanh nghiệp viễn thông trên địa bàn"]
    assert ind.monitoring == ["Công chức VH-XH thị trấn"]
    assert history(ind) == [
        ("2022", "actual", "-"),
        ("2023", "target", "97%"),
        ("2023", "actual", "97,8%"),
    ]


def test_iii2_mobile_broadband(plan):
    ind = plan.indicator("III.2")
    assert ind.name == "Phổ cập dịch vụ mạng di động tốc độ cao (4G/5G)"
    assert ind.target.printed == "99,56%"
    part = only_part(ind)
    assert part.comparator.value == ">="
    assert part.amount == Decimal("99.56")
    assert history(ind) == [
        ("2022", "actual", "-"),
        ("2023", "target", "96,5%"),
        ("2023", "actual", "98,5%"),
    ]


def test_iii3_smartphones(plan):
    ind = plan.indicator("III.3")
    assert ind.name == "Tỷ lệ hộ gia đình có điện thoại thông minh"
    assert ind.target.printed == "99,69%"
    assert only_part(ind).amount == Decimal("99.69")
    assert ind.formula is None
    assert history(ind) == [
        ("2022", "actual", "-"),
        ("2023", "target", "-"),
        ("2023", "actual", "97,33%"),
    ]


def test_iii4_payment_accounts(plan):
    ind = plan.indicator("III.4")
    assert ind.name == (
        "Tỷ lệ người trưởng thành (từ 15 tuổi trở lên) có tài khoản thanh toán điện tử "
        "(tài khoản giao dịch tại ngân hàng)"
    )
    assert ind.target.printed == "80%"
    part = only_part(ind)
    assert part.comparator.value == ">="
    assert part.amount == Decimal("80")
    assert ind.lead == ["UBND thị trấn"]
    assert ind.monitoring == ["Công chức VH-XH thị trấn"]
    assert history(ind) == [
        ("2022", "actual", "-"),
        ("2023", "target", "-"),
        ("2023", "actual", "79,53%"),
    ]


def test_iii5_internet_users(plan):
    ind = plan.indicator("III.5")
    assert ind.name == "Tỷ lệ người sử dụng Internet"
    assert ind.target.printed == "98%"
    assert only_part(ind).amount == Decimal("98")
    assert history(ind) == [
        ("2022", "actual", "-"),
        ("2023", "target", "-"),
        ("2023", "actual", "96,88%"),
    ]

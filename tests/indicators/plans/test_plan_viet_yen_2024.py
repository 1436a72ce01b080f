"""Transcription checks for viet-yen-2024 against source document 004_9d8c8ba667030069.txt (PHỤ LỤC, lines 595-896)."""

from decimal import Decimal

import pytest

from tests.indicators.plans.transcription import only_part, plan_fixture

PLAN_ID = "viet-yen-2024"


plan = plan_fixture(PLAN_ID)


def test_plan_header(plan):
    assert plan.id == PLAN_ID
    assert plan.kind == "plan"
    assert plan.year == 2024
    assert plan.title == "Phân công chủ trì theo dõi, đôn đốc thực hiện các chỉ tiêu"
    assert plan.document == "Kế hoạch số: /KH-BCĐ /3/2024 của BCĐ chuyển đổi số thị xã Việt Yên"
    assert plan.issued_on is None  # number and day left blank in the source (line 598)
    assert plan.issuer == "Việt Yên"


def test_units(plan):
    assert plan.units.name == "Bắc Giang"
    assert plan.units.level == "tỉnh"
    assert [(u.name, u.level) for u in plan.units.children] == [("Việt Yên", "thị xã")]
    assert plan.units.children[0].children == []


def test_schedule_quarterly_before_the_25th_of_the_last_month(plan):
    # Line 405-407: "định kỳ trước ngày 25 của tháng cuối quý, tổng hợp kết quả thực hiện các chỉ tiêu…"
    schedule = plan.schedule
    assert schedule.frequency.value == "quarter"
    assert schedule.due_day == 25
    assert schedule.due_month == "last"
    assert schedule.printed == "định kỳ trước ngày 25 của tháng cuối quý"
    assert schedule.source_line == 405


def test_virtual_assistant_note(plan):
    assert any("Trợ lý ảo" in note and "539-551" in note for note in plan.notes)


def test_group_codes_and_names(plan):
    assert [(g.code, g.name) for g in plan.groups] == [
        ("I", "Phát triển chính quyền số"),
        ("II", "Phát triển kinh tế số"),
        ("III", "Phát triển xã hội số"),
        ("IV", "An toàn, an ninh mạng"),
    ]


@pytest.mark.parametrize("code,count", [("I", 15), ("II", 4), ("III", 4), ("IV", 2)])
def test_indicators_per_group(plan, code, count):
    group = next(g for g in plan.groups if g.code == code)
    assert len(group.indicators) == count


def test_total_and_codes(plan):
    assert len(plan.indicators) == 25
    assert [i.code for i in plan.groups[1].indicators] == ["II.1", "II.2", "II.3", "II.4"]
    assert plan.indicator("III.2").printed_code == "2"


def test_all_percent_without_history(plan):
    for ind in plan.indicators:
        assert ind.measure.value == "percent"
        assert ind.unit == "%"
        assert ind.history == []
        assert ind.coordinating == []


def test_commune_reported_rows(plan):
    commune = [i.code for i in plan.indicators if i.reported_by.value == "commune"]
    assert commune == [
        "I.1",
        "I.2",
        "I.3",
        "I.4",
        "I.5",
        "I.6",
        "I.7",
        "I.9",
        "I.10",
        "I.11",
        "I.12",
        "I.14",
        "III.4",
        "IV.1",
        "IV.2",
    ]
    for code in commune:
        assert plan.indicator(code).lead == ["UBND các xã, phường"]


def test_i1_online_payment(plan):
    ind = plan.indicator("I.1")
    assert ind.name == (
        "Tỷ lệ thanh toán trực tuyến trên Cổng Dịch vụ công quốc gia trên tổng số giao dịch "
        "thanh toán của dịch vụ công đạt 60%"
    )
    assert ind.target.printed == "đạt 60%"
    part = only_part(ind)
    assert (part.comparator.value, part.amount, part.is_percent) == (">=", Decimal("60"), True)
    assert ind.formula.numerator == "Thanh toán trực tuyến trên Cổng Dịch vụ công quốc gia"
    assert ind.formula.denominator == "Tổng số giao dịch thanh toán của dịch vụ công"
    assert ind.formula.noun == "giao dịch thanh toán"
    assert ind.monitoring == ["Phòng Văn hóa và Thông tin"]
    assert ind.lead == ["UBND các xã, phường"]
    assert ind.reported_by.value == "commune"


def test_i2_online_files(plan):
    ind = plan.indicator("I.2")
    assert (
        ind.name == "Tỷ lệ hồ sơ trực tuyến trên tổng số hồ sơ tiếp nhận, giải quyết TTHC đạt 70%"
    )
    assert ind.target.printed == "đạt 70%"
    part = only_part(ind)
    assert (part.comparator.value, part.amount) == (">=", Decimal("70"))
    assert ind.formula.numerator == "Hồ sơ trực tuyến"
    assert ind.formula.denominator == "Tổng số hồ sơ tiếp nhận, giải quyết TTHC"
    assert ind.formula.noun == "hồ sơ"


def test_i5_certification(plan):
    ind = plan.indicator("I.5")
    assert ind.name == (
        "Tỷ lệ thực hiện chứng thực bản sao điện tử từ bản chính tại UBND cấp xã và "
        "Phòng Tư pháp cấp thị xã đạt 100%"
    )
    assert ind.target.printed == "đạt 100%"
    part = only_part(ind)
    assert (part.comparator.value, part.amount, part.is_percent) == (">=", Decimal("100"), True)
    assert ind.formula is None
    assert ind.monitoring == ["Phòng Tư pháp"]
    assert ind.lead == ["UBND các xã, phường"]


def test_i6_reuse_of_data(plan):
    ind = plan.indicator("I.6")
    assert ind.name == "Tỷ lệ khai thác, sử dụng lại thông tin, dữ liệu số hóa đạt trên 50%"
    assert ind.target.printed == "đạt trên 50%"
    part = only_part(ind)
    assert (part.comparator.value, part.amount) == (">", Decimal("50"))


def test_i8_complaints(plan):
    ind = plan.indicator("I.8")
    assert ind.name == "Tỷ lệ xử lý phản ánh, kiến nghị đúng hạn đạt 100%"
    assert ind.monitoring == ["Văn phòng HĐND và UBND"]
    assert ind.lead == ["UBND các xã, phường", "Các cơ quan chuyên môn"]
    assert ind.reported_by.value == "district"


def test_i9_satisfaction(plan):
    ind = plan.indicator("I.9")
    assert ind.name == (
        "Mức độ hài lòng trong tiếp nhận, giải quyết TTHC của người dân, doanh nghiệp đạt tối thiểu 90%"
    )
    assert ind.target.printed == "đạt tối thiểu 90%"
    part = only_part(ind)
    assert (part.comparator.value, part.amount) == (">=", Decimal("90"))
    assert ind.monitoring == ["Văn phòng HĐND và UBND"]
    assert ind.lead == ["UBND các xã, phường"]


def test_i10_two_levels(plan):
    ind = plan.indicator("I.10")
    assert ind.name == (
        "Tỷ lệ xử lý văn bản, hồ sơ công việc (trừ hồ sơ mật) trên môi trường mạng đạt 95% đối với "
        "các phòng, ban và tương đương thuộc UBND cấp thị xã và 80% đối với UBND cấp xã, phường"
    )
    assert ind.target.printed == (
        "đạt 95% đối với các phòng, ban và tương đương thuộc UBND cấp thị xã và 80% đối với "
        "UBND cấp xã, phường"
    )
    assert ind.target.normalized == ">=95%; >=80%"
    assert [(p.label, p.comparator.value, p.amount, p.is_percent) for p in ind.target.parts] == [
        ("Phòng, ban và tương đương thuộc UBND cấp thị xã", ">=", Decimal("95"), True),
        ("UBND cấp xã, phường", ">=", Decimal("80"), True),
    ]
    assert ind.target.note
    assert ind.reported_by.value == "commune"


def test_i12_report_regime(plan):
    ind = plan.indicator("I.12")
    # Printed with a leading "- " and trailing "." (lines 715-719), both dropped.
    assert ind.name == (
        "100% chế độ báo cáo, chỉ tiêu tổng hợp báo cáo định kỳ và báo cáo thống kê về kinh tế - "
        "xã hội phục vụ sự chỉ đạo, điều hành của thị xã, UBND xã, phường được thực hiện trên hệ "
        "thống thông tin báo cáo của tỉnh"
    )
    assert ind.target.printed == "100%"
    part = only_part(ind)
    assert (part.comparator.value, part.amount) == (">=", Decimal("100"))


def test_i13_inspections(plan):
    ind = plan.indicator("I.13")
    assert ind.name == (
        "Trên 30% hoạt động kiểm tra của cơ quan quản lý nhà nước được thực hiện thông qua môi "
        "trường số và hệ thống thông tin của cơ quan quản lý"
    )
    assert ind.target.printed == "Trên 30%"
    part = only_part(ind)
    assert (part.comparator.value, part.amount) == (">", Decimal("30"))
    assert ind.monitoring == ["Phòng Nội vụ"]
    assert ind.lead == ["Các cơ quan chuyên môn"]
    assert ind.reported_by.value == "district"


def test_i15_cameras(plan):
    ind = plan.indicator("I.15")
    assert ind.name.startswith(
        "100% hệ thống camera giám sát tại bộ phận một cửa điện tử từ cấp tỉnh đến cấp xã"
    )
    assert ind.name.endswith(
        "(Nền tảng camera tỉnh Bắc Giang đặt tại Sở Thông tin và Truyền thông) để phục vụ công tác chỉ đạo, điều hành"
    )
    assert ind.monitoring == ["Phòng Nội vụ", "phòng Văn hóa và Thông tin"]
    assert ind.lead == ["Văn phòng HĐND và UBND thị xã", "UBND các xã, phường"]
    assert ind.reported_by.value == "district"


def test_ii1_digital_economy(plan):
    ind = plan.indicator("II.1")
    assert ind.name == "Tỷ trọng kinh tế số trong từng ngành, từng lĩnh vực đạt tối thiểu 15%"
    assert ind.target.printed == "đạt tối thiểu 15%"
    part = only_part(ind)
    assert (part.comparator.value, part.amount) == (">=", Decimal("15"))
    assert ind.monitoring == ["Phòng Kinh tế"]
    assert ind.lead == ["UBND các xã, phường", "Các doanh nghiệp trên địa bàn thị xã"]
    assert ind.reported_by.value == "district"


def test_ii3_ecommerce(plan):
    ind = plan.indicator("II.3")
    assert ind.name == "Tỷ trọng thương mại điện tử trong tổng mức bán lẻ đạt trên 10%"
    assert ind.target.printed == "đạt trên 10%"
    part = only_part(ind)
    assert (part.comparator.value, part.amount) == (">", Decimal("10"))
    assert ind.formula.numerator == "Thương mại điện tử"
    assert ind.formula.denominator == "Tổng mức bán lẻ"
    assert ind.monitoring == [
        "Phòng Tài chính - Kế hoạch",
        "Chi cục Thuế khu vực Việt Yên - Hiệp Hòa",
    ]
    assert ind.lead == ["UBND các xã, phường", "Các doanh nghiệp trên địa bàn thị xã"]


def test_ii4_ocop(plan):
    ind = plan.indicator("II.4")
    assert ind.name == (
        "100% sản phẩm xuất khẩu có thế mạnh, sản phẩm chủ lực, đặc trưng, sản phẩm OCOP của tỉnh "
        "tham gia các sàn thương mại điện tử lớn trong và ngoài nước"
    )
    assert ind.target.printed == "100%"
    assert only_part(ind).amount == Decimal("100")


def test_iii1_smartphones(plan):
    ind = plan.indicator("III.1")
    assert ind.name == "Tỷ lệ thuê bao điện thoại di động sử dụng điện thoại thông minh trên 80%"
    assert ind.target.printed == "trên 80%"
    part = only_part(ind)
    assert (part.comparator.value, part.amount) == (">", Decimal("80"))
    assert ind.monitoring == ["Phòng Văn hóa và Thông tin", "Viễn thông VNPT", "Viettel"]
    assert ind.lead == ["UBND các xã, phường", "các doanh nghiệp viễn thông trên địa bàn thị xã"]


def test_iii3_payment_accounts(plan):
    ind = plan.indicator("III.3")
    assert ind.name == (
        "Tỷ lệ dân số từ 15 tuổi trở lên có tài khoản giao dịch thanh toán tại ngân hàng hoặc "
        "tổ chức khác trên 75%"
    )
    assert ind.target.printed == "trên 75%"
    part = only_part(ind)
    assert (part.comparator.value, part.amount) == (">", Decimal("75"))
    assert ind.monitoring == ["Thị đoàn Việt Yên"]
    assert ind.lead == [
        "Các chi nhánh ngân hàng thương mại trên địa bàn thị xã",
        "các DN viễn thông trên địa bàn tỉnh cung cấp mobile money",
    ]
    assert ind.reported_by.value == "district"


def test_iii4_health_records(plan):
    ind = plan.indicator("III.4")
    assert ind.name == "Tỷ lệ người dân có hồ sơ sức khỏe điện tử đạt trên 95%"
    assert ind.target.printed == "đạt trên 95%"
    part = only_part(ind)
    assert (part.comparator.value, part.amount) == (">", Decimal("95"))
    assert ind.monitoring == ["Phòng Y tế"]
    assert ind.lead == ["UBND các xã, phường"]
    assert ind.reported_by.value == "commune"


def test_iv2_security_levels(plan):
    ind = plan.indicator("IV.2")
    assert ind.name == (
        "Tỷ lệ hệ thống thông tin của cơ quan nhà nước đáp ứng yêu cầu bảo vệ an toàn thông tin "
        "mạng theo cấp độ trên 50%"
    )
    assert ind.target.printed == "trên 50%"
    part = only_part(ind)
    assert (part.comparator.value, part.amount) == (">", Decimal("50"))
    assert ind.monitoring == ["Phòng Văn hóa và Thông tin"]
    assert ind.lead == ["UBND các xã, phường"]

"""The five source documents' appendix tables, and a layout none of them has, written as
.docx and .xlsx files and read back into plans: codes, names, targets, formulas, doubts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.table_files import TableFileError, read_tables
from handlers.plan_files.template import template_workbook
from handlers.wording.plan_review import review_text
from indicators.plan import Tier
from indicators.plan_import.doubts import Problem
from indicators.plan_import.reader import Destination, Reading, read_plan
from indicators.targets import Comparator, Threshold
from indicators.values import Measure
from tests.indicators.plan_import import appendices
from tests.indicators.plan_import.builders import Appendix, write_docx, write_xlsx

COMMUNE = (("tỉnh", "Bắc Kạn"), ("xã", "Nà Pài"))
WRITERS: dict[str, Callable[[Appendix, Path], Path]] = {"docx": write_docx, "xlsx": write_xlsx}


def read(appendix: Appendix, kind: str, tmp_path: Path, year: int | None = None) -> Reading:
    path = WRITERS[kind](appendix, tmp_path / f"plan.{kind}")
    reading = read_plan(read_tables(path), Destination("xa-na-pai", COMMUNE, year, path.name))
    review_text(reading, unit_label="xã Nà Pài")  # always printable
    return reading


def doubts(reading: Reading) -> set[tuple[Problem, str | None]]:
    return {(d.problem, d.code) for d in reading.doubts}


def threshold(reading: Reading, code: str) -> tuple[Comparator, str, bool]:
    assert reading.plan is not None
    (part,) = reading.plan.indicator(code).target.parts
    assert isinstance(part, Threshold)
    return part.comparator, str(part.amount), part.is_percent


KINDS = pytest.mark.parametrize("kind", ["docx", "xlsx"])


@KINDS
def test_song_ma_two_header_rows_history_and_lead(kind: str, tmp_path: Path) -> None:
    reading = read(appendices.SONG_MA, kind, tmp_path)
    plan = reading.plan
    assert plan is not None and plan.year == 2024 and plan.id == "xa-na-pai-2024"
    assert [g.code for g in plan.groups] == ["I", "II", "III"]
    assert len(plan.indicators) == 15
    first = plan.indicator("I.1")
    assert first.printed_code == "1" and first.name.startswith("TTHC đủ điều kiện")
    assert first.lead == ["Bộ phận một cửa, Các ngành UBND thị trấn có liên quan"] or first.lead
    assert first.monitoring == ["Văn phòng HĐND&UBND thị trấn"]
    assert [(h.period, h.kind, h.printed) for h in plan.indicator("I.3").history] == [
        ("2022", "actual", "-"),
        ("2023", "target", "50%"),
        ("2023", "actual", "72%"),
    ]
    assert threshold(reading, "III.2") == (Comparator.GE, "99.56", True)
    assert doubts(reading) == {
        (Problem.UNLABELLED_PARTS, "I.4"),
        (Problem.UNREADABLE_TARGET, "II.1"),
        (Problem.UNREADABLE_TARGET, "II.2"),
    }
    assert plan.appendix == "Phụ lục I"


@KINDS
def test_song_ma_for_another_year_reads_that_years_column(kind: str, tmp_path: Path) -> None:
    reading = read(appendices.SONG_MA, kind, tmp_path, year=2023)
    assert reading.plan is not None and reading.plan.year == 2023
    assert threshold(reading, "I.3") == (Comparator.GE, "50", True)
    missing = read(appendices.SONG_MA, kind, tmp_path, year=2026)
    assert (Problem.NO_TARGET_FOR_YEAR, None) in doubts(missing)


@KINDS
def test_dong_lac_formulas_from_the_notes_and_the_unnumbered_row(kind: str, tmp_path: Path) -> None:
    reading = read(appendices.DONG_LAC, kind, tmp_path)
    plan = reading.plan
    assert plan is not None and reading.clean
    assert plan.year == 2025
    assert plan.title == "CHỈ TIÊU CƠ BẢN VỀ CHUYỂN ĐỔI SỐ XÃ ĐỒNG LẠC NĂM 2025"
    assert [g.name for g in plan.groups] == [
        "Chính quyền số",
        "Kinh tế số",
        "Xã hội số",
        "Đảm bảo An toàn thông tin mạng",
    ]
    assert len(plan.indicators) == 18  # 1.3b included, as the bundled plan has it
    assert sum(1 for i in plan.indicators if i.formula is not None) == 9
    fibre = plan.indicator("3.1")
    assert fibre.formula is not None
    assert fibre.formula.numerator == "Số hộ gia đình sử dụng mạng băng rộng cáp quang"
    assert fibre.formula.denominator == "Tổng số hộ gia đình trên địa bàn"
    assert fibre.formula.noun == "hộ gia đình"
    assert plan.indicator("1.3b").printed_code == ""
    assert plan.indicator("1.5").formula is None and plan.indicator("1.5").notes
    assert threshold(reading, "1.1") == (Comparator.GE, "80", True)
    assert all(i.reported_by is Tier.COMMUNE for i in plan.indicators)


@KINDS
def test_bien_gioi_roman_groups_restarting_numbers_and_oddities(kind: str, tmp_path: Path) -> None:
    reading = read(appendices.BIEN_GIOI, kind, tmp_path)
    plan = reading.plan
    assert plan is not None and len(plan.groups) == 6 and len(plan.indicators) == 30
    assert plan.indicator("II.1").printed_code == "1"
    assert plan.indicator("IV.13").coordinating == ["UBND cấp xã, thị trấn"]
    assert threshold(reading, "IV.13") == (Comparator.GT, "60", True)
    assert threshold(reading, "IV.10") == (Comparator.GE, "15", True)
    hospital = plan.indicator("IV.10").formula
    assert hospital is not None and hospital.denominator.startswith("tổng lượt thanh toán viện phí")
    assert plan.indicator("II.1").formula is None  # "528/QĐ-UBND ngày 27/10/2023" divides nothing
    assert doubts(reading) == {
        (Problem.PERCENT_SIGN_MISSING, "V.23"),
        (Problem.OVER_100, "VI.25"),
    }


@KINDS
def test_vinh_loc_units_of_measure_status_and_stars(kind: str, tmp_path: Path) -> None:
    reading = read(appendices.VINH_LOC_XA, kind, tmp_path)
    plan = reading.plan
    assert plan is not None and plan.year == 2023 and len(plan.indicators) == 37
    assert (
        plan.indicator("1.1").unit == "Văn bản" and plan.indicator("1.1").measure is Measure.PERCENT
    )
    assert plan.indicator("1.7").measure is Measure.YESNO
    assert plan.indicator("1.8").measure is Measure.STATUS
    assert plan.indicator("3.1").printed_code == "3.1."
    assert plan.indicator("1.10").history == []  # "Kết quả đạt được" is a report's, not a plan's
    assert doubts(reading) == {
        (Problem.UNREADABLE_TARGET, "1.9"),
        (Problem.UNREADABLE_TARGET, "1.11"),
        (Problem.NO_TARGET, "3.3"),
        (Problem.NO_TARGET, "4.8"),
    }


@KINDS
def test_viet_yen_targets_in_the_names(kind: str, tmp_path: Path) -> None:
    reading = read(appendices.VIET_YEN, kind, tmp_path, year=2024)
    plan = reading.plan
    assert plan is not None and len(plan.groups) == 4 and len(plan.indicators) == 25
    assert threshold(reading, "I.6") == (Comparator.GT, "50", True)
    assert threshold(reading, "I.9") == (Comparator.GE, "90", True)
    assert threshold(reading, "I.13") == (Comparator.GT, "30", True)
    assert plan.indicator("I.9").target.printed == "đạt tối thiểu 90%"
    assert plan.indicator("I.1").monitoring == ["Phòng Văn hóa và Thông tin"]
    assert plan.indicator("I.8").lead == ["UBND các xã, phường, Các cơ quan chuyên môn"]
    assert doubts(reading) == {(Problem.NO_TARGET_IN_NAME, "I.10")}
    without_year = read(appendices.VIET_YEN, kind, tmp_path)
    assert (Problem.NO_YEAR, None) in doubts(without_year)


@KINDS
def test_a_layout_none_of_the_documents_has(kind: str, tmp_path: Path) -> None:
    reading = read(appendices.MADE_UP, kind, tmp_path)
    plan = reading.plan
    assert plan is not None and plan.year == 2026
    assert [(g.code, len(g.indicators)) for g in plan.groups] == [("A", 4), ("B", 4)]
    assert [i.code for i in plan.indicators] == [f"{g}.{n}" for g in "AB" for n in "1234"]
    fibre = plan.indicator("A.1")
    assert fibre.formula is not None and fibre.formula.noun == "hộ"
    assert fibre.coordinating == ["Trưởng các thôn", "Viettel Nà Pài"]
    assert threshold(reading, "A.1") == (Comparator.GE, "85", True)
    assert threshold(reading, "A.2") == (Comparator.GE, "80", True)
    assert plan.indicator("A.3").measure is Measure.YESNO
    count = plan.indicator("B.1")
    assert count.measure is Measure.COUNT and count.unit == "Cuộc"
    assert threshold(reading, "B.1") == (Comparator.GE, "2", False)
    assert plan.indicator("B.2").measure is Measure.STATUS
    assert threshold(reading, "B.4") == (Comparator.GT, "75", True)
    assert plan.indicator("A.4").notes == "Chờ văn bản của tỉnh"
    assert doubts(reading) == {
        (Problem.UNREADABLE_TARGET, "A.4"),
        (Problem.UNREADABLE_FORMULA, "B.3"),
    }
    rows = {d.code: d.row for d in reading.doubts}
    offset = 0 if kind == "docx" else len(appendices.MADE_UP.caption) + 1
    assert rows == {"A.4": 7 + offset, "B.3": 11 + offset}  # the rows the official sees


def test_the_first_table_with_stt_and_a_name_is_read(tmp_path: Path) -> None:
    signatures = [["Nơi nhận", "TM. UỶ BAN NHÂN DÂN"], ["- Như trên", "CHỦ TỊCH"]]
    path = write_docx(appendices.DONG_LAC, tmp_path / "p.docx", before=signatures)
    tables = read_tables(path)
    assert len(tables) == 2
    reading = read_plan(tables, Destination("xa-na-pai", COMMUNE, None, path.name))
    assert reading.plan is not None and len(reading.plan.indicators) == 18
    assert reading.where == "bảng 2 của văn bản"


def test_chitieus_template_reads_without_doubts(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    path.write_bytes(template_workbook())
    reading = read_plan(read_tables(path), Destination("xa-na-pai", COMMUNE, 2026, path.name))
    assert reading.clean, reading.doubts
    plan = reading.plan
    assert plan is not None and plan.year == 2026
    (indicator,) = plan.indicators
    assert plan.groups[0].name == "Xã hội số" and plan.groups[0].code == "3"
    assert indicator.code == "3.1" and indicator.unit == "%"
    assert indicator.formula is not None
    assert indicator.formula.numerator == "Số hộ gia đình có đường Internet cáp quang"
    assert indicator.formula.noun == "hộ gia đình"
    assert indicator.reported_by is Tier.VILLAGE
    assert indicator.lead == ["Công chức Văn hóa - Xã hội"]
    assert indicator.coordinating == ["Trưởng thôn", "Tổ công nghệ số cộng đồng"]
    assert indicator.monitoring == ["Văn phòng - Thống kê"]
    assert (plan.schedule.frequency.value, plan.schedule.due_day, plan.schedule.due_month) == (
        "quarter",
        25,
        "last",
    )


def test_a_filled_template_names_the_rows_it_cannot_read(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "filled.xlsx"
    path.write_bytes(template_workbook())
    workbook = load_workbook(path)
    sheet = workbook["Kế hoạch"]
    sheet["A1"] = "CHỈ TIÊU CHUYỂN ĐỔI SỐ XÃ NÀ PÀI NĂM 2027"
    sheet.append(
        [
            "Chính quyền số",
            "1.1",
            "Tỷ lệ hồ sơ trực tuyến",
            "%",
            ">= 70%",
            "Số hồ sơ trực tuyến",
            "",
            "",
            "xã",
        ]
    )
    sheet.append(
        [
            "Chính quyền số",
            "1.2",
            "Họp trực tuyến",
            "cuộc",
            "04",
            "",
            "",
            "",
            "ban ngành",
            "",
            "",
            "",
            "Hằng tháng, trước ngày 5 của tháng sau",
        ]
    )
    workbook.save(path)
    reading = read_plan(read_tables(path), Destination("xa-na-pai", COMMUNE, None, path.name))
    assert reading.plan is not None and reading.plan.year == 2027
    assert [g.name for g in reading.plan.groups] == ["Xã hội số", "Chính quyền số"]
    assert {(d.problem, d.code, d.row) for d in reading.doubts} == {
        (Problem.UNREADABLE_FORMULA, "1.1", 5),
        (Problem.UNREADABLE_LEVEL, "1.2", 6),
        (Problem.SCHEDULES_DIFFER, None, 6),
    }


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("plan.doc", b"old word", ".docx, .xlsx, .csv"),
        ("plan.docx", b"not a zip at all", "bị hỏng"),
        ("plan.xlsx", b"PK\x03\x04broken", "bị hỏng"),
    ],
)
def test_unreadable_files_say_why(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(TableFileError) as raised:
        read_tables(path)
    assert message in str(raised.value)

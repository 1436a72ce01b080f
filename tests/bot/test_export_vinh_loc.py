"""`chitieu export` reproduces Appendices 1 and 2 of Vĩnh Lộc's six-month report (source
003_5b9a1b528270f769.txt) from the values `chitieu init` loads out of the bundled plans:
each with the columns its document prints, the formal parts of an administrative
document, on A4, as an Excel workbook and as a Word document built from the same table."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[2]
# The columns as each appendix's header prints them (source lines 514 and 649-652).
HEADER_1 = ("TT", "Nội dung", "Chỉ tiêu giao", "Kết quả đạt được", "Khó khăn; đề xuất")
HEADER_2 = ("TT", "Tên chỉ tiêu", "Đơn vị tính", "Chỉ tiêu cụ thể năm 2023", "Kết quả đạt được",
            "Khó khăn, vướng mắc")  # fmt: skip
JUDGEMENT = "Đánh giá"
MET, NOT_MET, NOT_ASSESSED, NO_FIGURE = "Đạt", "Chưa đạt", "Không đánh giá được", "Chưa có số liệu"
IN_PROGRESS = "Đang triển khai, chưa đánh giá được"

# Phụ lục 1 (source lines 504-642): code → (result as printed, the judgement it implies).
APPENDIX_1 = {
    "1.1": ("0%", NOT_MET),  # 0% against 100%
    "2.1": ("Có", MET),  # "Có" against "Có"
    "2.2": ("Đạt", MET),
    "2.3": ("Chưa đạt", NOT_MET),
    "2.4": ("100%", MET),  # 100% against 100%
    "2.5": ("100%", MET),  # 100% against 90%
    "2.6": ("100%", MET),
    # In progress against a target that is only a condition: the report does not judge it.
    "2.7": ("Đang triển khai", IN_PROGRESS),
    "3.1": ("Chưa đạt", NOT_MET),
    "3.2": ("100%", MET),
    "3.3": (13, NOT_ASSESSED),  # the target cell holds only "Sản phẩm": nothing to judge
    "4.1": ("Phổ cập", NOT_ASSESSED),  # a state, against a blank target cell
    "4.2": ("Chưa đạt", NOT_MET),
    "4.3": ("Đang thực hiện", IN_PROGRESS),  # blank target cell
}
# Phụ lục 2 (source lines 643-1096).
APPENDIX_2 = {
    "1.1": ("Đạt", MET),
    "1.2": ("Chưa đạt", NOT_MET),
    "1.3": ("Đạt", MET),
    "1.4": ("Đạt", MET),
    "1.5": ("Đạt", MET),
    "1.6": ("Có", NOT_ASSESSED),  # "Có" against 70% says neither the rate nor a verdict
    "1.7": ("Có", MET),
    "1.8": ("Triển khai", MET),  # target "Triển khai sử dụng": the result repeats it
    "1.9": ("Chưa cung cấp đầy đủ thông tin", NOT_MET),  # the target's words, negated
    "1.10": ("100%", MET),
    "1.11": ("*1", MET),  # one platform against "*1" read as at least one
    "2.1": ("100%", MET),
    "2.2": ("100%", MET),
    "2.3": ("Đạt", MET),
    "2.4": ("Chưa đạt", NOT_MET),
    "2.5": ("Chưa đạt", NOT_MET),
    "2.6": ("Chưa đạt", NOT_MET),
    "3.1.": ("60%", MET),  # 60% against 60% (≥): printed "3.1." with its period
    "3.2": ("Đạt", MET),
    "3.3": ("*", NOT_ASSESSED),  # "*" against "*": kept as printed, judged by nobody
    # Printed "Đạt" although the body (lines 270-272) puts smartphone use at about 52%,
    # below 65%: the printed word is kept.
    "3.4": ("Đạt", MET),
    "3.5": ("Chưa đạt", NOT_MET),
    "3.6": ("Đạt", MET),
    "3.7": ("100%", MET),
    "3.8": ("50%", MET),  # 50% against 50%
    "3.9": ("50%", MET),
    "3.10": ("Chưa đạt", NOT_MET),
    "3.11": ("Đạt", MET),
    "3.12": ("Đạt", MET),
    "4.1": ("Đạt", MET),
    "4.2": ("Đáp ứng", MET),  # target "Đáp ứng"
    "4.3": ("Đạt", MET),
    "4.4": ("Có", MET),
    "4.5": ("Có", MET),
    "4.6": ("Có", MET),
    "4.7": ("Chưa đạt", NOT_MET),  # a yes/no indicator reported as not met
    "4.8": ("Đạt", MET),
}
GROUPS_1 = [
    ("1", "Yên cầu chung"),
    ("2", "Chính quyền số"),
    ("3", "Kinh tế số"),
    ("4", "Xã hội số"),
]
GROUPS_2 = [("1", "Chính quyền số"), ("2", "Kinh tế số"), ("3", "Xã hội số"), ("4", "Hạ tầng số")]


def chitieu(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "CHITIEU_DB": str(db)}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env, cwd=db.parent,
                          capture_output=True, text=True, check=False, timeout=120)  # fmt: skip


def table_of(sheet: list[tuple]) -> tuple[list[tuple], tuple, list[tuple], list[tuple]]:
    """The rows above the table, its header, its body and the rows under it."""
    start = next(i for i, r in enumerate(sheet) if r[0] == "TT")
    end = next((i for i in range(start, len(sheet)) if not any(sheet[i])), len(sheet))
    return sheet[:start], sheet[start], sheet[start + 1 : end], sheet[end:]


def texts(rows: list[tuple]) -> list[str]:
    return [str(c) for r in rows for c in r if c not in (None, "")]


def check_formal_parts(above: list[str], below: list[str], title: str) -> None:
    assert above[:4] == ["ỦY BAN NHÂN DÂN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                         "HUYỆN VĨNH LỘC", "Độc lập - Tự do - Hạnh phúc"]  # fmt: skip
    assert above[4] == title.split(":")[0] and above[5].startswith(title.split(": ")[1])
    assert (
        above[6] == "(Kèm theo Báo cáo số …/BC-UBND ngày … tháng … năm … của UBND huyện Vĩnh Lộc)"
    )
    assert above[7] == "Đơn vị: huyện Vĩnh Lộc — kỳ báo cáo: 6 tháng đầu năm 2023"
    # Under the table: whether an official reviewed the figures, then the signature block.
    assert below == ["Số liệu chưa được duyệt", "Vĩnh Lộc, ngày … tháng … năm …",
                     "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH",
                     "(Ký, ghi rõ họ tên và đóng dấu)"]  # fmt: skip


def check_table(header: tuple, body: list[tuple], expected: dict, groups: list[tuple[str, str]],
                printed: tuple) -> None:  # fmt: skip
    assert tuple(header) == printed
    judged = JUDGEMENT in header
    at = header.index("Kết quả đạt được")
    found_groups = [(r[0], r[1]) for r in body if not any(r[2:])]
    assert found_groups == groups
    indicators = {r[0]: r for r in body if any(r[2:])}
    assert list(indicators) == list(expected)  # every row, in the report's order
    for code, (result, judgement) in expected.items():
        row = indicators[code]
        assert row[at] == result, code
        if judged:
            assert row[at + 1] == judgement, code


def workbook(path: Path):
    return load_workbook(path)


def sheet_rows(path: Path) -> dict[str, list[tuple]]:
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in workbook(path)}


TITLE_1 = "Phụ lục 1: Kết quả chuyển đổi số cấp huyện"
TITLE_2 = "Phụ lục 2: Kết quả chuyển đổi số tại đơn vị cấp xã"


def test_init_keeps_every_result_the_report_prints(tmp_path: Path) -> None:
    db = tmp_path / "chitieu.sqlite3"
    assert chitieu(db, "init").returncode == 0
    with sqlite3.connect(db) as conn:
        counts = dict(conn.execute(
            "SELECT plan_id, COUNT(*) FROM report_values WHERE channel = 'document'"
            " GROUP BY plan_id").fetchall())  # fmt: skip
        star = conn.execute(
            "SELECT value_json FROM report_values WHERE plan_id = 'vinh-loc-2023-xa'"
            " AND indicator_code = '3.3'").fetchall()  # fmt: skip
    assert counts["vinh-loc-2023-huyen"] == 14 and counts["vinh-loc-2023-xa"] == 37
    assert [json.loads(v) for (v,) in star] == [{"kind": "printed", "text": "*"}]


def test_export_reproduces_both_appendices(tmp_path: Path) -> None:
    db = tmp_path / "chitieu.sqlite3"
    assert chitieu(db, "init").returncode == 0
    assert chitieu(db, "init").returncode == 0  # loading the results twice adds nothing
    out = tmp_path / "vinh-loc.xlsx"
    # "Vĩnh Lộc" names the huyện and a thị trấn: the plans' unit is meant.
    done = chitieu(db, "export", "--unit", "Vĩnh Lộc", "--period", "6 tháng đầu năm 2023",
                   "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    sheets = sheet_rows(out)
    assert list(sheets) == ["Phụ lục 1", "Phụ lục 2"]
    for tab, title, expected, groups, printed in (
        ("Phụ lục 1", TITLE_1, APPENDIX_1, GROUPS_1, HEADER_1),
        ("Phụ lục 2", TITLE_2, APPENDIX_2, GROUPS_2, HEADER_2),
    ):
        above, header, body, below = table_of(sheets[tab])
        check_formal_parts(texts(above), texts(below), title)
        check_table(header, body, expected, groups, printed)
    targets = {r[0]: r[3] for r in table_of(sheets["Phụ lục 2"])[2]}
    assert (targets["1.6"], targets["1.8"], targets["3.3"]) == ("70%", "Triển khai sử dụng", "*")
    for ws in workbook(out):
        header_row = next(r[0].row for r in ws.iter_rows() if r[0].value == "TT")
        assert ws.page_setup.paperSize == 9  # A4
        assert ws.page_setup.orientation == "landscape"
        assert ws.print_title_rows == f"${header_row}:${header_row}"  # repeated on each page
        assert round(ws.page_margins.left * 25.4) == 30

    again = tmp_path / "again.xlsx"
    done = chitieu(db, "export", "--unit", "huyện Vĩnh Lộc", "--period", "2023-H1",
                   "--out", str(again))  # fmt: skip
    assert done.returncode == 0 and sheet_rows(again) == sheets


def test_the_judgement_column_is_optional(tmp_path: Path) -> None:
    db = tmp_path / "chitieu.sqlite3"
    assert chitieu(db, "init").returncode == 0
    out = tmp_path / "judged.xlsx"
    done = chitieu(db, "export", "--unit", "Vĩnh Lộc", "--period", "2023-H1", "--judgement",
                   "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    sheets = sheet_rows(out)
    for tab, expected, groups, printed in (
        ("Phụ lục 1", APPENDIX_1, GROUPS_1, HEADER_1),
        ("Phụ lục 2", APPENDIX_2, GROUPS_2, HEADER_2),
    ):
        _above, header, body, _below = table_of(sheets[tab])
        at = printed.index("Kết quả đạt được") + 1
        check_table(header, body, expected, groups, (*printed[:at], JUDGEMENT, *printed[at:]))


def grid_rows(table) -> list[tuple[str, ...]]:
    return [tuple(cell.text for cell in row.cells) for row in table.rows]


def test_the_appendix_as_a_word_document(tmp_path: Path) -> None:
    db = tmp_path / "chitieu.sqlite3"
    assert chitieu(db, "init").returncode == 0
    xlsx, docx = tmp_path / "pl.xlsx", tmp_path / "pl.docx"
    for out, extra in ((xlsx, ()), (docx, ("--format", "docx"))):
        done = chitieu(db, "export", "--unit", "Vĩnh Lộc", "--period", "2023-H1", *extra,
                       "--out", str(out))  # fmt: skip
        assert done.returncode == 0, done.stderr
    document = Document(str(docx))
    assert len(document.sections) == 2  # one page (section) per appendix
    for section in document.sections:
        mm = [round(x.mm) for x in (section.page_width, section.page_height,
                                    section.left_margin, section.right_margin)]  # fmt: skip
        assert mm == [297, 210, 30, 15]  # A4 landscape, the decree's margins
        assert section.orientation == 1  # landscape
    paragraphs = [p.text for p in document.paragraphs if p.text]
    assert (
        paragraphs.count(
            "(Kèm theo Báo cáo số …/BC-UBND ngày … tháng … năm … của UBND huyện Vĩnh Lộc)"
        )
        == 2
    )
    assert "Phụ lục 1" in paragraphs and "Phụ lục 2" in paragraphs
    letterheads, grids, signatures = (
        document.tables[0::3],
        document.tables[1::3],
        document.tables[2::3],
    )
    for head in letterheads:
        assert grid_rows(head) == [("ỦY BAN NHÂN DÂN\nHUYỆN VĨNH LỘC",
                                    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc")]  # fmt: skip
    for block in signatures:
        assert (
            block.rows[0]
            .cells[1]
            .text.startswith("Vĩnh Lộc, ngày … tháng … năm …\nTM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH")
        )
    sheets = sheet_rows(xlsx)
    for grid, tab, printed in zip(
        grids, ("Phụ lục 1", "Phụ lục 2"), (HEADER_1, HEADER_2), strict=True
    ):
        words = grid_rows(grid)
        assert words[0] == printed
        assert grid.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on each page
        _above, _header, body, _below = table_of(sheets[tab])
        # The same table in both formats: one model, two renderings.
        assert words[1:] == [tuple("" if c is None else str(c) for c in r) for r in body]


def test_export_names_the_town_when_asked_and_refuses_nonsense(tmp_path: Path) -> None:
    db = tmp_path / "chitieu.sqlite3"
    assert chitieu(db, "init").returncode == 0
    out = tmp_path / "town.xlsx"
    done = chitieu(db, "export", "--unit", "thị trấn Vĩnh Lộc", "--period", "2023-H1",
                   "--judgement", "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    sheets = sheet_rows(out)
    assert list(sheets) == ["Phụ lục 2"]  # the district's own appendix is not the town's
    _above, header, body, _below = table_of(sheets["Phụ lục 2"])
    judgements = {r[header.index(JUDGEMENT)] for r in body if any(r[2:])}
    assert judgements == {NO_FIGURE}
    assert chitieu(db, "export", "--unit", "Thôn 99", "--out", str(out)).returncode == 1
    bad = chitieu(db, "export", "--unit", "Vĩnh Lộc", "--period", "hôm qua", "--out", str(out))
    assert bad.returncode == 1 and "không phải kỳ báo cáo" in bad.stderr

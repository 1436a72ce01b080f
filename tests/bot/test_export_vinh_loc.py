"""`chitieu export` reproduces Appendices 1 and 2 of Vĩnh Lộc's six-month report (source
003_5b9a1b528270f769.txt) from the values `chitieu init` loads out of the bundled plans."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[2]
HEADER = (
    "STT",
    "Tên chỉ tiêu",
    "Đơn vị tính",
    "Chỉ tiêu",
    "Kết quả đạt được",
    "Đánh giá",
    "Khó khăn, vướng mắc / đề xuất",
)
MET, NOT_MET, NOT_ASSESSED, NO_FIGURE = "Đạt", "Chưa đạt", "Không đánh giá được", "Chưa có số liệu"

# Phụ lục 1 (source lines 504-642): code → (result as printed, the judgement it implies).
APPENDIX_1 = {
    "1.1": ("0%", NOT_MET),  # 0% against 100%
    "2.1": ("Có", MET),  # "Có" against "Có"
    "2.2": ("Đạt", MET),
    "2.3": ("Chưa đạt", NOT_MET),
    "2.4": ("100%", MET),  # 100% against 100%
    "2.5": ("100%", MET),  # 100% against 90%
    "2.6": ("100%", MET),
    "2.7": ("Đang triển khai", NOT_MET),  # in progress: not reached yet
    "3.1": ("Chưa đạt", NOT_MET),
    "3.2": ("100%", MET),
    "3.3": (13, NOT_ASSESSED),  # the target cell holds only "Sản phẩm": nothing to judge
    "4.1": ("Phổ cập", MET),  # universal coverage is the goal the name states
    "4.2": ("Chưa đạt", NOT_MET),
    "4.3": ("Đang thực hiện", NOT_MET),
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
    "3.3": (None, NO_FIGURE),  # "*" against "*": the report gives no result
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


def rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    book = load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book}


def check_sheet(
    sheet: list[tuple[Any, ...]], expected: dict[str, Any], groups: list[tuple[str, str]]
) -> None:
    assert sheet[1][0] == "Đơn vị: huyện Vĩnh Lộc — kỳ báo cáo: 6 tháng đầu năm 2023"
    assert sheet[3] == HEADER
    # Under the table, after an empty row: whether an official reviewed the figures.
    assert sheet[-2:] == [(None,) * 7, ("Số liệu chưa được duyệt", *(None,) * 6)]
    body = sheet[4:-2]
    found_groups = [(r[0], r[1]) for r in body if r[2] is None and r[5] is None]
    assert found_groups == groups
    indicators = {r[0]: r for r in body if r[5] is not None}
    assert list(indicators) == list(expected)  # every row, in the report's order
    for code, (result, judgement) in expected.items():
        row = indicators[code]
        assert (row[4], row[5]) == (result, judgement), code


def test_export_reproduces_both_appendices(tmp_path: Path) -> None:
    db = tmp_path / "chitieu.sqlite3"
    assert chitieu(db, "init").returncode == 0
    assert chitieu(db, "init").returncode == 0  # loading the results twice adds nothing
    out = tmp_path / "vinh-loc.xlsx"
    # "Vĩnh Lộc" names the huyện and a thị trấn: the plans' unit is meant.
    done = chitieu(db, "export", "--unit", "Vĩnh Lộc", "--period", "6 tháng đầu năm 2023",
                   "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    sheets = rows(out)
    assert list(sheets) == ["Phụ lục 1", "Phụ lục 2"]
    first, second = sheets["Phụ lục 1"], sheets["Phụ lục 2"]
    assert first[0][0].startswith("Phụ lục 1: Kết quả chuyển đổi số cấp huyện")
    assert second[0][0].startswith("Phụ lục 2: Kết quả chuyển đổi số tại đơn vị cấp xã")
    check_sheet(first, APPENDIX_1, GROUPS_1)
    check_sheet(second, APPENDIX_2, GROUPS_2)
    targets = {r[0]: r[3] for r in second[4:-2]}
    assert (targets["1.6"], targets["1.8"], targets["3.3"]) == ("70%", "Triển khai sử dụng", "*")

    again = tmp_path / "again.xlsx"
    done = chitieu(db, "export", "--unit", "huyện Vĩnh Lộc", "--period", "2023-H1",
                   "--out", str(again))  # fmt: skip
    assert done.returncode == 0 and rows(again) == sheets


def test_export_names_the_town_when_asked_and_refuses_nonsense(tmp_path: Path) -> None:
    db = tmp_path / "chitieu.sqlite3"
    assert chitieu(db, "init").returncode == 0
    out = tmp_path / "town.xlsx"
    done = chitieu(db, "export", "--unit", "thị trấn Vĩnh Lộc", "--period", "2023-H1",
                   "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    sheets = rows(out)
    assert list(sheets) == ["Phụ lục 2"]  # the district's own appendix is not the town's
    judgements = {r[5] for r in sheets["Phụ lục 2"][4:] if r[5] is not None}
    assert judgements == {NO_FIGURE}
    assert chitieu(db, "export", "--unit", "Thôn 99", "--out", str(out)).returncode == 1
    bad = chitieu(db, "export", "--unit", "Vĩnh Lộc", "--period", "hôm qua", "--out", str(out))
    assert bad.returncode == 1 and "not a period" in bad.stderr

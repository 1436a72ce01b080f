"""The same adoption by hand in the terminal: `chitieu init`, `chitieu invite` for the
official, then `chitieu chat` for the official and three village teams, the files sent
with "/tep", the returned figure shown to the team when they open the terminal. The
clock moves past the quarter's deadline before the review, as in the chat test."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest

from bot.cli import main
from tests.bot.conftest import NOW
from tests.bot.test_adopt_cli import VILLAGES, villages_sheet
from tests.bot.test_commune_adopts import NEW_LAYOUT
from tests.clock import TestClock
from tests.indicators.plan_import.builders import write_docx

AFTER_DEADLINE = dt.datetime(2026, 12, 28, 9, 0, tzinfo=NOW.tzinfo)
# What each team types after "/baocao" and "bắt đầu": a figure, then /1 for Bỏ qua (or,
# after 310/200, /1 for Xác nhận and two Bỏ qua), and "lưu" at the summary.
TEAMS = {
    "Nà Pài": ["310/200", "/1", "/1", "/1", "150/260", "/1", "90/200", "/1", "có", "/1"],
    "Bản Cuôn": ["120/150", "/1", "140/210", "/1", "80/150", "/1", "có", "/1"],
    "Nà Bưa": ["60/100", "/1", "70/120", "/1", "40/100", "/1", "không", "/1"],
}


def test_a_commune_adopts_chitieu_in_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, clock: TestClock
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHITIEU_DB", str(tmp_path / "chitieu.sqlite3"))
    monkeypatch.setenv("CHITIEU_FILES_DIR", str(tmp_path / "files"))
    clock.set(NOW)

    def run(*args: str, typed: list[str] | None = None) -> str:
        monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{t}\n" for t in typed or [])))
        code = main(list(args), clock=clock)
        out = str(capsys.readouterr().out)
        assert code == 0, out
        return out

    villages_sheet(tmp_path / "danh-sach-thon.xlsx", VILLAGES)
    write_docx(NEW_LAYOUT, tmp_path / "phu-luc-chi-tieu-2026.docx")
    run("init")
    invite = run("invite", "--unit", "Đồng Lạc", "--role", "official")
    [code] = re.findall(r"/start (\S+)", invite)

    setup = run("chat", "--code", code, "--name", "Nguyễn Thị Lan", typed=[
        "/tep danh-sach-thon.xlsx", "/1",
        "/tep phu-luc-chi-tieu-2026.docx", "1.3: ≥ 50%", "2.3: 04 cuộc", "/1",
        "/moi",
    ])  # fmt: skip
    assert "Anh/chị đã đăng ký là cán bộ của Đồng Lạc." in setup
    assert "13 đơn vị trong tệp, 12 đơn vị mới." in setup
    assert "Đã thêm 12 đơn vị vào xã Đồng Lạc." in setup
    assert "2 chỉ tiêu chưa đọc được chỉ tiêu: 1.3" in setup
    assert "Đã áp dụng: kế hoạch xa-dong-lac-2026 (phiên bản 1)" in setup
    codes = dict(re.findall(r"• thôn (.+?): (\S+)", setup))
    assert len(codes) == 12 and (tmp_path / "files" / "ma-moi-xa-dong-lac.xlsx").exists()

    for village, typed in TEAMS.items():
        out = run("chat", "--code", codes[village], "--name", f"Tổ CNSCĐ {village}",
                  typed=["/baocao", "bắt đầu", *typed, "lưu"])  # fmt: skip
        assert "Đã lưu 4 số liệu kỳ Quý IV/2026" in out, out

    clock.set(AFTER_DEADLINE)
    review = run("chat", "--as", "Nguyễn Thị Lan", typed=[
        "duyệt số liệu quý 4",
        "trả lại 1.1 thôn Nà Pài: Số hộ có cáp quang vượt tổng số hộ",
    ])  # fmt: skip
    assert "• thôn Nà Pài (4/4): 1.1 155% (310/200) ⚠" in review
    assert "Đã trả lại 1.1 cho thôn Nà Pài" in review

    fixed = run("chat", "--as", "Tổ CNSCĐ Nà Pài", typed=["/1", "170/200", "/1", "lưu"])
    assert "Nhận xét: Số hộ có cáp quang vượt tổng số hộ\n" in fixed
    assert "  [/1] Sửa số liệu" in fixed
    assert "Đã lưu 1 số liệu kỳ Quý IV/2026" in fixed
    again = run("chat", "--as", "Tổ CNSCĐ Nà Pài")
    assert "Sửa số liệu" not in again  # delivered once

    lock = run("chat", "--as", "Nguyễn Thị Lan", typed=[
        "duyệt số liệu quý 4", "/1", "khóa kỳ quý 4", "xuất báo cáo excel quý 4",
    ])  # fmt: skip
    assert "• thôn Nà Pài (4/4): 1.1 85% (170/200)" in lock
    assert "Đã chấp nhận" in lock
    assert "Đã khóa Quý IV/2026 của xã Đồng Lạc" in lock
    assert (tmp_path / "files" / "phu-luc-xa-dong-lac-2026-Q4.xlsx").exists()


def test_a_file_that_cannot_be_sent_is_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, clock: TestClock
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHITIEU_DB", str(tmp_path / "chitieu.sqlite3"))
    assert main(["init", "--demo"], clock=clock) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("/tep\n/tep khong-co.xlsx\n"))
    assert main(["chat"], clock=clock) == 0
    out = capsys.readouterr().out
    assert "Tệp nào? Ví dụ: /tep danh-sach-thon.xlsx" in out
    assert "khong-co.xlsx: không mở được tệp" in out

"""`chitieu plans template`, `chitieu plans import` and `chitieu units import` through
the real command on a temporary database."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.cli import main
from storage import Store
from tests.clock import TestClock
from tests.indicators.plan_import import appendices
from tests.indicators.plan_import.builders import write_docx

Run = Callable[..., tuple[int, str, str]]
VILLAGES = ["Nà Pài", "Bản Cuôn", "Nà Bưa", "Khau Lồm", "Bản Tàn", "Phiêng Lủng",
            "Nà Càng", "Cốc Lùng", "Bản Lác", "Nà Tùm", "Khuổi Lịa", "Bản Chang"]  # fmt: skip


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, clock: TestClock) -> Run:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHITIEU_DB", str(tmp_path / "chitieu.sqlite3"))

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args), clock=clock)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    assert run("init")[0] == 0
    return run


def query(tmp_path: Path, clock: TestClock, work):
    async def go():
        async with await Store.open(tmp_path / "chitieu.sqlite3", clock=clock) as store:
            return await work(store)

    return asyncio.run(go())


async def dong_lac(store: Store) -> int:
    return (await store.units.by_name("Đồng Lạc", level="xã"))[0].id


def test_template_read_back_and_applied_to_the_unit_and_year(
    run: Run, tmp_path: Path, clock
) -> None:
    code, out, _ = run("plans", "template", "mau.xlsx")
    assert code == 0 and (tmp_path / "mau.xlsx").stat().st_size > 0 and "Đã ghi mẫu" in out

    code, out, _ = run("plans", "import", "mau.xlsx", "--unit", "Đồng Lạc", "--year", "2026")
    assert code == 0
    assert "1 chỉ tiêu trong 1 nhóm; 1 có công thức." in out
    assert "Chưa áp dụng gì" in out
    assert query(tmp_path, clock, lambda s: s.plans.get("xa-dong-lac-2026")) is None

    code, out, _ = run(
        "plans", "import", "mau.xlsx", "--unit", "Đồng Lạc", "--year", "2026", "--yes"
    )
    assert code == 0 and "Đã áp dụng: kế hoạch xa-dong-lac-2026 (phiên bản 1)" in out

    async def check(store: Store) -> None:
        unit_id = await dong_lac(store)
        assert "xa-dong-lac-2026" in await store.plans.plans_of(unit_id)
        plan = await store.plans.get("xa-dong-lac-2026")
        assert plan is not None and plan.year == 2026
        assert plan.indicator("3.1").reported_by.value == "village"
        assert await store.plans.units_of("xa-dong-lac-2026") == [unit_id]

    query(tmp_path, clock, check)
    again = run("plans", "import", "mau.xlsx", "--unit", "Đồng Lạc", "--year", "2026", "--yes")
    assert again[0] == 0 and "(phiên bản 1)" in again[1]  # the same text is not a new version


def test_a_plan_with_doubts_is_refused_whole(run: Run, tmp_path: Path, clock) -> None:
    write_docx(appendices.SONG_MA, tmp_path / "song-ma.docx")

    async def town(store: Store) -> int:
        return (await store.units.by_name("Sông Mã", level="thị trấn"))[0].id

    town_id = query(tmp_path, clock, town)
    code, out, err = run("plans", "import", "song-ma.docx", "--unit", str(town_id), "--yes")
    assert code == 1
    assert "15 chỉ tiêu trong 3 nhóm; 0 có công thức" in out
    assert "2 chỉ tiêu chưa đọc được chỉ tiêu: II.1 ('Căn cứ hướng dẫn" in out
    assert (
        "Dòng 13 (II.1): chưa đọc được chỉ tiêu 'Căn cứ hướng dẫn xác định GRDP để thực hiện'"
        in out
    )
    assert "Chưa áp dụng, các dòng còn vướng: dòng 7 (I.4), dòng 13 (II.1), dòng 14 (II.2)" in err
    assert "Traceback" not in err
    assert query(tmp_path, clock, lambda s: s.plans.get("thi-tran-song-ma-2024")) is None


def test_an_unreadable_file_and_an_unknown_unit(run: Run, tmp_path: Path) -> None:
    (tmp_path / "plan.docx").write_bytes(b"not a word file")
    code, _, err = run("plans", "import", "plan.docx", "--unit", "Đồng Lạc")
    assert code == 1 and "tệp bị hỏng" in err and "Traceback" not in err
    code, _, err = run("plans", "import", "plan.docx", "--unit", "Thôn 99")
    assert code == 1 and "không có đơn vị" in err


def villages_sheet(path: Path, names: list[str]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["DANH SÁCH THÔN XÃ ĐỒNG LẠC"])
    sheet.append(["STT", "Xã", "Thôn", "Ghi chú"])
    for number, name in enumerate(names, start=1):
        sheet.append([number, "Đồng Lạc" if number == 1 else None, f"Thôn {name}", None])
    sheet.merge_cells(start_row=3, start_column=2, end_row=2 + len(names), end_column=2)
    workbook.save(path)
    return path


def test_twelve_villages_previewed_then_added_once(run: Run, tmp_path: Path, clock) -> None:
    villages_sheet(tmp_path / "thon.xlsx", VILLAGES)
    code, out, _ = run("units", "import", "thon.xlsx")
    assert code == 0
    assert "13 đơn vị trong tệp, 12 đơn vị mới." in out
    assert "= xã Đồng Lạc" in out and "+   thôn Nà Pài" in out
    assert query(tmp_path, clock, _children) == []

    code, out, _ = run("units", "import", "thon.xlsx", "--yes")
    assert code == 0 and "Đã thêm 12 đơn vị." in out
    assert query(tmp_path, clock, _children) == VILLAGES

    code, out, _ = run("units", "import", "thon.xlsx", "--yes")
    assert code == 0 and "13 đơn vị trong tệp, 0 đơn vị mới." in out and "Đã thêm 0 đơn vị." in out
    assert query(tmp_path, clock, _children) == VILLAGES


async def _children(store: Store) -> list[str]:
    return [u.name for u in await store.units.children(await dong_lac(store))]


def test_duplicates_and_conflicts_add_nothing(run: Run, tmp_path: Path, clock) -> None:
    (tmp_path / "dup.csv").write_text(
        "Tên;Cấp;Thuộc\nNà Pài;thôn;Đồng Lạc\nBản Cuôn;thôn;Đồng Lạc\nNa Pai;thôn;Đồng Lạc\n",
        encoding="utf-8",
    )
    code, out, err = run("units", "import", "dup.csv", "--yes")
    assert code == 1
    assert "+ thôn Nà Pài (thuộc Đồng Lạc)\n+ thôn Bản Cuôn (thuộc Đồng Lạc)" in out
    assert "- Dòng 4: 'Na Pai' đã có ở dòng 2" in out
    assert "Chưa thêm gì, các dòng còn vướng: dòng 4." in err
    assert query(tmp_path, clock, _children) == []

    (tmp_path / "one.csv").write_text("Tên,Cấp,Thuộc\nNà Pài,thôn,Đồng Lạc\n", encoding="utf-8")
    assert run("units", "import", "one.csv", "--yes")[0] == 0
    (tmp_path / "other.csv").write_text("Tên,Cấp,Thuộc\nNà Pài,bản,Đồng Lạc\n", encoding="utf-8")
    code, out, _ = run("units", "import", "other.csv", "--yes")
    assert code == 1 and "'Nà Pài' đã có ở đó, là thôn Nà Pài" in out
    assert query(tmp_path, clock, _children) == ["Nà Pài"]


def test_units_under_a_given_unit(run: Run, tmp_path: Path, clock) -> None:
    (tmp_path / "thon.csv").write_text("Thôn\nThôn 1\nThôn 2\n", encoding="utf-8")
    code, out, _ = run("units", "import", "thon.csv", "--under", "Đồng Lạc", "--yes")
    assert code == 0 and "Đã thêm 2 đơn vị." in out
    assert query(tmp_path, clock, _children) == ["Thôn 1", "Thôn 2"]

"""The demo, the terminal and the operator commands as a newcomer meets them: the README's
commands after the start command, a database that is not there, Telegram out of reach,
the operator's language, files the terminal cannot show, and every measure in the demo."""

from __future__ import annotations

import io
import re
import shlex
import socket
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document

from bot.cli import main
from bot.console import ConsoleChat
from bot.setup import all_people
from handlers.app import build_router
from indicators.values import CountValue, PercentValue, Status, StatusValue, YesNoValue
from locales import set_locale
from storage import Store
from tests.bot.appendix_rows import appendix_parts
from tests.bot.conftest import NOW, services_for
from tests.clock import TestClock

ROOT = Path(__file__).resolve().parents[2]
CHITIEU_ENV = ("CHITIEU_DB", "CHITIEU_DATABASE_URL", "CHITIEU_TELEGRAM_TOKEN",
               "CHITIEU_TELEGRAM_API_URL", "CHITIEU_LOCALE", "CHITIEU_FILES_DIR",
               "CHITIEU_ZALO_BOT_TOKEN")  # fmt: skip


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh folder as the current directory, with no chitieu setting in the way."""
    for name in CHITIEU_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    set_locale("vi")  # main() sets the process's locale; leave it as the other tests expect


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv), clock=TestClock(NOW))
    out, err = capsys.readouterr()
    return code, out, err


def readme_block(heading: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    return section[section.index("```sh") + 5 : section.index("```", section.index("```sh") + 5)]


def test_the_readme_commands_work_after_the_start_command(
    here: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # What ./scripts/start.sh does without a token: the demo database it names.
    start = (ROOT / "scripts" / "start.sh").read_text(encoding="utf-8")
    database = re.search(r'CHITIEU_DB="\$\{CHITIEU_DB:-([^}]+)\}"', start)
    assert database is not None and "chitieu init --demo" in start
    monkeypatch.setenv("CHITIEU_DB", database.group(1))
    assert run(capsys, "init", "--demo")[0] == 0
    monkeypatch.delenv("CHITIEU_DB")
    # The README's operator block, as written: its settings, then its commands.
    block = readme_block("## Operator commands")
    for line in block.splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] == ["export"]:
            name, _, value = words[1].partition("=")
            monkeypatch.setenv(name, value)
    exports = [
        shlex.split(ln, comments=True) for ln in block.splitlines() if "chitieu export" in ln
    ]
    assert exports, "the README shows how to export the appendix"
    for words in exports:
        code, out, err = run(capsys, *words[1:])
        assert code == 0, err
        target = here / words[words.index("--out") + 1]
        assert target.stat().st_size > 0 and str(target.name) in out
    assert not (here / "chitieu.sqlite3").exists()  # the demo's database was used


@pytest.mark.parametrize(
    "argv",
    [
        ("export", "--unit", "Vĩnh Lộc", "--out", "x.xlsx"),
        ("units",),
        ("invite", "--unit", "Thôn 1", "--role", "member"),
        ("chat",),
    ],
)
def test_a_command_on_a_missing_database_says_to_run_init(
    here: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    code, _out, err = run(capsys, *argv)
    assert code == 1
    assert "chitieu init" in err and "chitieu.sqlite3" in err
    assert "không có đơn vị" not in err and "Traceback" not in err
    assert not (here / "chitieu.sqlite3").exists()  # nothing created in passing
    sqlite3.connect(here / "chitieu.sqlite3").close()  # an empty file, as before the fix made
    code, _out, err = run(capsys, *argv)
    assert code == 1 and "chưa có bộ chỉ tiêu nào" in err and "chitieu init" in err


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_invite_with_telegram_out_of_reach_prints_the_code_and_why(
    here: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(capsys, "init")[0] == 0
    token = "123456789:AAE-not-a-real-token-but-the-shape"
    monkeypatch.setenv("CHITIEU_TELEGRAM_TOKEN", token)
    # Nothing listens there: the connection is refused at once.
    monkeypatch.setenv("CHITIEU_TELEGRAM_API_URL", f"http://127.0.0.1:{free_port()}/bot")
    code, out, err = run(capsys, "invite", "--unit", "Đồng Lạc", "--role", "official")
    assert code == 0, err
    invite = re.search(r"Mã mời: (\S+)", out)
    assert invite is not None
    assert "Không tạo được liên kết t.me: không kết nối được tới Telegram." in out
    assert f"/start {invite.group(1)}" in out
    assert "Traceback" not in err + out and token not in err + out


def test_operator_output_follows_the_locale(
    here: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _err = run(capsys, "init", "--demo")
    assert code == 0
    assert out.startswith("Cơ sở dữ liệu chitieu.sqlite3: đã nạp 6 bộ chỉ tiêu kèm theo")
    assert "Dữ liệu mẫu: dong-lac-2026" in out and "Database" not in out
    monkeypatch.setenv("CHITIEU_LOCALE", "en")
    code, out, _err = run(capsys, "init")
    assert code == 0 and out.startswith("Database chitieu.sqlite3: 6 bundled plans loaded")


def test_the_terminal_saves_files_and_says_where(
    here: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(capsys, "init", "--demo")[0] == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("tiến độ\nxuất báo cáo word\n"))
    code, out, err = run(capsys, "chat", "--as", "Nguyễn Thị Lan")
    assert code == 0, err
    folder = here / "chitieu-files"  # the default, as the README says
    saved = sorted(p.name for p in folder.iterdir())
    assert any(name.endswith(".png") for name in saved)
    assert "phu-luc-xa-dong-lac-2026-Q3.docx" in saved
    assert "📎 Đã lưu tệp: chitieu-files/phu-luc-xa-dong-lac-2026-Q3.docx" in out
    grid = Document(str(folder / "phu-luc-xa-dong-lac-2026-Q3.docx")).tables[1]
    assert grid.rows[0].cells[0].text == "STT"
    # Another folder, by setting.
    monkeypatch.setenv("CHITIEU_FILES_DIR", str(here / "elsewhere"))
    monkeypatch.setattr(sys, "stdin", io.StringIO("/xuatbaocao excel\n"))
    code, out, _err = run(capsys, "chat", "--as", "Nguyễn Thị Lan")
    assert code == 0 and (here / "elsewhere" / "phu-luc-xa-dong-lac-2026-Q3.xlsx").exists()
    assert str(here / "elsewhere" / "phu-luc-xa-dong-lac-2026-Q3.xlsx") in out


class Console:
    """The official at the terminal; buttons are pressed by their label."""

    def __init__(self, chat: ConsoleChat) -> None:
        self.chat = chat
        self.last = ""

    async def say(self, line: str) -> str:
        self.last = "\n".join(r.text for r in await self.chat.say(line))
        return self.last

    async def press(self, label: str) -> str:
        number = next(n for n, b in self.chat.buttons.items() if b.label == label)
        return await self.say(f"/{number}")


async def test_the_demo_has_every_measure_and_the_official_reports_them(
    demo_db: str, clock
) -> None:
    async with await Store.open(demo_db, clock=clock) as store:
        plan = await store.plans.get("dong-lac-2026")
        assert plan is not None
        commune_rows = [i for i in plan.indicators if i.reported_by.value == "commune"]
        measures = {i.measure.value for i in commune_rows}
        assert measures == {"percent", "yesno", "status", "count"}
        official = next(p for p in await all_people(store) if p.role == "official")
        await store.people.link_identity(official.id, "console", "lan")
        chat = Console(ConsoleChat(build_router(services_for(store)), "lan", official.name,
                                   io.StringIO()))  # fmt: skip
        await chat.say("/baocao")
        await chat.press("Bắt đầu")
        while not chat.last.startswith("(15/19) 5.1."):
            await chat.press("Bỏ qua")
        assert "Có kênh" not in chat.last and "Chỉ tiêu năm 2026: Có" in chat.last
        answers = {"5.1": "có", "5.2": "không", "5.3": "đang triển khai", "5.4": "đạt", "5.5": "2"}
        for code, answer in answers.items():
            assert f") {code}." in chat.last.splitlines()[0], chat.last
            await chat.say(answer)
            while "Khó khăn" in chat.last or "Xác nhận" in chat.last:
                await chat.press("Bỏ qua" if "Khó khăn" in chat.last else "Xác nhận")
        assert "Tóm tắt" in chat.last
        await chat.press("Lưu")
        commune = (await store.units.by_name("Đồng Lạc", level="xã"))[0]
        saved = {
            v.indicator_code: v.value
            for v in await store.values.latest([commune.id], plan.id, "2026-Q4")
        }
        assert saved == {
            "5.1": YesNoValue(True),
            "5.2": YesNoValue(False),
            "5.3": StatusValue(Status.IN_PROGRESS),
            "5.4": StatusValue(Status.MET),
            "5.5": CountValue(2),
        }
        # And the answers and the appendix read them as what they are.
        fibre = await chat.say("/chitieu 5.2")
        assert "Không" in fibre and "chưa đạt" in fibre
        table = appendix_parts((await _export(store, commune)).content, "Phụ lục 01")
        judged = table.column("Đánh giá")
        assert judged["5.1"] == "Đạt" and judged["5.2"] == "Chưa đạt"
        assert judged["5.3"] == "Đang triển khai, chưa đánh giá được"
        assert table.column("Kết quả đạt được")["5.5"] == 2
        assert not any(isinstance(v, PercentValue) for v in saved.values())


async def _export(store: Store, unit):
    from handlers.exports.appendix import appendix_file
    from indicators.periods import Period

    made = await appendix_file(services_for(store), unit, Period.from_code("2026-Q4"))
    assert made is not None
    return made

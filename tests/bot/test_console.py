"""The same reporting conversation through the terminal channel."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from bot.console import ConsoleChat, run_console
from bot.setup import all_people
from handlers.app import build_router
from storage import Store
from tests.bot.conftest import services_for


async def test_scripted_console_report(demo_db: str, clock) -> None:
    async with await Store.open(demo_db, clock=clock) as store:
        person = [p for p in await all_people(store) if p.role == "member"][0]
        await store.people.link_identity(person.id, "console", f"person-{person.id}")
        out = io.StringIO()
        chat = ConsoleChat(
            build_router(services_for(store)), f"person-{person.id}", person.name, out
        )
        script = "\n".join(["/baocao", "/1", "180", "300", "/1", "khong biet", "90/120", "/1", "/1",
                            "/1", "/1"]) + "\n"  # fmt: skip
        await run_console(chat, io.StringIO(script), interactive=False)
        text = out.getvalue()
        assert "[/1] Báo cáo số liệu" in text
        assert "60% (180/300 hộ gia đình)" in text
        assert "Tóm tắt" in text
        assert "Đã lưu 2 số liệu" in text


def test_chitieu_chat_reads_stdin_when_not_a_terminal(tmp_path: Path) -> None:
    env = {"CHITIEU_DB": str(tmp_path / "demo.sqlite3"), "PATH": "/usr/bin:/bin"}
    exe = [sys.executable, "-m", "bot.cli"]
    root = Path(__file__).resolve().parents[2]
    subprocess.run([*exe, "init", "--demo"], env=env, cwd=root, check=True, capture_output=True)
    done = subprocess.run(
        [*exe, "chat"], env=env, cwd=root, input="/trogiup\nbáo cáo\n/huy\n",
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    assert "Hướng dẫn sử dụng" in done.stdout
    assert "Đã hủy báo cáo" in done.stdout
    assert "Traceback" not in done.stderr

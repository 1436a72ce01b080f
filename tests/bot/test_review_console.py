"""The official's review, lock, history and invites in the terminal channel."""

from __future__ import annotations

import io

from bot.console import ConsoleChat
from bot.setup import all_people
from handlers.app import build_router
from storage import Store
from tests.bot.conftest import NOW, services_for

OFFICIAL = "Nguyễn Thị Lan (Văn phòng - Thống kê)"


async def test_an_official_reviews_and_locks_in_the_terminal(demo_db: str, clock) -> None:
    clock.set(NOW)
    async with await Store.open(demo_db, clock=clock) as store:
        official = next(p for p in await all_people(store) if p.name == OFFICIAL)
        await store.people.link_identity(official.id, "console", f"person-{official.id}")
        out = io.StringIO()
        chat = ConsoleChat(build_router(services_for(store)), f"person-{official.id}", "Lan", out)
        await chat.say("duyệt số liệu quý 3")
        shown = out.getvalue()
        assert "Duyệt số liệu Quý III/2026 — xã Đồng Lạc" in shown
        # The demo commune's own 5.5 looks wrong against its last figure: it may go back.
        assert "[/1] ↩ 5.5 xã Đồng Lạc" in shown
        assert "[/2] Chấp nhận tất cả" in shown and "[/3] Khóa kỳ" in shown
        await chat.say("/2")  # Chấp nhận tất cả
        # 5 villages' 4 figures (Thôn 6 sent none) and the commune's 19.
        assert "Đã chấp nhận 39 số liệu của Quý III/2026. Gõ “khóa kỳ Quý III”" in out.getvalue()
        await chat.say("/3")  # Khóa kỳ keeps its number
        assert "Đã khóa Quý III/2026 của xã Đồng Lạc" in out.getvalue()
        await chat.say("lịch sử 3.1 thôn 2 quý 3")
        history = out.getvalue().rsplit("Lịch sử 3.1", 1)[-1]
        assert history.startswith(" — Thôn 2, Quý III/2026:")
        assert f"✓ 23/11/2026 08:00 — {OFFICIAL} chấp nhận bản 1" in history
        assert "Kỳ này đã được khóa ngày 23/11/2026." in history
        await chat.say("mời thành viên")
        assert "📎 ma-moi-xa-dong-lac.xlsx" in out.getvalue()
        assert "Mở bot trên Telegram" not in out.getvalue()  # that is in the sheet only

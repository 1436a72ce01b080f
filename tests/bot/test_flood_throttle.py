"""A person flooding the bot, through the whole bot (python-telegram-bot's real
Application, the fake Bot API over HTTP, real SQLite): past the limit they are told so
once, in Vietnamese, and their further updates in the window are marked handled without
a turn and logged without their text; another member is answered as usual, and the
flooder is again once the window has passed."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest

from bot.intake import FLOOD_LIMIT, FLOOD_WINDOW, FLOODING
from bot.telegram_channel import CHANNEL
from storage import Store
from tests.bot.bot_process import listening, running, settings_for, until
from tests.bot.conftest import invite_code
from tests.bot.fake_bot_server import FakeBotServer, message
from tests.clock import TestClock

FLOODER = 818181
OTHER = 828282
NOTHING_TO_CANCEL = "Không có thao tác nào đang làm để hủy."
HELP = "Hướng dẫn sử dụng:"
TOLD = "Anh/chị gửi quá nhiều tin nhắn trong thời gian ngắn"
EXTRA = 10
HANG_GUARD = 60.0


async def _done(store: Store, server: FakeBotServer) -> bool:
    if server.waiting:
        return False
    left = await store.db.fetch_value(
        "SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL OR replied_at IS NULL"
    )
    pending = await store.db.fetch_value(
        "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending')"
    )
    return left == 0 and pending == 0


async def test_a_flooder_is_told_once_and_the_rest_of_the_flood_is_not_handled(
    demo_db: str, clock: TestClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    server = FakeBotServer()
    async with (
        await Store.open(demo_db, clock=clock) as store,
        listening(server) as url,
        running(settings_for(demo_db, url), store) as bot,
    ):
        for person in (FLOODER, OTHER):
            server.push(message(person, f"/start {await invite_code(store, 'Thôn 2')}"))
        await until(lambda: _done(store, server), timeout=HANG_GUARD, bot=bot)
        clock.advance(FLOOD_WINDOW + dt.timedelta(seconds=1))  # the joining is not counted
        joined = {person: len(server.texts(person)) for person in (FLOODER, OTHER)}
        others = 0
        for n in range(FLOOD_LIMIT + EXTRA):
            server.push(message(FLOODER, "/huy" if n < FLOOD_LIMIT else f"tin riêng tư {n}"))
            if n % 10 == 0:
                server.push(message(OTHER, "/trogiup"))
                others += 1
        await until(lambda: _done(store, server), timeout=HANG_GUARD, bot=bot)
        flood = server.texts(FLOODER)[joined[FLOODER] :]
        assert flood == [NOTHING_TO_CANCEL] * FLOOD_LIMIT + [flood[-1]]
        assert flood[-1].startswith(TOLD)
        answers = server.texts(OTHER)[joined[OTHER] :]
        assert len(answers) == others and all(text.startswith(HELP) for text in answers)
        skipped = await store.db.fetch_all(
            "SELECT update_id, handled_at, replied_at FROM inbox WHERE skipped = ?",
            (FLOODING,),
        )
        assert len(skipped) == EXTRA
        assert all(row["handled_at"] and row["replied_at"] for row in skipped)

        clock.advance(FLOOD_WINDOW + dt.timedelta(seconds=1))
        server.push(message(FLOODER, "/trogiup"))
        await until(lambda: _done(store, server), timeout=HANG_GUARD, bot=bot)
        assert server.texts(FLOODER)[-1].startswith(HELP)
    for record in caplog.records:
        assert "riêng tư" not in record.getMessage()
    skips = [r.getMessage() for r in caplog.records if "skipped: its sender" in r.getMessage()]
    # One line per burst skipped together (updates taken from Telegram at once).
    burst = re.compile(r"update \d+ and (\d+) more of its burst skipped")
    counts = [1 + int(m.group(1)) for line in skips if (m := burst.search(line))]
    assert sum(counts) == EXTRA and len(counts) == len(skips)
    assert sum(", told so" in line for line in skips) == 1
    assert await _channel_rows(demo_db, clock) == FLOOD_LIMIT + EXTRA + others + 3


async def _channel_rows(db: str, clock: TestClock) -> int:
    async with await Store.open(db, clock=clock) as store:
        count = await store.db.fetch_value(
            "SELECT COUNT(*) FROM inbox WHERE channel = ?", (CHANNEL,)
        )
    return int(str(count))

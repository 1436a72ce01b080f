"""The same handlers and sender on a channel that can do less than Telegram.

The Zalo Bot Platform carries 2,000 characters a message and no buttons at all: choices
arrive as numbered text ("/1 Bắt đầu"), and typing "/1" presses the first. Joining,
reporting, a question and a reminder go through the real router, the real outbox
sender and the real channel, against a fake Bot Platform over HTTP on loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re

import httpx

from bot.sender import Limits, OutboxSender
from bot.zalo.bot_api import ZaloBotClient
from bot.zalo.bot_platform import CAPABILITIES, ZaloBotChannel, ZaloBotReceiver
from handlers.app import build_router
from handlers.reminders import rounds as reminders
from handlers.services import Services
from indicators.periods import VIETNAM_TZ
from indicators.reminders import ReminderSettings
from storage import Store
from tests.bot.conftest import invite_code
from tests.bot.zalo.fake_bot import TOKEN, FakeBotPlatform, text_update
from tests.clock import TestClock

CHOICE = re.compile(r"^/(\d+) (.+)$", re.MULTILINE)


class Member:
    """One person writing to the bot on the Zalo Bot Platform."""

    def __init__(self, receiver: ZaloBotReceiver, fake: FakeBotPlatform) -> None:
        self.receiver = receiver
        self.fake = fake
        self._ids = iter(range(1, 10_000))

    async def say(self, text: str) -> list[str]:
        before = len(self.fake.texts())
        await self.receiver.handle(text_update(text, f"in-{next(self._ids)}", user="z-6"))
        return self.fake.texts()[before:]

    async def choose(self, label: str, shown: list[str]) -> list[str]:
        """Type the number that the last message showing `label` gave it."""
        for text in reversed(shown):
            for number, choice in CHOICE.findall(text):
                if choice.startswith(label):
                    return await self.say(f"/{number}")
        raise AssertionError(f"no choice {label!r} in {shown}")


async def test_join_report_ask_and_be_reminded_without_buttons(
    store: Store, clock: TestClock, zalo_platform: tuple[FakeBotPlatform, str]
) -> None:
    fake, url = zalo_platform
    assert CAPABILITIES.max_buttons == 0 and CAPABILITIES.max_text == 2000
    code = await invite_code(store, "Thôn 6")
    services = Services(store=store)
    async with httpx.AsyncClient(timeout=5.0) as http:
        channel = ZaloBotChannel(
            ZaloBotClient(http, TOKEN, base_url=url), file_notice="(tệp: xem trên Telegram)"
        )
        receiver = ZaloBotReceiver(channel, on_turn=build_router(services).handle)
        member = Member(receiver, fake)

        joined = await member.say(f"/start {code}")
        assert any("Thôn 6" in text for text in joined)

        shown = await member.say("/baocao")
        shown = await member.choose("Bắt đầu", shown)
        assert "Số hộ gia đình sử dụng mạng băng rộng cáp quang?" in shown[-1]
        await member.say("150")
        shown = await member.say("300")
        assert any("50% (150/300 hộ gia đình)" in text for text in shown)
        for _ in range(12):  # the comment and the other indicators: skip them
            if any(CHOICE.search(t) and "Lưu" in t for t in shown[-1:]):
                break
            shown = await member.choose("Bỏ qua", shown)
        shown = await member.choose("Lưu", shown)
        assert any("Đã lưu 1 số liệu" in text for text in shown)

        answer = await member.say("chi tieu nao chua dat")
        assert answer and all(len(text) <= CAPABILITIES.max_text for text in answer)

        # 17/09/2026 at 08:00: Thôn 6 has no Q3 figures, and its member is on Zalo only.
        clock.set(dt.datetime(2026, 9, 17, 8, 0, tzinfo=VIETNAM_TZ))
        queued = await reminders.run_due(services, ReminderSettings())
        assert [round_.unit.name for round_ in queued] == ["Thôn 6"]
        clock.run()
        sender = OutboxSender(
            store, channel, limits=Limits(per_second=50, private_interval=0, poll=0.05)
        )
        task = asyncio.create_task(sender.run())
        try:
            async with asyncio.timeout(10):
                while sender.counters.sent < 1:
                    await asyncio.sleep(0.02)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        reminder = fake.texts()[-1]
        assert reminder.startswith("Nhắc hạn: số liệu kỳ Quý III/2026 của Thôn 6")
        assert len(reminder) <= CAPABILITIES.max_text

        opened = await member.choose("Báo cáo ngay", [reminder])
        assert any("Quý III/2026" in text for text in opened)

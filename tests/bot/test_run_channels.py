"""`chitieu run` starts every configured channel: here the Zalo Bot Platform alone."""

from __future__ import annotations

import asyncio
import contextlib

from bot.runner import run_channels
from bot.settings import Settings
from storage import Store
from tests.bot.conftest import invite_code
from tests.bot.zalo.fake_bot import TOKEN, FakeBotPlatform, text_update
from tests.clock import TestClock


async def test_a_zalo_bot_alone_is_run_and_answers(
    demo_db: str, clock: TestClock, zalo_platform: tuple[FakeBotPlatform, str]
) -> None:
    fake, url = zalo_platform
    async with await Store.open(demo_db, clock=clock) as store:
        code = await invite_code(store, "Thôn 2")
    settings = Settings(_env_file=None, db=demo_db, zalo_bot_token=TOKEN, zalo_bot_api_url=url)
    assert settings.telegram_token is None
    running = asyncio.create_task(run_channels(settings, clock))
    try:
        fake.push(text_update(f"/start {code}", "m-1", user="z-2"))
        async with asyncio.timeout(10):
            while not fake.texts():
                assert not running.done(), running.exception()
                await asyncio.sleep(0.02)
        assert "Thôn 2" in fake.texts()[0]
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running

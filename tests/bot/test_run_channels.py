"""`chitieu run` starts every configured channel: the Zalo Bot Platform alone, and with
the Zalo Official Account next to it."""

from __future__ import annotations

import asyncio
import contextlib
import socket

import httpx

from bot.runner import run_channels
from bot.settings import Settings
from storage import Store
from tests.bot.conftest import invite_code
from tests.bot.zalo.fake_bot import TOKEN, FakeBotPlatform, text_update
from tests.bot.zalo.fake_oa import APP_ID, APP_SECRET, FakeZaloOA
from tests.bot.zalo.support import OA_ID, OA_SECRET, signed
from tests.bot.zalo_oa_session import fake_oa_server
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_official_account_is_run_next_to_the_zalo_bot(
    demo_db: str, clock: TestClock, zalo_platform: tuple[FakeBotPlatform, str]
) -> None:
    bot_fake, bot_url = zalo_platform
    oa_fake = FakeZaloOA()
    access, refresh = oa_fake.grant()
    port = free_port()
    async with fake_oa_server(oa_fake) as oa_url:
        settings = Settings(
            _env_file=None,
            db=demo_db,
            zalo_bot_token=TOKEN,
            zalo_bot_api_url=bot_url,
            zalo_app_id=APP_ID,
            zalo_app_secret=APP_SECRET,
            zalo_oa_secret=OA_SECRET,
            zalo_access_token=access,
            zalo_refresh_token=refresh,
            zalo_api_url=oa_url,
            zalo_oauth_url=oa_url,
            zalo_webhook_host="127.0.0.1",
            zalo_webhook_port=port,
        )
        running = asyncio.create_task(run_channels(settings, clock))
        try:
            follow: dict[str, object] = {
                "app_id": APP_ID,
                "oa_id": OA_ID,
                "event_name": "follow",
                "timestamp": "1795398000000",
                "follower": {"id": "z-9"},
            }
            raw, signature = signed(follow)
            url = f"http://127.0.0.1:{port}/zalo/webhook"
            async with asyncio.timeout(10), httpx.AsyncClient() as client:
                while True:
                    assert not running.done(), running.exception()
                    try:
                        answer = await client.post(
                            url, content=raw, headers={"X-ZEvent-Signature": signature}
                        )
                        break
                    except httpx.ConnectError:
                        await asyncio.sleep(0.05)
                assert answer.status_code == 200
                while not oa_fake.texts("z-9"):
                    await asyncio.sleep(0.02)
            [greeting] = oa_fake.texts("z-9")
            assert "/start" in greeting  # how to join, for a follower not registered yet
            bot_fake.push(text_update("xin chào", "m-9", user="z-b"))  # the other Zalo
            async with asyncio.timeout(10):
                while not bot_fake.texts():
                    await asyncio.sleep(0.02)
            assert bot_fake.texts() == [greeting]
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
    async with await Store.open(demo_db, clock=clock) as store:
        stored = await store.zalo_tokens.load(APP_ID)
    assert stored is not None and stored.access_token == access  # seeded from the settings

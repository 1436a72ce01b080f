"""Running the whole bot (`bot.runner.serve`) against the fake Bot API server on loopback."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from aiohttp.test_utils import TestServer

from bot.runner import serve
from bot.settings import Settings
from storage import Store
from tests.bot.fake_bot_server import TOKEN, FakeBotServer


@asynccontextmanager
async def listening(server: FakeBotServer) -> AsyncIterator[str]:
    """The server on 127.0.0.1; its Bot API base URL (CHITIEU_TELEGRAM_API_URL)."""
    http = TestServer(server.app(), host="127.0.0.1")
    await http.start_server()
    try:
        yield str(http.make_url("/bot"))
    finally:
        await http.close()


def settings_for(db: str, api_url: str, token: str = TOKEN) -> Settings:
    """Settings against the tests' fake Bot API, which has no per-chat limit to pace
    each chat's turns to (tests/bot/test_chat_lanes.py tests the pacing)."""
    return Settings(
        _env_file=None,
        db=db,
        telegram_token=token,
        telegram_api_url=api_url,
        telegram_pace_chats=False,
    )


@asynccontextmanager
async def running(settings: Settings, store: Store) -> AsyncIterator[asyncio.Task[None]]:
    """The bot serving until the block ends; then stopped as SIGTERM stops it."""
    task = asyncio.create_task(serve(settings, store))
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def until(
    condition: Callable[[], bool | Awaitable[bool]],
    *,
    timeout: float = 20.0,
    bot: asyncio.Task[None] | None = None,
) -> None:
    """Wait for `condition`; fails at once if the bot stopped meanwhile."""
    async with asyncio.timeout(timeout):
        while True:
            if bot is not None and bot.done():
                raise AssertionError(f"the bot stopped: {bot.exception()!r}")
            result = condition()
            if not isinstance(result, bool):
                result = await result
            if result:
                return
            await asyncio.sleep(0.02)

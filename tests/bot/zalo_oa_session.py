"""A Zalo Official Account as `chitieu run` wires it, against the fake OA on loopback.

Events are signed as Zalo signs them and posted to the real webhook; what the bot
sends comes back through the fake's record of customer-service messages.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from itertools import count

import httpx
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from bot.sender import Limits, OutboxSender
from bot.settings import ZaloOASettings
from bot.zalo.oa_running import RunningOA, running_zalo_oa
from handlers.app import build_router
from handlers.channels import Channel
from handlers.services import Services
from storage import Store
from tests.bot.zalo.fake_oa import APP_ID, APP_SECRET, FakeZaloOA
from tests.bot.zalo.support import OA_SECRET, signed, text_event

FILE_NOTICE = "Ứng dụng này không gửi được tệp phụ lục."
FAST = Limits(per_second=200, private_interval=0.0, group_interval=0.0, backoff=0.05, poll=0.05)
_ids = count(1)


def oa_settings(url: str, access: str, refresh: str) -> ZaloOASettings:
    return ZaloOASettings(
        app_id=APP_ID,
        app_secret=SecretStr(APP_SECRET),
        oa_secret=SecretStr(OA_SECRET),
        access_token=SecretStr(access),
        refresh_token=SecretStr(refresh),
        api_url=url,
        oauth_url=url,
        webhook_host="127.0.0.1",
        webhook_port=0,
        webhook_path="/zalo/webhook",
    )


@asynccontextmanager
async def fake_oa_server(fake: FakeZaloOA) -> AsyncIterator[str]:
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


@asynccontextmanager
async def running_oa(
    store: Store, fake: FakeZaloOA, url: str, pair: tuple[str, str] | None = None
) -> AsyncIterator[RunningOA]:
    """The OA of one process: the configured pair is `pair`, or the fake's first grant."""
    access, refresh = pair if pair is not None else fake.grant()
    router = build_router(Services(store=store))
    config = oa_settings(url, access, refresh)
    async with running_zalo_oa(config, router, file_notice=FILE_NOTICE) as running:
        yield running


@dataclass
class Follower:
    """One person writing to the OA."""

    running: RunningOA
    fake: FakeZaloOA
    user: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.running.port}/zalo/webhook"

    async def post(self, raw: bytes, signature: str | None) -> int:
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-ZEvent-Signature"] = signature
        async with httpx.AsyncClient() as client:
            response = await client.post(self.url, content=raw, headers=headers)
        await self.running.webhook.drain()
        return response.status_code

    async def event(self, body: dict[str, object]) -> list[str]:
        before = len(self.fake.texts(self.user))
        assert await self.post(*signed(body)) == 200
        return self.fake.texts(self.user)[before:]

    async def say(self, text: str) -> list[str]:
        number = next(_ids)
        return await self.event(
            text_event(self.user, text, f"msg-{number}", str(1795398000000 + number))
        )

    def labels(self) -> list[str]:
        return [str(b["title"]) for b in self.fake.buttons(self.user)]

    async def press(self, label: str) -> list[str]:
        """Press a button of the last message that had buttons: Zalo sends its payload
        back as the person's text."""
        for button in self.fake.buttons(self.user):
            if str(button["title"]).startswith(label):
                return await self.say(str(button["payload"]))
        raise AssertionError(f"no button {label!r} in {self.labels()}")


async def send_outbox(
    store: Store,
    channels: Sequence[Channel],
    until: Callable[[], Awaitable[bool]],
    *,
    on_drained: Callable[[], Awaitable[object]] | None = None,
    timeout: float = 20.0,
) -> list[OutboxSender]:
    """One sender per channel, as `chitieu run` has, until `until` holds."""
    senders = [OutboxSender(store, c, limits=FAST, on_drained=on_drained) for c in channels]
    tasks = [asyncio.create_task(s.run()) for s in senders]
    try:
        async with asyncio.timeout(timeout):
            while not await until():
                for task in tasks:
                    if task.done():
                        task.result()
                await asyncio.sleep(0.02)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return senders

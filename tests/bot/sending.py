"""Helpers for tests that send the outbox: an advancing clock and a sender run."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from collections.abc import Awaitable, Callable

from bot.sender import Limits, OutboxSender
from storage import OutboxState, Store
from tests.bot.fake_limits import bot_for
from tests.bot.fake_telegram import FakeBotApi

FAST = Limits(per_second=200, private_interval=0.0, group_interval=0.0, backoff=0.05, poll=0.05)


def advancing_clock(start: dt.datetime) -> Callable[[], dt.datetime]:
    """Starts at `start` and runs at real speed, so that retries come due."""
    origin = time.monotonic()
    return lambda: start + dt.timedelta(seconds=time.monotonic() - origin)


async def settled(store: Store) -> bool:
    """No message waiting, being sent or waiting for a retry."""
    rows = await store.db.fetch_all(
        "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending', 'failed')"
    )
    return rows[0][0] == 0


async def states(store: Store) -> dict[OutboxState, int]:
    rows = await store.db.fetch_all("SELECT state, COUNT(*) FROM outbox GROUP BY state")
    counts = dict.fromkeys(OutboxState, 0)
    counts.update({OutboxState(state): count for state, count in rows})
    return counts


async def run_sender(
    store: Store,
    api: FakeBotApi,
    *,
    start: dt.datetime,
    limits: Limits = FAST,
    until: Callable[[], Awaitable[bool]] | None = None,
    timeout: float = 20.0,
    on_drained: Callable[[], Awaitable[object]] | None = None,
) -> OutboxSender:
    """Run a sender until `until` holds (default: everything settled), then stop it."""
    done = until or (lambda: settled(store))
    async with bot_for(api) as bot:
        sender = OutboxSender(
            store, bot, limits=limits, clock=advancing_clock(start), on_drained=on_drained
        )
        task = asyncio.create_task(sender.run())
        try:
            async with asyncio.timeout(timeout):
                while not await done():
                    if task.done():
                        task.result()
                    await asyncio.sleep(0.02)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return sender

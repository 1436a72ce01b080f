"""Helpers for tests that send the outbox: a running clock and a sender run."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import Awaitable, Callable

from bot.sender import Limits, OutboxSender
from bot.telegram_channel import TelegramChannel
from storage import OutboxState, Store
from tests.bot.fake_limits import bot_for
from tests.bot.fake_telegram import FakeBotApi
from tests.clock import TestClock

FAST = Limits(per_second=200, private_interval=0.0, group_interval=0.0, backoff=0.05, poll=0.05)


def running(store: Store) -> TestClock:
    """The store's test clock, ticking from now on at real speed."""
    clock = store.clock
    assert isinstance(clock, TestClock)
    clock.run()
    return clock


async def settled(store: Store) -> bool:
    """No message waiting, being sent or waiting for a retry."""
    waiting = await store.db.fetch_value(
        "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending', 'failed')"
    )
    return waiting == 0


async def states(store: Store) -> dict[OutboxState, int]:
    rows = await store.db.fetch_all("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state")
    counts = dict.fromkeys(OutboxState, 0)
    counts.update({OutboxState(row["state"]): row["n"] for row in rows})
    return counts


async def run_sender(
    store: Store,
    api: FakeBotApi,
    *,
    limits: Limits = FAST,
    until: Callable[[], Awaitable[bool]] | None = None,
    timeout: float = 20.0,
    on_drained: Callable[[], Awaitable[object]] | None = None,
) -> OutboxSender:
    """Run a sender until `until` holds (default: everything settled), then stop it. The
    store's clock starts running, so that retries come due."""
    running(store)
    done = until or (lambda: settled(store))
    async with bot_for(api) as bot:
        sender = OutboxSender(store, TelegramChannel(bot), limits=limits, on_drained=on_drained)
        task = asyncio.create_task(sender.run())
        try:
            async with asyncio.timeout(timeout):
                while not await done():
                    if task.done():
                        task.result()
                    await asyncio.sleep(0.02)
        finally:
            task.cancel()
            # A stop that never ends is a failure with every task's place, not a hang.
            stopped, _ = await asyncio.wait([task], timeout=30)
            if not stopped:
                raise AssertionError(f"the sender did not stop:\n{_task_stacks()}")
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return sender


def _task_stacks() -> str:
    out = io.StringIO()
    for task in asyncio.all_tasks():
        task.print_stack(file=out)
    return out.getvalue()

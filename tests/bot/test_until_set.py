"""Waiting for an event with a time limit never loses a stop: a loop that waits this
way (the inbox, the outbox sender) ends when cancelled, even at the very moment the
event it waits for is set. `asyncio.wait_for` on Python 3.11 returned normally then (the
same check failed with it), and a stopped bot's loop ran on for good."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot.backoff import until_set


async def _stopped_in_every_interleaving(
    wait: Callable[[asyncio.Event, float], Awaitable[bool]],
) -> bool:
    """Cancel a waiting loop 0, 1, 2 or 3 steps of the event loop after setting its
    event; whether every such loop ended."""
    for steps in range(4):
        event = asyncio.Event()

        async def loop(event: asyncio.Event = event) -> None:
            while True:
                await wait(event, 30.0)
                event.clear()

        task = asyncio.create_task(loop())
        await asyncio.sleep(0.01)  # waiting now
        event.set()
        for _ in range(steps):
            await asyncio.sleep(0)
        task.cancel()
        done, _pending = await asyncio.wait([task], timeout=2.0)
        if not done:
            task.cancel()
            return False
    return True


async def test_a_cancel_as_the_event_is_set_ends_the_wait() -> None:
    assert await _stopped_in_every_interleaving(until_set)


async def test_until_set_says_whether_the_event_came() -> None:
    event = asyncio.Event()
    assert await until_set(event, 0.01) is False
    event.set()
    assert await until_set(event, 0.01) is True

"""Waiting before trying again: start-up calls, and the loops that meet a database or a
messenger that cannot answer now. Every loop of the process backs off and retries on
its own, so nothing needs a restart once the condition clears."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


# A database that cannot work now (full, read-only, locked) is tried again at least this
# often: each try is one statement, and the bot should notice soon that it can work again.
STORAGE_RETRY_CAP = 10.0


async def until_set(event: asyncio.Event, timeout: float) -> bool:
    """Wait for `event` at most `timeout` seconds; whether it was set. Not
    `asyncio.wait_for`: on Python 3.11 that returns normally when the task is cancelled
    just as the event is set, so a loop waiting this way could miss a stop and run on
    (a test that stopped the bot hung for good, now and then)."""
    try:
        async with asyncio.timeout(timeout):
            await event.wait()
    except TimeoutError:
        return False
    return True


class Backoff:
    """Delays doubling from `first` up to `cap`; `reset` after a success."""

    def __init__(self, first: float = 1.0, cap: float = 30.0) -> None:
        self.first = first
        self.cap = cap
        self.failures = 0

    def next_delay(self) -> float:
        delay = min(self.cap, self.first * 2.0**self.failures)
        self.failures += 1
        return delay

    def reset(self) -> None:
        self.failures = 0

    async def wait(self) -> float:
        delay = self.next_delay()
        await asyncio.sleep(delay)
        return delay


async def retrying(
    what: str,
    call: Callable[[], Awaitable[T]],
    *,
    retry_on: tuple[type[BaseException], ...],
    log: logging.Logger,
    backoff: Backoff | None = None,
) -> T:
    """`call()` until it succeeds, waiting longer after each failure of a `retry_on` kind
    (anything else is raised); each retry is one log line naming the error's type only,
    since a network error's text can carry a URL with a token."""
    wait = backoff or Backoff()
    while True:
        try:
            return await call()
        except retry_on as error:
            delay = wait.next_delay()
            log.warning("%s failed (%s); retry %d in %.0f s",
                        what, type(error).__name__, wait.failures, delay)  # fmt: skip
            await asyncio.sleep(delay)

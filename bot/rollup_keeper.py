"""Settling the kept roll-ups soon after saves (storage/rollups.py). A save only marks the
cells it wrote, so that at a deadline the members' turns do not wait for the units above
them to be recomputed, and a commune's many saves in a second cost one recompute of its
commune, district and province instead of one each. A question settles what it reads
before reading it, so this only keeps the marks few and the questions quick."""

from __future__ import annotations

import asyncio
import logging

from bot.backoff import STORAGE_RETRY_CAP, Backoff
from handlers.failure_log import failure_summary
from storage import StorageUnavailable, Store

log = logging.getLogger(__name__)

# A second's saves settled together: at thirty turns a second, a few dozen saves.
SETTLE_INTERVAL = 1.0


class RollupKeeper:
    def __init__(self, store: Store, *, interval: float = SETTLE_INTERVAL) -> None:
        self.store = store
        self.interval = interval

    async def tick(self) -> int:
        """Settle whatever is marked; how many written cells that took."""
        if not await self.store.rollups.pending():
            return 0  # most seconds: one read, and no write transaction to wait for
        return await self.store.rollups.settle()

    async def run(self) -> None:
        """Until cancelled. A database that cannot work now is waited out."""
        backoff = Backoff(first=self.interval, cap=STORAGE_RETRY_CAP)
        while True:
            delay = self.interval
            try:
                await self.tick()
                backoff.reset()
            except StorageUnavailable as error:
                delay = backoff.next_delay()
                log.warning("roll-ups: cannot settle (%s); retry in %.0f s", error, delay)
            except Exception as error:
                delay = backoff.next_delay()
                log.error("roll-ups: settling failed (%s); retry in %.0f s",
                          failure_summary(error), delay)  # fmt: skip
            await asyncio.sleep(delay)

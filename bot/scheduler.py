"""Once a minute: queue the reminder rounds that are due, close finished broadcasts, and
forget what is no longer worth keeping.

Every decision is made from the database and the clock, never from memory, so a restart
loses nothing and queues nothing twice; the first tick after a downtime sends the round
that was missed, if it is still worth sending.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from handlers.broadcasts import announcements as broadcasts
from handlers.failure_log import failure_summary
from handlers.reminders import rounds as reminders
from handlers.services import Services
from indicators.reminders import ReminderSettings
from storage import StorageUnavailable

log = logging.getLogger(__name__)

# Telegram keeps an undelivered update for at most 24 hours, so a week covers a bot that
# was down over a long holiday with a wide margin; older marks only grow the table every
# turn inserts into.
KEEP_PROCESSED_UPDATES = dt.timedelta(days=7)
# A conversation untouched for a month was abandoned: the shortest reporting period is a
# month, so its half-given answers belong to a period that has moved on, and resuming it
# would be more confusing than starting again.
KEEP_ABANDONED_CONVERSATIONS = dt.timedelta(days=30)


class ReminderScheduler:
    def __init__(
        self,
        services: Services,
        settings: ReminderSettings,
        *,
        interval: float = 60.0,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self.services = services
        self.settings = settings
        self.interval = interval
        self.wake = wake

    async def tick(self) -> int:
        """One look: queue what is due; how many messages were queued."""
        queued = await reminders.run_due(self.services, self.settings)
        await broadcasts.finish_completed(self.services)
        await self.prune()
        messages = sum(len(r.recipients) for r in queued)
        if queued:
            log.info("reminders: %d rounds queued, %d messages", len(queued), messages)
        if messages and self.wake is not None:
            self.wake()
        return messages

    async def prune(self) -> tuple[int, int]:
        """Forget old processed updates and abandoned conversations; how many of each."""
        store = self.services.store
        now = self.services.clock.now()
        async with store.transaction():
            updates = await store.updates.prune(now - KEEP_PROCESSED_UPDATES)
            # Handled and answered updates are kept as long as their marks, for the same
            # reason; unhandled ones stay until handled.
            updates += await store.inbox.prune(now - KEEP_PROCESSED_UPDATES)
            conversations = await store.conversations.clear_older_than(
                now - KEEP_ABANDONED_CONVERSATIONS
            )
            await store.choices.prune(now - KEEP_ABANDONED_CONVERSATIONS)
        if updates or conversations:
            log.info("pruned %d processed updates, %d conversations", updates, conversations)
        return updates, conversations

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except StorageUnavailable as error:
                log.warning("reminders: storage unavailable (%s); trying again next minute", error)
            except Exception as error:
                log.error("reminders: a scheduler tick failed (%s); trying again next minute",
                          failure_summary(error))  # fmt: skip
            # Just after the next full minute, so that an 08:00 round leaves at 08:00.
            now = self.services.clock.now().timestamp()
            await asyncio.sleep(self.interval - now % self.interval + 0.5)

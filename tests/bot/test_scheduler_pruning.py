"""The scheduler's tick forgets processed updates after a week and abandoned
conversations after a month, by the injected clock."""

from __future__ import annotations

import datetime as dt

from bot.scheduler import ReminderScheduler
from handlers.services import Services
from indicators.reminders import ReminderSettings
from storage import Store
from tests.clock import TestClock


async def test_a_tick_prunes_old_updates_and_abandoned_conversations(
    store: Store, clock: TestClock
) -> None:
    start = clock.now()
    await store.updates.mark_processed("telegram", 1)
    await store.conversations.put("telegram", "old", "report", "q1", {})
    clock.advance(dt.timedelta(days=6))
    await store.updates.mark_processed("telegram", 2)
    clock.advance(dt.timedelta(days=2))  # update 1 is 8 days old, update 2 two days
    await store.conversations.put("telegram", "recent", "report", "q2", {})
    scheduler = ReminderScheduler(Services(store=store), ReminderSettings())

    await scheduler.tick()
    assert not await store.updates.is_processed("telegram", 1)
    assert await store.updates.is_processed("telegram", 2)
    # 8 days: not abandoned yet.
    assert await store.conversations.get("telegram", "old") is not None

    clock.set(start + dt.timedelta(days=30, minutes=1))
    await scheduler.tick()
    assert await store.conversations.get("telegram", "old") is None
    assert await store.conversations.get("telegram", "recent") is not None
    # Update 2 is now 24 days old: forgotten too.
    assert not await store.updates.is_processed("telegram", 2)

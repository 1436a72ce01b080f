"""Conversation state and processed updates live in the database, across restarts."""

from __future__ import annotations

import datetime as dt

from indicators.values import RatioValue, value_to_data
from storage import Store
from tests.storage.storage_fixtures import NOW


async def test_conversation_survives_restart(database: str, clock) -> None:
    # Answers in the order given, which is not sorted order.
    answers = {
        "3.2": value_to_data(RatioValue(260, 300)),
        "3.1": value_to_data(RatioValue(175, 300)),
        "ghi_chu": "Sóng yếu ở Nà Pậu",
    }
    async with await Store.open(database, clock=clock) as store:
        await store.conversations.put("telegram", "5001", "report", "q1", {})
        await store.conversations.put("telegram", "5001", "report", "q2", answers)
        assert await store.updates.mark_processed("telegram", 77)
    async with await Store.open(database, clock=clock) as store:
        state = await store.conversations.get("telegram", "5001")
        assert state is not None
        assert (state.dialog, state.step, state.data, state.updated_at) == (
            "report",
            "q2",
            answers,
            NOW,
        )
        assert list(state.data) == ["3.2", "3.1", "ghi_chu"]
        assert await store.updates.mark_processed("telegram", 77) is False
        assert await store.conversations.clear("telegram", "5001") is True
        assert await store.conversations.get("telegram", "5001") is None
        assert await store.conversations.clear("telegram", "5001") is False


async def test_old_conversations_and_updates_can_be_forgotten(store: Store, clock) -> None:
    await store.conversations.put("zalo", "a", "report", "q1", {})
    clock.advance(dt.timedelta(days=2))
    await store.conversations.put("zalo", "b", "report", "q1", {})
    clock.set(NOW)
    assert await store.conversations.clear_older_than(NOW + dt.timedelta(days=1)) == 1
    assert await store.conversations.get("zalo", "b") is not None
    await store.updates.mark_processed("zalo", "m1")
    assert await store.updates.prune(NOW + dt.timedelta(seconds=1)) == 1
    assert not await store.updates.is_processed("zalo", "m1")

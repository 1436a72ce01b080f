"""The sending rate shared by processes: a window never grants more than its limit,
whoever asks and however many at once."""

from __future__ import annotations

import asyncio

from storage import Store


async def test_a_window_grants_its_limit_and_no_more_to_writers_side_by_side(
    backend: str, database: str, clock
) -> None:
    # Two stores on one database stand for two processes.
    async with (
        await Store.open(database, clock=clock) as one,
        await Store.open(database, clock=clock) as other,
    ):
        asks = [s.send_budget.take("telegram", 100, 7) for s in (one, other) for _ in range(20)]
        granted = await asyncio.gather(*asks)
        assert sum(granted) == 7
        assert await one.send_budget.used("telegram", 100) == 7
        # Another window, and another channel, count on their own.
        assert await other.send_budget.take("telegram", 101, 7)
        assert await other.send_budget.take("zalo_bot", 100, 7)
        assert await one.send_budget.prune("telegram", before=101) == 1
        assert await one.send_budget.used("telegram", 100) == 0
        assert await one.send_budget.used("telegram", 101) == 1

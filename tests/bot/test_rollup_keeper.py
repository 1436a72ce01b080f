"""The roll-up keeper (bot/rollup_keeper.py): saves marked in their turns are settled
soon after, and a database that cannot be written is waited out, the marks kept."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.rollup_keeper import RollupKeeper
from bot.setup import all_people
from indicators.values import RatioValue
from storage import Store
from tests.bot.bot_process import until
from tests.bot.test_faults_storage import read_only

PLAN = "dong-lac-2025"


async def _village_value(store: Store) -> tuple[int, str]:
    """A value of a village of the demo's commune for the plan's open period: marked."""
    member = next(p for p in await all_people(store) if p.role == "member")
    plan = await store.plans.get(PLAN)
    assert plan is not None and member.unit_id is not None
    code = next(i.code for i in plan.indicators if i.reported_by.value == "village")
    period = "2026-Q4"
    await store.values.record(member.unit_id, PLAN, code, period, RatioValue(21, 300))
    return member.unit_id, period


async def test_a_save_is_settled_by_the_next_tick(store: Store) -> None:
    keeper = RollupKeeper(store)
    assert await keeper.tick() == 0  # the demo opens settled
    await _village_value(store)
    assert await store.rollups.pending()
    assert await keeper.tick() == 1
    assert not await store.rollups.pending()


async def test_an_unwritable_database_is_waited_out_with_the_marks_kept(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    await _village_value(store)
    keeper = asyncio.create_task(RollupKeeper(store, interval=0.05).run())
    try:
        async with read_only(store):
            await until(lambda: any("cannot settle" in r.getMessage() for r in caplog.records))
            assert await store.rollups.pending()
            assert not keeper.done()

        async def settled() -> bool:
            return not await store.rollups.pending()

        await until(settled, timeout=5)  # the backoff starts at the interval
    finally:
        keeper.cancel()
        await asyncio.gather(keeper, return_exceptions=True)
    assert all(r.exc_info is None for r in caplog.records)

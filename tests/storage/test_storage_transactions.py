"""The writer lock and transactions: atomic groups, savepoints, no dirty reads."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import pytest

from indicators.values import CountValue
from storage import StorageError, Store
from storage.clock import from_db, to_db
from tests.storage.storage_fixtures import PLAN_ID, Tree


async def test_inner_failure_rolls_back_only_the_inner_step(store: Store, tree: Tree) -> None:
    village = tree.villages["Nà Pậu"]
    async with store.transaction():
        await store.values.record(village, PLAN_ID, "3.1", "2025", CountValue(1))
        with pytest.raises(ZeroDivisionError):
            async with store.transaction():
                await store.values.record(village, PLAN_ID, "3.2", "2025", CountValue(2))
                _ = 1 / 0
        await store.conversations.put("telegram", "1", "report", "done", {})
    assert len(await store.values.history(village, PLAN_ID, "3.1", "2025")) == 1
    assert await store.values.history(village, PLAN_ID, "3.2", "2025") == []
    assert await store.conversations.get("telegram", "1") is not None


async def test_readers_never_see_uncommitted_writes(store: Store, tree: Tree, backend: str) -> None:
    village = tree.villages["Nà Pậu"]
    inside = asyncio.Event()
    release = asyncio.Event()

    async def doomed_writer() -> None:
        async with store.transaction():
            await store.values.record(village, PLAN_ID, "3.1", "2025", CountValue(1))
            inside.set()
            await release.wait()
            raise RuntimeError("rolled back")

    task = asyncio.create_task(doomed_writer())
    await inside.wait()
    reader = asyncio.create_task(store.values.latest([village], PLAN_ID, "2025"))
    if backend == "sqlite":
        await asyncio.sleep(0.01)
        assert not reader.done()  # one connection: waits for the writer instead
    else:
        # Its own connection: answered at once, from what is committed.
        assert await asyncio.wait_for(asyncio.shield(reader), 5) == []
    release.set()
    with pytest.raises(RuntimeError):
        await task
    assert await reader == []


async def test_finished_transaction_cannot_be_used(store: Store) -> None:
    async with store.transaction() as tx:
        pass
    with pytest.raises(StorageError):
        await tx.execute("SELECT 1")


def test_timestamps_are_utc_and_never_naive() -> None:
    hanoi = dt.timezone(dt.timedelta(hours=7))
    local = dt.datetime(2025, 9, 25, 7, 0, tzinfo=hanoi)
    text = to_db(local)
    assert text == "2025-09-25T00:00:00.000000+00:00"
    assert from_db(text) == local
    with pytest.raises(ValueError):
        to_db(dt.datetime(2025, 9, 25))


async def test_a_transaction_cancelled_at_any_moment_leaves_the_store_usable(
    store: Store, tree: Tree, caplog: pytest.LogCaptureFixture
) -> None:
    # A stop signal cancels whatever is running: a cancel that lands while BEGIN runs
    # in the driver's thread once left the connection inside a transaction, and every
    # write after it failed.
    village = tree.villages["Nà Pậu"]
    written = 0

    async def write(n: int) -> None:
        nonlocal written
        async with store.transaction():
            await store.values.record(village, PLAN_ID, "3.1", "2025", CountValue(n))
        written += 1

    for ticks in range(40):
        task = asyncio.create_task(write(ticks))
        for _ in range(ticks % 20):
            await asyncio.sleep(0)
        if ticks >= 20:
            await asyncio.sleep(0.001 * (ticks - 20))
        task.cancel()
        await asyncio.wait([task])
    await write(1000)
    history = await store.values.history(village, PLAN_ID, "3.1", "2025")
    # A cancel can also land just after a COMMIT, so a write its task never saw finish
    # may be in; none is half in, and the one after all the cancels went in.
    assert written <= len(history) <= 41
    assert sorted(v.version for v in history) == list(range(1, len(history) + 1))
    assert max(history, key=lambda v: v.version).value == CountValue(1000)
    # Nor was a connection handed back inside a transaction (asyncpg logs an error then).
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_what_waits_for_a_commit_runs_after_it_and_never_for_what_was_undone(
    store: Store,
) -> None:
    done: list[str] = []
    store.db.after_commit(lambda: done.append("alone"))  # no transaction: committed
    assert done == ["alone"]
    async with store.transaction():
        await store.conversations.put("telegram", "1", "report", "value", {})
        store.db.after_commit(lambda: done.append("outer"))
        with pytest.raises(ZeroDivisionError):
            async with store.transaction():
                await store.conversations.put("telegram", "2", "report", "value", {})
                store.db.after_commit(lambda: done.append("undone block"))
                _ = 1 / 0
        async with store.transaction():
            store.db.after_commit(lambda: done.append("kept block"))
        assert done == ["alone"]  # not before the commit
    assert done == ["alone", "outer", "kept block"]
    with pytest.raises(ZeroDivisionError):
        async with store.transaction():
            await store.conversations.put("telegram", "3", "report", "value", {})
            store.db.after_commit(lambda: done.append("rolled back"))
            _ = 1 / 0
    assert done == ["alone", "outer", "kept block"]

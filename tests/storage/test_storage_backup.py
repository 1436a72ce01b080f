"""Backups made while the bot writes open as complete, consistent databases: a SQLite
copy, or a pg_dump archive restored with pg_restore."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from indicators.values import CountValue
from storage import NewValue, StorageError, Store
from tests.storage.storage_fixtures import PLAN_ID, Restore, build_tree


async def test_backup_while_writing(
    file_store: Store, tmp_path: Path, clock, restore: Restore
) -> None:
    tree = await build_tree(file_store)
    village = tree.villages["Nà Pậu"]
    stop = asyncio.Event()
    some_written = asyncio.Event()

    async def keep_writing() -> int:
        n = 0
        while not stop.is_set():
            # Pairs recorded together: a consistent copy never holds half a pair.
            await file_store.values.record_many(
                [
                    NewValue(village, PLAN_ID, "3.1", "2025", CountValue(n)),
                    NewValue(village, PLAN_ID, "3.2", "2025", CountValue(n)),
                ]
            )
            n += 1
            if n == 3:
                some_written.set()
            await asyncio.sleep(0)
        return n

    writer = asyncio.create_task(keep_writing())
    await some_written.wait()  # the copy starts while the writer is at it
    target = tmp_path / "backups" / "copy.sqlite3"
    target.parent.mkdir()
    assert await file_store.backup(target) == target
    stop.set()
    written = await writer

    async with await Store.open(await restore(target), clock=clock) as copy:
        first = await copy.values.history(village, PLAN_ID, "3.1", "2025")
        second = await copy.values.history(village, PLAN_ID, "3.2", "2025")
        assert 0 < len(first) == len(second) <= written
        assert await copy.plans.get(PLAN_ID) is not None
    assert not list(target.parent.glob(".*partial*"))


async def test_backup_of_memory_database(memory_store: Store, tmp_path: Path, clock) -> None:
    tree = await build_tree(memory_store)
    await memory_store.values.record(tree.dong_lac, PLAN_ID, "1.1", "2025", CountValue(1))
    target = await memory_store.backup(tmp_path / "mem.sqlite3")
    async with await Store.open(target, clock=clock) as copy:
        assert len(await copy.values.history(tree.dong_lac, PLAN_ID, "1.1", "2025")) == 1


@pytest.mark.postgresql
async def test_without_pg_dump_a_postgresql_backup_says_what_to_use(
    postgres_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock
) -> None:
    url = await postgres_server.create_database()
    try:
        async with await Store.open(url, clock=clock) as store:
            monkeypatch.setenv("PATH", str(tmp_path))
            with pytest.raises(StorageError, match="pg_dump") as refused:
                await store.backup(tmp_path / "copy.dump")
        assert "not installed" in str(refused.value) and "\n" not in str(refused.value)
        assert list(tmp_path.iterdir()) == []
    finally:
        await postgres_server.drop_database(url)

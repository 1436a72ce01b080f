"""The four promises of the issue: concurrent writers, failures midway, redelivered
updates and corrections never lose or duplicate a value."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest

from indicators.people import Role
from indicators.values import CountValue, PercentValue, RatioValue
from storage import IntegrityError, NewValue, Store
from tests.storage.storage_fixtures import NOW, PLAN_ID, Tree, build_tree

WRITERS = 50


async def test_fifty_concurrent_writers_keep_every_version(file_store: Store, backend: str) -> None:
    if backend == "sqlite":
        assert await file_store.db.fetch_value("PRAGMA journal_mode") == "wal"
    tree = await build_tree(file_store)
    village = tree.villages["Nà Pậu"]

    async def writer(n: int) -> None:
        # Every writer corrects the same value (worst case for version numbers) and
        # also saves a conversation's worth of answers of its own.
        await file_store.values.record(
            village, PLAN_ID, "3.1", "2025-Q3", RatioValue(n, 100), person_id=None
        )
        await file_store.values.record_many(
            [
                NewValue(village, PLAN_ID, "3.2", f"2025-{month:02d}", CountValue(n))
                for month in (1, 2, 3)
            ],
            update_key=f"telegram:{n}",
        )

    await asyncio.gather(*(writer(n) for n in range(WRITERS)))

    history = await file_store.values.history(village, PLAN_ID, "3.1", "2025-Q3")
    assert [v.version for v in history] == list(range(1, WRITERS + 1))
    assert sorted(v.value.numerator for v in history) == list(range(WRITERS))
    for month in ("2025-01", "2025-02", "2025-03"):
        versions = await file_store.values.history(village, PLAN_ID, "3.2", month)
        assert [v.version for v in versions] == list(range(1, WRITERS + 1))
        assert {v.update_key for v in versions} == {f"telegram:{n}" for n in range(WRITERS)}
    [latest] = await file_store.values.latest([village], PLAN_ID, "2025-Q3")
    assert latest.version == WRITERS


async def test_two_connections_to_one_file_wait_instead_of_failing(db_path: Path, clock) -> None:
    # Another process (an admin CLI) writing to the same file must wait for the lock,
    # not fail with "database is locked".
    async with (
        await Store.open(db_path, clock=clock) as first,
        await Store.open(db_path, clock=clock) as second,
    ):
        tree = await build_tree(first)
        village = tree.villages["Bản Cuôn"]

        async def writer(store: Store, n: int) -> None:
            await store.values.record(village, PLAN_ID, "3.3", "2025", CountValue(n))

        await asyncio.gather(*(writer(first if n % 2 else second, n) for n in range(WRITERS)))
        history = await first.values.history(village, PLAN_ID, "3.3", "2025")
        assert [v.version for v in history] == list(range(1, WRITERS + 1))

        # The other connection holds the write lock for a while: the writer waits.
        async with first.transaction():
            await first.values.record(village, PLAN_ID, "3.4", "2025", CountValue(1))
            waiting = asyncio.create_task(
                second.values.record(village, PLAN_ID, "3.4", "2025", CountValue(2))
            )
            await asyncio.sleep(0.2)
            assert not waiting.done()
        assert (await waiting).version == 2


async def test_failure_midway_leaves_no_partial_version(store: Store, tree: Tree) -> None:
    village = tree.villages["Nà Kéo"]
    await store.values.record(village, PLAN_ID, "3.1", "2025-Q3", PercentValue(Decimal("70")))

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with store.transaction():
            await store.values.record_many(
                [
                    NewValue(village, PLAN_ID, "3.1", "2025-Q3", PercentValue(Decimal("75"))),
                    NewValue(village, PLAN_ID, "3.2", "2025-Q3", PercentValue(Decimal("88"))),
                ]
            )
            await store.conversations.clear("telegram", "42")
            raise Boom

    history = await store.values.history(village, PLAN_ID, "3.1", "2025-Q3")
    assert [(v.version, v.value) for v in history] == [(1, PercentValue(Decimal("70")))]
    assert await store.values.history(village, PLAN_ID, "3.2", "2025-Q3") == []
    assert len(await store.audit.entries(action="value.recorded")) == 1


async def test_invalid_item_in_a_batch_records_nothing(store: Store, tree: Tree) -> None:
    village = tree.villages["Nà Kéo"]
    with pytest.raises(IntegrityError):  # the foreign key to units
        await store.values.record_many(
            [
                NewValue(village, PLAN_ID, "3.1", "2025-Q3", PercentValue(Decimal("75"))),
                NewValue(999_999, PLAN_ID, "3.2", "2025-Q3", PercentValue(Decimal("88"))),
            ]
        )
    assert await store.values.latest([village], PLAN_ID, "2025-Q3") == []


async def test_same_update_delivered_twice_is_recorded_once(store: Store, tree: Tree) -> None:
    village = tree.villages["Nà Pậu"]
    answers = [
        NewValue(village, PLAN_ID, "3.1", "2025-Q3", RatioValue(175, 300)),
        NewValue(village, PLAN_ID, "3.2", "2025-Q3", PercentValue(Decimal("86.5")), "Sóng yếu"),
    ]
    first = await store.values.record_many(answers, channel="telegram", update_key="tg:1001")
    again = await store.values.record_many(answers, channel="telegram", update_key="tg:1001")
    assert [v.id for v in again] == [v.id for v in first]
    for code in ("3.1", "3.2"):
        assert len(await store.values.history(village, PLAN_ID, code, "2025-Q3")) == 1

    # The handler's guard: the update itself is marked once, with its effects.
    assert await store.updates.mark_processed("telegram", 1001) is True
    assert await store.updates.mark_processed("telegram", 1001) is False
    assert await store.updates.mark_processed("zalo", 1001) is True


async def test_update_marked_with_its_effects_or_not_at_all(store: Store, tree: Tree) -> None:
    village = tree.villages["Nà Pậu"]

    async def handle(fail: bool) -> bool:
        async with store.transaction():
            if not await store.updates.mark_processed("zalo", "msg-7"):
                return False
            await store.values.record(village, PLAN_ID, "3.3", "2025", CountValue(5))
            if fail:
                raise RuntimeError("send failed")
        return True

    with pytest.raises(RuntimeError):
        await handle(fail=True)
    assert not await store.updates.is_processed("zalo", "msg-7")
    assert await handle(fail=False) is True
    assert await handle(fail=False) is False
    assert len(await store.values.history(village, PLAN_ID, "3.3", "2025")) == 1


async def test_correction_keeps_previous_version(store: Store, tree: Tree) -> None:
    village = tree.villages["Bản Cuôn"]
    person = await store.people.add_person("Hoàng Văn A", Role.MEMBER, village)
    first = await store.values.record(
        village,
        PLAN_ID,
        "3.1",
        "2025-Q3",
        RatioValue(150, 300),
        person_id=person.id,
        channel="zalo",
        update_key="z:1",
    )
    fixed = await store.values.record(
        village,
        PLAN_ID,
        "3.1",
        "2025-Q3",
        RatioValue(175, 300),
        note="Đếm lại hộ",
        person_id=person.id,
        channel="telegram",
        update_key="tg:2",
    )
    assert (first.version, fixed.version) == (1, 2)
    history = await store.values.history(village, PLAN_ID, "3.1", "2025-Q3")
    assert [v.value for v in history] == [RatioValue(150, 300), RatioValue(175, 300)]
    assert [v.channel for v in history] == ["zalo", "telegram"]
    assert history[0].recorded_at == NOW
    assert history[1].note == "Đếm lại hộ"
    [latest] = await store.values.latest([village], PLAN_ID, "2025-Q3")
    assert latest == fixed
    audit = await store.audit.entries(person_id=person.id, action="value.recorded")
    assert len(audit) == 2
